import { describe, expect, it } from "vitest";

import {
  EMPTY_AUDIT_FILTERS,
  auditQuery,
  filtersFromSearch,
  localToIso,
  pageCount,
  resultTone,
  searchFromFilters,
} from "./audit";

describe("auditQuery", () => {
  it("sends only the page for empty filters", () => {
    expect(auditQuery(EMPTY_AUDIT_FILTERS, 1)).toEqual({ page: 1, page_size: 50 });
  });

  it("sends trimmed filters and instants in UTC", () => {
    const since = "2026-03-01T09:30";
    const query = auditQuery(
      { ...EMPTY_AUDIT_FILTERS, q: " token ", result: "denied", since },
      3,
      20,
    );
    expect(query).toEqual({
      page: 3,
      page_size: 20,
      q: "token",
      result: "denied",
      since: new Date(since).toISOString(),
    });
  });

  it("leaves out an invalid date", () => {
    expect(auditQuery({ ...EMPTY_AUDIT_FILTERS, until: "not a date" }, 1)).toEqual({
      page: 1,
      page_size: 50,
    });
  });
});

describe("localToIso", () => {
  it("is null for blank", () => {
    expect(localToIso("  ")).toBeNull();
  });
});

describe("pageCount", () => {
  it("rounds up and never says zero pages", () => {
    expect(pageCount(101, 50)).toBe(3);
    expect(pageCount(100, 50)).toBe(2);
    expect(pageCount(0, 50)).toBe(1);
  });
});

describe("filters in the URL", () => {
  it("survive a round trip", () => {
    const filters = { ...EMPTY_AUDIT_FILTERS, actor: "owner", result: "failure" as const };
    const search = searchFromFilters(filters, 4);
    expect(search.toString()).toBe("actor=owner&result=failure&page=4");
    expect(filtersFromSearch(search)).toEqual({ filters, page: 4 });
  });

  it("ignore an unknown result and a bad page", () => {
    const parsed = filtersFromSearch(new URLSearchParams("result=maybe&page=-2"));
    expect(parsed.filters.result).toBe("");
    expect(parsed.page).toBe(1);
  });
});

describe("resultTone", () => {
  it("colours success, denied and failure apart", () => {
    expect(resultTone("success")).toContain("emerald");
    expect(resultTone("denied")).toContain("amber");
    expect(resultTone("failure")).toContain("rose");
  });
});
