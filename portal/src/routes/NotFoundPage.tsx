import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { PageHeader } from "../components/ui/PageHeader";

/** Any path the portal does not know. */
export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t("notFound.title")} description={t("notFound.body")} />
      <Link to="/" className="text-sm font-medium text-teal-700 hover:underline">
        {t("notFound.home")}
      </Link>
    </>
  );
}
