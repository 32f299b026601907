import { describe, expect, it } from "vitest";

import { byAttention, statusLook } from "./status";

describe("statusLook", () => {
  it("gives each status its own colour and word", () => {
    expect(statusLook("ok").dot).toBe("bg-emerald-500");
    expect(statusLook("degraded").dot).toBe("bg-amber-500");
    expect(statusLook("down").dot).toBe("bg-rose-500");
    expect(statusLook("degraded").labelKey).toBe("health.status.degraded");
  });

  it("shows an unknown status as down", () => {
    expect(statusLook("exploded")).toEqual(statusLook("down"));
  });
});

describe("byAttention", () => {
  it("puts down before degraded before ok, then sorts by name", () => {
    const sorted = byAttention([
      { service: "gateway", status: "ok" },
      { service: "dns-service", status: "ok" },
      { service: "site-service", status: "degraded" },
      { service: "mail-ingest", status: "down" },
    ]);
    expect(sorted.map((s) => s.service)).toEqual([
      "mail-ingest",
      "site-service",
      "dns-service",
      "gateway",
    ]);
  });
});
