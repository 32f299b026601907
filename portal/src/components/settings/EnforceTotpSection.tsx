import { useTranslation } from "react-i18next";

import { useUpdateSecuritySettings } from "../../queries/settings/useUpdateSecuritySettings";
import { Card } from "../ui/Card";
import { ErrorNotice } from "../ui/ErrorNotice";

/** The switch that makes 2FA required for every admin. */
export function EnforceTotpSection({
  enforced,
  canChange,
}: {
  enforced: boolean;
  canChange: boolean;
}) {
  const { t } = useTranslation();
  const update = useUpdateSecuritySettings();
  return (
    <Card title={t("enforce.title")} description={t("enforce.description")}>
      {update.error && (
        <div className="mb-3">
          <ErrorNotice error={update.error} />
        </div>
      )}
      <label className="flex items-center gap-3 text-sm text-slate-800">
        <button
          type="button"
          role="switch"
          aria-checked={enforced}
          disabled={!canChange || update.isPending}
          onClick={() => update.mutate({ enforce_totp: !enforced })}
          className={`relative inline-flex h-6 w-11 shrink-0 rounded-full transition-colors disabled:opacity-50 ${enforced ? "bg-teal-700" : "bg-slate-300"}`}
          data-testid="enforce-totp"
        >
          <span
            className={`inline-block h-5 w-5 translate-y-0.5 rounded-full bg-white shadow transition-transform ${enforced ? "translate-x-5.5" : "translate-x-0.5"}`}
          />
        </button>
        {enforced ? t("enforce.on") : t("enforce.off")}
      </label>
    </Card>
  );
}
