import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { type AuditFilters, auditQuery } from "../../lib/audit";
import { auditKeys } from "./keys";

/** One page of the audit log under the given filters. */
export function useAuditLog(filters: AuditFilters, page: number) {
  return useQuery({
    queryKey: auditKeys.page(filters, page),
    queryFn: () => unwrap(api.GET("/api/audit", { params: { query: auditQuery(filters, page) } })),
    placeholderData: keepPreviousData,
  });
}
