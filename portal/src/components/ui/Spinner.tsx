import { useTranslation } from "react-i18next";

/** A quiet "loading" line. */
export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="animate-pulse text-sm text-slate-500" role="status">
      {t("common.loading")}
    </p>
  );
}
