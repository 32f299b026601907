import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";

import type { LoginAnswer } from "../api/types";
import { CodeStep } from "../components/auth/CodeStep";
import { PasswordStep } from "../components/auth/PasswordStep";
import { LanguageSwitch } from "../components/layout/LanguageSwitch";
import { type LoginStep, afterLoginPath, nextLoginStep } from "../lib/login";

/** `/login`: name and password, then a 2FA code when the account has one. */
export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const [step, setStep] = useState<LoginStep | null>(null);

  function answered(answer: LoginAnswer) {
    const next = nextLoginStep(answer);
    if (next.kind === "signed_in") {
      void navigate(afterLoginPath(search.get("next")), { replace: true });
    } else if (next.kind === "enrol") {
      void navigate("/setup-2fa", { replace: true });
    } else {
      setStep(next);
    }
  }

  return (
    <div className="flex min-h-dvh flex-col items-center justify-center bg-slate-100 px-4 py-10">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center justify-between">
          <div className="flex items-center gap-2 text-xl font-semibold text-slate-900">
            <img src="/favicon.svg" alt="" className="h-7 w-7" />
            homehost
          </div>
          <LanguageSwitch />
        </div>
        <div className="rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
          <h1 className="mb-4 text-lg font-semibold text-slate-900">
            {step?.kind === "totp" ? t("login.codeTitle") : t("login.title")}
          </h1>
          {step?.kind === "totp" ? (
            <CodeStep
              loginToken={step.loginToken}
              onAnswer={answered}
              onRestart={() => setStep(null)}
            />
          ) : (
            <PasswordStep onAnswer={answered} />
          )}
        </div>
      </div>
    </div>
  );
}
