/** The filters of the audit log page, as the form holds them. */
export interface AuditFilters {
  q: string;
  actor: string;
  action: string;
  result: "" | "success" | "failure" | "denied";
  /** `YYYY-MM-DDTHH:mm` from a datetime-local input, in local time, or "". */
  since: string;
  until: string;
}

export const EMPTY_AUDIT_FILTERS: AuditFilters = {
  q: "",
  actor: "",
  action: "",
  result: "",
  since: "",
  until: "",
};

export const AUDIT_PAGE_SIZE = 50;

/** Query parameters for `GET /api/audit`: blank filters are left out. */
export function auditQuery(
  filters: AuditFilters,
  page: number,
  pageSize: number = AUDIT_PAGE_SIZE,
): Record<string, string | number> {
  const query: Record<string, string | number> = { page, page_size: pageSize };
  for (const name of ["q", "actor", "action", "result"] as const) {
    const value = filters[name].trim();
    if (value !== "") {
      query[name] = value;
    }
  }
  for (const name of ["since", "until"] as const) {
    const instant = localToIso(filters[name]);
    if (instant !== null) {
      query[name] = instant;
    }
  }
  return query;
}

/** A datetime-local value as an ISO instant in UTC, or null when blank or invalid. */
export function localToIso(value: string): string | null {
  if (value.trim() === "") {
    return null;
  }
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? null : time.toISOString();
}

/** How many pages `total` entries fill; at least one. */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

/** Reads the filters and page from the page's URL search parameters. */
export function filtersFromSearch(search: URLSearchParams): {
  filters: AuditFilters;
  page: number;
} {
  const result = search.get("result") ?? "";
  const page = Number.parseInt(search.get("page") ?? "1", 10);
  return {
    filters: {
      q: search.get("q") ?? "",
      actor: search.get("actor") ?? "",
      action: search.get("action") ?? "",
      result: ["success", "failure", "denied"].includes(result)
        ? (result as AuditFilters["result"])
        : "",
      since: search.get("since") ?? "",
      until: search.get("until") ?? "",
    },
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

/** The URL search parameters for the filters and page, blank ones left out. */
export function searchFromFilters(filters: AuditFilters, page: number): URLSearchParams {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value.trim() !== "") {
      search.set(name, value);
    }
  }
  if (page > 1) {
    search.set("page", String(page));
  }
  return search;
}

/** Badge classes for an audit entry's result. */
export function resultTone(result: string): string {
  switch (result) {
    case "success":
      return "bg-emerald-100 text-emerald-800";
    case "denied":
      return "bg-amber-100 text-amber-800";
    default:
      return "bg-rose-100 text-rose-800";
  }
}
