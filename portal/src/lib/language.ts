/** The languages the portal speaks. */
export const LANGUAGES = ["en", "ja"] as const;

export type Language = (typeof LANGUAGES)[number];

/** Where the chosen language is remembered. */
export const LANGUAGE_STORAGE_KEY = "homehost.language";

/** The portal language for a browser language tag: `ja-JP` -> `ja`, else `en`. */
export function portalLanguage(tag: string | null | undefined): Language {
  const base = (tag ?? "").toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(base ?? "") ? (base as Language) : "en";
}
