import { describe, expect, it } from "vitest";

import { tokenState } from "./tokens";

const now = new Date("2026-05-01T12:00:00Z");

describe("tokenState", () => {
  it("is revoked once revoked, whatever the expiry", () => {
    expect(
      tokenState({ revoked_at: "2026-04-01T00:00:00Z", expires_at: "2027-01-01T00:00:00Z" }, now),
    ).toBe("revoked");
  });

  it("is expired after its expiry", () => {
    expect(tokenState({ expires_at: "2026-05-01T11:59:59Z" }, now)).toBe("expired");
  });

  it("is active without an expiry or before it", () => {
    expect(tokenState({ expires_at: null, revoked_at: null }, now)).toBe("active");
    expect(tokenState({ expires_at: "2026-05-02T00:00:00Z" }, now)).toBe("active");
  });
});
