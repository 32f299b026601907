import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { AuditEntries } from "../components/audit/AuditEntries";
import { AuditFilterForm } from "../components/audit/AuditFilterForm";
import { Card } from "../components/ui/Card";
import { ErrorNotice } from "../components/ui/ErrorNotice";
import { PageHeader } from "../components/ui/PageHeader";
import { Pagination } from "../components/ui/Pagination";
import { Loading } from "../components/ui/Spinner";
import { type AuditFilters, filtersFromSearch, pageCount, searchFromFilters } from "../lib/audit";
import { useAuditLog } from "../queries/audit/useAuditLog";

/** `/audit`: every recorded action, searchable; filters live in the URL. */
export function AuditLogPage() {
  const { t } = useTranslation();
  const [search, setSearch] = useSearchParams();
  const { filters, page } = useMemo(() => filtersFromSearch(search), [search]);
  const log = useAuditLog(filters, page);

  const show = (next: AuditFilters, nextPage: number) =>
    setSearch(searchFromFilters(next, nextPage));

  return (
    <>
      <PageHeader title={t("nav.audit")} description={t("audit.description")} />
      <div className="space-y-6">
        <Card>
          <AuditFilterForm filters={filters} onApply={(next) => show(next, 1)} />
        </Card>
        <Card>
          {log.isPending ? (
            <Loading />
          ) : log.isError ? (
            <ErrorNotice error={log.error} />
          ) : (
            <>
              <AuditEntries entries={log.data.items} />
              <Pagination
                page={log.data.page}
                pages={pageCount(log.data.total, log.data.page_size)}
                total={log.data.total}
                onPage={(next) => show(filters, next)}
              />
            </>
          )}
        </Card>
      </div>
    </>
  );
}
