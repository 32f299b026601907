import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { LanguageSwitch } from "../components/layout/LanguageSwitch";
import { TotpEnrolment } from "../components/settings/TotpEnrolment";
import { Notice } from "../components/ui/Notice";

/** `/setup-2fa`: where an admin without 2FA goes when it is enforced. */
export function TotpSetupPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <div className="flex min-h-dvh flex-col items-center bg-slate-100 px-4 py-10">
      <div className="w-full max-w-2xl space-y-4">
        <div className="flex items-center justify-between">
          <h1 className="text-xl font-semibold text-slate-900">{t("totp.setupTitle")}</h1>
          <LanguageSwitch />
        </div>
        <Notice tone="warning">{t("totp.setupRequired")}</Notice>
        <div className="rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
          <TotpEnrolment onDone={() => void navigate("/", { replace: true })} />
        </div>
      </div>
    </div>
  );
}
