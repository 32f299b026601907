import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/errors";
import { formatBytes, usageTone, usageWidth } from "../../lib/mail";
import { useMailboxUsage } from "../../queries/mail/useMailboxUsage";

const TONES = { ok: "bg-teal-600", warning: "bg-amber-500", full: "bg-rose-600" };

/** How much of its quota a mailbox uses; "unavailable" when Dovecot cannot say. */
export function UsageBar({ address }: { address: string }) {
  const { t } = useTranslation();
  const usage = useMailboxUsage(address);
  if (usage.isPending) {
    return <span className="text-xs text-slate-400">{t("common.loading")}</span>;
  }
  if (usage.isError) {
    const away = usage.error instanceof ApiError && usage.error.status === 503;
    return (
      <span className="text-xs text-slate-500" data-testid="usage-unavailable">
        {away ? t("mailPage.usageUnavailable") : t("mailPage.usageError")}
      </span>
    );
  }
  const { used_bytes, quota_bytes, percent } = usage.data;
  return (
    <div className="w-full min-w-32" data-testid="usage">
      <div
        className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
        aria-label={t("mailPage.usage")}
      >
        <div
          className={`h-full ${TONES[usageTone(percent)]}`}
          style={{ width: `${usageWidth(percent)}%` }}
        />
      </div>
      <span className="text-xs text-slate-600">
        {t("mailPage.usageOf", { used: formatBytes(used_bytes), quota: formatBytes(quota_bytes) })}
      </span>
    </div>
  );
}
