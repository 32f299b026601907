import { useTranslation } from "react-i18next";

import type { AuditEntry } from "../../api/types";
import { resultTone } from "../../lib/audit";
import { formatDateTime } from "../../lib/format";

function ResultBadge({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation();
  return (
    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${resultTone(entry.result)}`}>
      {t(`audit.results.${entry.result}`)} · {entry.status_code}
    </span>
  );
}

function Who({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation();
  return (
    <>
      <span className="font-medium text-slate-900">{entry.actor || t("audit.anonymous")}</span>
      <span className="ml-1 text-xs text-slate-500">
        {t(`audit.auth.${entry.auth}`)}
        {entry.token_id != null && ` #${entry.token_id}`}
      </span>
    </>
  );
}

/** Audit entries: a table on wide screens, cards on a phone. */
export function AuditEntries({ entries }: { entries: AuditEntry[] }) {
  const { t, i18n } = useTranslation();
  if (entries.length === 0) {
    return <p className="py-6 text-center text-sm text-slate-500">{t("audit.none")}</p>;
  }
  return (
    <>
      <ul className="space-y-3 md:hidden">
        {entries.map((entry) => (
          <li
            key={entry.id}
            className="rounded-md p-3 ring-1 ring-slate-200"
            data-testid="audit-entry"
          >
            <div className="flex items-start justify-between gap-2">
              <span className="font-mono text-sm break-all">{entry.action}</span>
              <ResultBadge entry={entry} />
            </div>
            <p className="mt-1 text-sm break-all text-slate-700">{entry.target}</p>
            <p className="mt-1 text-sm">
              <Who entry={entry} />
            </p>
            <p className="mt-1 text-xs text-slate-500">
              {formatDateTime(entry.time, i18n.language)} · {entry.client_address}
            </p>
          </li>
        ))}
      </ul>
      <div className="hidden overflow-x-auto md:block">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <thead>
            <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
              <th className="py-2 pr-3">{t("audit.time")}</th>
              <th className="py-2 pr-3">{t("audit.who")}</th>
              <th className="py-2 pr-3">{t("audit.action")}</th>
              <th className="py-2 pr-3">{t("audit.target")}</th>
              <th className="py-2 pr-3">{t("audit.result")}</th>
              <th className="py-2">{t("audit.client")}</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {entries.map((entry) => (
              <tr key={entry.id} data-testid="audit-entry">
                <td className="py-2 pr-3 whitespace-nowrap text-slate-600">
                  {formatDateTime(entry.time, i18n.language)}
                </td>
                <td className="py-2 pr-3 whitespace-nowrap">
                  <Who entry={entry} />
                </td>
                <td className="py-2 pr-3 font-mono">{entry.action}</td>
                <td className="max-w-xs py-2 pr-3 break-all text-slate-700">{entry.target}</td>
                <td className="py-2 pr-3 whitespace-nowrap">
                  <ResultBadge entry={entry} />
                </td>
                <td className="py-2 font-mono text-xs whitespace-nowrap text-slate-600">
                  {entry.client_address}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
