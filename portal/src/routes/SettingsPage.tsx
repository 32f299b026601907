import { useTranslation } from "react-i18next";

import { AdminsSection } from "../components/settings/AdminsSection";
import { ApiTokensSection } from "../components/settings/ApiTokensSection";
import { EnforceTotpSection } from "../components/settings/EnforceTotpSection";
import { TwoFactorSection } from "../components/settings/TwoFactorSection";
import { ErrorNotice } from "../components/ui/ErrorNotice";
import { PageHeader } from "../components/ui/PageHeader";
import { Loading } from "../components/ui/Spinner";
import { useMe } from "../queries/auth/useMe";
import { useSecuritySettings } from "../queries/settings/useSecuritySettings";

/** `/settings`: the admin's 2FA and tokens; for admins, accounts and enforcement. */
export function SettingsPage() {
  const { t } = useTranslation();
  const me = useMe();
  const security = useSecuritySettings();

  if (me.isPending || security.isPending) {
    return <Loading />;
  }
  if (me.isError || security.isError) {
    return <ErrorNotice error={me.error ?? security.error} />;
  }
  const managesAdmins = me.data.scopes.includes("write:admin");
  return (
    <>
      <PageHeader title={t("nav.settings")} description={t("settings.description")} />
      <div className="space-y-6">
        <TwoFactorSection me={me.data} enforced={security.data.enforce_totp} />
        <ApiTokensSection me={me.data} />
        {managesAdmins && (
          <>
            <EnforceTotpSection enforced={security.data.enforce_totp} canChange={managesAdmins} />
            <AdminsSection me={me.data} />
          </>
        )}
      </div>
    </>
  );
}
