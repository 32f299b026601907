import { useTranslation } from "react-i18next";

import { ActivityFeed } from "../components/dashboard/ActivityFeed";
import { HealthOverview } from "../components/dashboard/HealthOverview";
import { PageHeader } from "../components/ui/PageHeader";

/** `/`: how every service is, and what is happening. */
export function DashboardPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t("nav.dashboard")} description={t("dashboard.description")} />
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="lg:col-span-2">
          <HealthOverview />
        </div>
        <ActivityFeed />
      </div>
    </>
  );
}
