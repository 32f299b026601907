import { describe, expect, it } from "vitest";

import { adminCreateSchema, expiryDays, tokenCreateSchema, totpCodeSchema } from "./schemas";

describe("tokenCreateSchema", () => {
  it("needs a name and a scope", () => {
    const result = tokenCreateSchema.safeParse({ name: " ", scopes: [], expiresInDays: "30" });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      "validation.required",
      "validation.pickScope",
    ]);
  });

  it("refuses a scope the gateway does not know", () => {
    const result = tokenCreateSchema.safeParse({
      name: "ci",
      scopes: ["root"],
      expiresInDays: "7",
    });
    expect(result.success).toBe(false);
  });
});

describe("expiryDays", () => {
  it("sends days, or null for never", () => {
    expect(expiryDays("90")).toBe(90);
    expect(expiryDays("never")).toBeNull();
  });
});

describe("adminCreateSchema", () => {
  it("follows the gateway's rules for names and passwords", () => {
    const ok = adminCreateSchema.safeParse({
      username: "ops.bot",
      password: "a long enough pass",
      role: "viewer",
    });
    expect(ok.success).toBe(true);
    const bad = adminCreateSchema.safeParse({ username: "Ab", password: "short", role: "admin" });
    expect(bad.error?.issues.map((issue) => issue.message)).toEqual([
      "validation.usernameLength",
      "validation.usernameCharacters",
      "validation.passwordLength",
    ]);
  });
});

describe("totpCodeSchema", () => {
  it("takes six digits, spaces allowed", () => {
    expect(totpCodeSchema.parse({ code: "123 456" })).toEqual({ code: "123456" });
    expect(totpCodeSchema.safeParse({ code: "12345" }).success).toBe(false);
  });
});
