import { createBrowserRouter } from "react-router";

import { RequireSession } from "../components/auth/RequireSession";
import { AppLayout } from "../components/layout/AppLayout";
import { NAVIGATION } from "../lib/navigation";
import { AuditLogPage } from "../routes/AuditLogPage";
import { DashboardPage } from "../routes/DashboardPage";
import { DnsPage } from "../routes/DnsPage";
import { LoginPage } from "../routes/LoginPage";
import { MailAccountsPage } from "../routes/MailAccountsPage";
import { MailPage } from "../routes/MailPage";
import { NotBuiltPage } from "../routes/NotBuiltPage";
import { NotFoundPage } from "../routes/NotFoundPage";
import { SecurityPage } from "../routes/SecurityPage";
import { SettingsPage } from "../routes/SettingsPage";
import { TotpSetupPage } from "../routes/TotpSetupPage";

// Areas whose pages come with later work show a plain "not built yet" page.
const notBuilt = NAVIGATION.filter((item) => !item.built).map((item) => ({
  path: item.path.slice(1),
  element: <NotBuiltPage area={item.key} />,
}));

/** The route table: every page of the portal and what guards it. */
export const router = createBrowserRouter([
  { path: "/login", element: <LoginPage /> },
  {
    element: <RequireSession />,
    children: [
      { path: "/setup-2fa", element: <TotpSetupPage /> },
      {
        element: <AppLayout />,
        children: [
          { index: true, element: <DashboardPage /> },
          { path: "audit", element: <AuditLogPage /> },
          { path: "settings", element: <SettingsPage /> },
          { path: "mail", element: <MailPage /> },
          { path: "mail-accounts", element: <MailAccountsPage /> },
          { path: "dns", element: <DnsPage /> },
          { path: "security", element: <SecurityPage /> },
          ...notBuilt,
          { path: "*", element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);
