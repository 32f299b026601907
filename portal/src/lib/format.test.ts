import { describe, expect, it } from "vitest";

import { formatDateTime, formatLatency } from "./format";

describe("formatDateTime", () => {
  it("is empty for no date or a bad one", () => {
    expect(formatDateTime(null, "en")).toBe("");
    expect(formatDateTime("yesterday-ish", "en")).toBe("");
  });

  it("writes the year in both languages", () => {
    expect(formatDateTime("2026-03-04T05:06:07Z", "en")).toContain("2026");
    expect(formatDateTime("2026-03-04T05:06:07Z", "ja")).toContain("2026");
  });
});

describe("formatLatency", () => {
  it("rounds big latencies and keeps one decimal for small ones", () => {
    expect(formatLatency(12.64)).toBe("13");
    expect(formatLatency(0.456)).toBe("0.5");
    expect(formatLatency(null)).toBeNull();
  });
});
