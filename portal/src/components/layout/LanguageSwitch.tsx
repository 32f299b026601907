import { useTranslation } from "react-i18next";

import { LANGUAGES, portalLanguage } from "../../lib/language";

/** Picks the portal's language; the choice is remembered in this browser. */
export function LanguageSwitch({ className = "" }: { className?: string }) {
  const { t, i18n } = useTranslation();
  const current = portalLanguage(i18n.resolvedLanguage ?? i18n.language);
  return (
    <label className={`flex items-center gap-2 text-sm ${className}`}>
      <span className="sr-only">{t("language.label")}</span>
      <select
        value={current}
        onChange={(event) => void i18n.changeLanguage(event.target.value)}
        className="rounded-md border-0 bg-transparent py-1 pr-7 pl-2 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-teal-600"
        data-testid="language-switch"
        aria-label={t("language.label")}
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language}>
            {t(`language.${language}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
