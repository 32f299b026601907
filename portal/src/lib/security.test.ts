import { describe, expect, it } from "vitest";

import type { EdgeSetting } from "../api/types";
import { certificateTone, edgeSettingMode } from "./security";

function setting(overrides: Partial<EdgeSetting>): EdgeSetting {
  return {
    id: "ssl",
    value: "full",
    allowed_values: ["off", "flexible", "full", "strict"],
    readable: true,
    writable: true,
    missing_permission: null,
    ...overrides,
  };
}

describe("edgeSettingMode", () => {
  it("is editable only when readable, writable and with choices", () => {
    expect(edgeSettingMode(setting({}))).toBe("editable");
    expect(
      edgeSettingMode(setting({ writable: false, missing_permission: "Zone Settings Write" })),
    ).toBe("readOnly");
    expect(edgeSettingMode(setting({ allowed_values: [] }))).toBe("readOnly");
    expect(edgeSettingMode(setting({ readable: false, writable: true }))).toBe("unreadable");
  });
});

describe("certificateTone", () => {
  it("reads Cloudflare's status words", () => {
    expect(["active", "pending_validation", "expired", "Issued"].map(certificateTone)).toEqual([
      "ok",
      "pending",
      "problem",
      "ok",
    ]);
  });
});
