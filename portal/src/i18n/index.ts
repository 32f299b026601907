import i18n from "i18next";
import LanguageDetector from "i18next-browser-languagedetector";
import { initReactI18next } from "react-i18next";

import { LANGUAGES, LANGUAGE_STORAGE_KEY, portalLanguage } from "../lib/language";
import { en } from "./locales/en";
import { ja } from "./locales/ja";

// The language the user picked is remembered; before that, the browser's.
void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: { en: { translation: en }, ja: { translation: ja } },
    supportedLngs: [...LANGUAGES],
    nonExplicitSupportedLngs: true,
    load: "languageOnly",
    fallbackLng: "en",
    interpolation: { escapeValue: false },
    detection: {
      order: ["localStorage", "navigator"],
      lookupLocalStorage: LANGUAGE_STORAGE_KEY,
      caches: ["localStorage"],
      convertDetectedLanguage: (language: string) => portalLanguage(language),
    },
  });

function markDocument(language: string): void {
  document.documentElement.lang = portalLanguage(language);
}

markDocument(i18n.resolvedLanguage ?? i18n.language);
i18n.on("languageChanged", markDocument);

export default i18n;
