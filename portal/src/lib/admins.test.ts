import { describe, expect, it } from "vitest";

import { isLocked } from "./admins";

const now = new Date("2026-05-01T12:00:00Z");

describe("isLocked", () => {
  it("is locked until the lock's end", () => {
    expect(isLocked({ locked_until: "2026-05-01T12:05:00Z" }, now)).toBe(true);
  });

  it("is free after the end, or without a lock", () => {
    expect(isLocked({ locked_until: "2026-05-01T11:59:00Z" }, now)).toBe(false);
    expect(isLocked({ locked_until: null }, now)).toBe(false);
  });
});
