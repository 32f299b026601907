import { useTranslation } from "react-i18next";

import { formatDateTime } from "../../lib/format";
import { useDkimKeys } from "../../queries/mail/useDkimKeys";
import { useMailDnsPlan } from "../../queries/mail/useMailDnsPlan";
import { useRotateDkim } from "../../queries/mail/useRotateDkim";
import { Card } from "../ui/Card";
import { CopyButton } from "../ui/CopyButton";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Loading } from "../ui/Spinner";
import { useCanWriteMail } from "./canWriteMail";
import { ConfirmButton } from "./ConfirmButton";

/** The DNS records a mail domain needs, and its DKIM keys with rotation. */
export function DomainDnsCard({ domain }: { domain: string }) {
  const canWrite = useCanWriteMail();
  const { t, i18n } = useTranslation();
  const plan = useMailDnsPlan(domain);
  const dkim = useDkimKeys(domain);
  const rotate = useRotateDkim();
  return (
    <Card
      title={t("mailPage.dnsPlan", { domain })}
      description={t("mailPage.dnsPlanDescription")}
      testId="mail-dns-plan"
    >
      <div className="space-y-4">
        {plan.isPending ? (
          <Loading />
        ) : plan.isError ? (
          <ErrorNotice error={plan.error} />
        ) : (
          <ul className="space-y-2">
            {plan.data.records.map((record) => (
              <li
                key={`${record.type}-${record.name}-${record.content}`}
                className="rounded-md bg-slate-50 p-2 text-xs ring-1 ring-slate-200"
                data-testid="mail-dns-record"
                data-purpose={record.purpose}
              >
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <span className="font-medium text-slate-900">
                    {t(`mailPage.purpose.${record.purpose}`)} · {record.type} · {record.name}
                    {record.priority !== null && record.priority !== undefined
                      ? ` · ${t("dnsPage.priority")} ${record.priority}`
                      : ""}
                  </span>
                  <CopyButton text={record.content} />
                </div>
                <code className="mt-1 block font-mono break-all text-slate-700">
                  {record.content}
                </code>
              </li>
            ))}
          </ul>
        )}
        <div className="border-t border-slate-100 pt-4">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h3 className="text-sm font-semibold text-slate-900">{t("mailPage.dkim")}</h3>
            {canWrite && (
              <ConfirmButton
                label={t("mailPage.rotateDkim")}
                confirmLabel={t("mailPage.confirmRotateDkim")}
                disabled={rotate.isPending}
                onConfirm={() => rotate.mutate(domain)}
              />
            )}
          </div>
          {rotate.error && <ErrorNotice error={rotate.error} />}
          {dkim.isPending ? (
            <Loading />
          ) : dkim.isError ? (
            <ErrorNotice error={dkim.error} />
          ) : (
            <ul className="mt-2 space-y-1 text-sm" data-testid="dkim-keys">
              {dkim.data.keys.map((key) => (
                <li key={key.selector} className="flex flex-wrap gap-x-3" data-testid="dkim-key">
                  <span className="font-mono">{key.selector}</span>
                  <span>{t(`mailPage.dkimState.${key.state}`)}</span>
                  {key.retire_after && (
                    <span className="text-slate-500">
                      {t("mailPage.retiresAfter", {
                        time: formatDateTime(key.retire_after, i18n.language),
                      })}
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </Card>
  );
}
