import { useTranslation } from "react-i18next";

import { Button } from "./Button";

/** Previous and next page, and where we are. */
export function Pagination({
  page,
  pages,
  total,
  onPage,
}: {
  page: number;
  pages: number;
  total: number;
  onPage: (page: number) => void;
}) {
  const { t } = useTranslation();
  return (
    <nav
      className="mt-4 flex items-center justify-between gap-2"
      aria-label={t("pagination.label")}
    >
      <Button tone="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t("pagination.previous")}
      </Button>
      <span className="text-sm text-slate-600" data-testid="page-status">
        {t("pagination.status", { page, pages, total })}
      </span>
      <Button tone="secondary" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t("pagination.next")}
      </Button>
    </nav>
  );
}
