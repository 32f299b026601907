import { useTranslation } from "react-i18next";

import type { DnsRecord, RecordSpec, RecordType } from "../../api/types";
import { canProxy, specOf, ttlLabel } from "../../lib/dns";
import { ConfirmButton } from "../mail/ConfirmButton";
import { Button } from "../ui/Button";
import { RecordEditor } from "./RecordEditor";

/** A zone's records; each row edits inline, toggles the proxy, or goes. */
export function RecordsTable({
  records,
  editing,
  serverErrors,
  busy,
  onEdit,
  onPreview,
  onDelete,
}: {
  records: DnsRecord[];
  editing: string | null;
  serverErrors: Record<string, string>;
  busy: boolean;
  onEdit: (id: string | null) => void;
  onPreview: (spec: RecordSpec, replacing: string) => void;
  onDelete: (record: DnsRecord) => void;
}) {
  const { t } = useTranslation();
  return (
    <ul className="divide-y divide-slate-100" data-testid="records">
      {records.map((record) => {
        const type = record.type as RecordType;
        const ttl = ttlLabel(record.ttl, record.proxied);
        const proxiable = canProxy(type);
        return (
          <li
            key={record.id}
            className="space-y-2 py-2"
            data-testid="record-row"
            data-name={record.name}
            data-type={record.type}
          >
            <div className="grid gap-2 text-sm sm:grid-cols-12 sm:items-center">
              <span className="font-mono text-xs font-semibold sm:col-span-1">{record.type}</span>
              <span className="break-all sm:col-span-3">{record.name}</span>
              <span className="font-mono text-xs break-all text-slate-700 sm:col-span-4">
                {record.priority !== null && record.priority !== undefined
                  ? `${record.priority} `
                  : ""}
                {record.content}
              </span>
              <span className="sm:col-span-1" data-testid="record-ttl">
                {ttl.auto ? t("dnsPage.auto") : ttl.text}
              </span>
              <span className="sm:col-span-1">
                <button
                  type="button"
                  role="switch"
                  aria-checked={record.proxied}
                  aria-label={t("dnsPage.proxiedOf", { name: record.name })}
                  disabled={!proxiable || busy}
                  title={proxiable ? undefined : t("dnsPage.cannotProxy", { type })}
                  onClick={() =>
                    onPreview({ ...specOf(record), proxied: !record.proxied }, record.id)
                  }
                  className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 disabled:cursor-not-allowed ${
                    record.proxied
                      ? "bg-orange-100 text-orange-800 ring-orange-300"
                      : "bg-slate-100 text-slate-600 ring-slate-300"
                  }`}
                >
                  {record.proxied ? t("dnsPage.proxiedOn") : t("dnsPage.dnsOnly")}
                </button>
              </span>
              <span className="flex flex-wrap gap-2 sm:col-span-2 sm:justify-end">
                <Button
                  tone="secondary"
                  onClick={() => onEdit(editing === record.id ? null : record.id)}
                >
                  {t("dnsPage.edit")}
                </Button>
                <ConfirmButton
                  label={t("dnsPage.delete")}
                  confirmLabel={
                    record.owned ? t("dnsPage.confirmDelete") : t("dnsPage.confirmDeleteUnowned")
                  }
                  disabled={busy}
                  onConfirm={() => onDelete(record)}
                />
              </span>
            </div>
            {!proxiable && <p className="sr-only">{t("dnsPage.cannotProxy", { type })}</p>}
            {editing === record.id && (
              <RecordEditor
                initial={specOf(record)}
                serverErrors={serverErrors}
                busy={busy}
                onPreview={(spec) => onPreview(spec, record.id)}
                onCancel={() => onEdit(null)}
              />
            )}
          </li>
        );
      })}
    </ul>
  );
}
