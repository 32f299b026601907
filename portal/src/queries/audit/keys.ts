import type { AuditFilters } from "../../lib/audit";

/** Query keys of the audit log. */
export const auditKeys = {
  all: ["audit"] as const,
  page: (filters: AuditFilters, page: number) => [...auditKeys.all, "page", filters, page] as const,
};
