import { useTranslation } from "react-i18next";

import { passwordStrength } from "../../lib/mail";

const COLOURS = ["bg-rose-500", "bg-orange-500", "bg-amber-500", "bg-lime-500", "bg-emerald-600"];

/** A five-step strength hint under a typed password. */
export function PasswordStrength({ password }: { password: string }) {
  const { t } = useTranslation();
  if (password === "") {
    return null;
  }
  const score = passwordStrength(password);
  return (
    <div className="mt-1" data-testid="password-strength" data-score={score}>
      <div className="flex gap-1">
        {[0, 1, 2, 3].map((step) => (
          <span
            key={step}
            className={`h-1 flex-1 rounded ${step < Math.max(1, score) ? COLOURS[score] : "bg-slate-200"}`}
          />
        ))}
      </div>
      <p className="mt-1 text-xs text-slate-600">{t(`mailPage.strength.${score}`)}</p>
    </div>
  );
}
