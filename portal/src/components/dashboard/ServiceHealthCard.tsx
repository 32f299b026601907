import { useTranslation } from "react-i18next";

import type { ServiceHealthView } from "../../api/types";
import { formatLatency } from "../../lib/format";
import { statusLook } from "../../lib/status";
import { Duration } from "../ui/Duration";

/** One service: status, version, uptime and each dependency. */
export function ServiceHealthCard({ health }: { health: ServiceHealthView }) {
  const { t } = useTranslation();
  const look = statusLook(health.status);
  return (
    <article
      className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200"
      data-testid="service-health"
      data-service={health.service}
      data-status={health.status}
    >
      <div className="flex items-start justify-between gap-2">
        <h3 className="flex items-center gap-2 font-medium text-slate-900">
          <span className={`h-2.5 w-2.5 rounded-full ${look.dot}`} aria-hidden="true" />
          {health.service}
        </h3>
        <span
          className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${look.badge}`}
        >
          {t(look.labelKey)}
        </span>
      </div>
      <dl className="mt-3 grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
        <dt className="text-slate-500">{t("health.version")}</dt>
        <dd className="text-slate-800">{health.version ?? "—"}</dd>
        <dt className="text-slate-500">{t("health.uptime")}</dt>
        <dd className="text-slate-800">
          {health.uptime_seconds == null ? "—" : <Duration seconds={health.uptime_seconds} />}
        </dd>
      </dl>
      {health.error && <p className="mt-2 text-sm text-rose-700">{t("health.noAnswer")}</p>}
      {(health.dependencies ?? []).length > 0 && (
        <ul className="mt-3 space-y-1 border-t border-slate-100 pt-3 text-sm">
          {(health.dependencies ?? []).map((dependency) => {
            const latency = formatLatency(dependency.latency_ms);
            return (
              <li key={dependency.name} className="flex items-start justify-between gap-2">
                <span className="flex items-center gap-1.5 text-slate-700">
                  <span
                    className={`h-1.5 w-1.5 rounded-full ${dependency.ok ? "bg-emerald-500" : "bg-rose-500"}`}
                    aria-hidden="true"
                  />
                  {dependency.name}
                </span>
                <span className={dependency.ok ? "text-slate-500" : "text-rose-700"}>
                  {dependency.ok
                    ? latency === null
                      ? t("health.dependencyOk")
                      : t("health.latency", { ms: latency })
                    : t("health.dependencyFailing")}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </article>
  );
}
