import { useTranslation } from "react-i18next";

import { formatDateTime } from "../../lib/format";
import { byAttention, statusLook } from "../../lib/status";
import { useSystemHealth } from "../../queries/health/useSystemHealth";
import { Card } from "../ui/Card";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Loading } from "../ui/Spinner";
import { ServiceHealthCard } from "./ServiceHealthCard";

/** Every service's health, the ones needing attention first. */
export function HealthOverview() {
  const { t, i18n } = useTranslation();
  const health = useSystemHealth();

  if (health.isPending) {
    return <Loading />;
  }
  if (health.isError) {
    return <ErrorNotice error={health.error} />;
  }
  const look = statusLook(health.data.status);
  return (
    <Card
      title={t("health.title")}
      description={t("health.checkedAt", {
        time: formatDateTime(health.data.checked_at, i18n.language),
      })}
      actions={
        <span
          className={`rounded-full px-3 py-1 text-sm font-medium ring-1 ring-inset ${look.badge}`}
          data-testid="overall-status"
          data-status={health.data.status}
        >
          {t(`health.overall.${health.data.status}`)}
        </span>
      }
    >
      <div className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3">
        {byAttention(health.data.services).map((service) => (
          <ServiceHealthCard key={service.service} health={service} />
        ))}
      </div>
    </Card>
  );
}
