import { describe, expect, it } from "vitest";

import { grantableScopes, scopeLabelKey, sortScopes } from "./scopes";

describe("scopeLabelKey", () => {
  it("turns a scope into an i18n key", () => {
    expect(scopeLabelKey("write:dns")).toBe("scopes.write_dns");
    expect(scopeLabelKey("read")).toBe("scopes.read");
  });
});

describe("grantableScopes", () => {
  it("lets an admin grant every scope", () => {
    expect(grantableScopes("admin")).toHaveLength(8);
  });

  it("lets a viewer grant only read", () => {
    expect(grantableScopes("viewer")).toEqual(["read"]);
  });
});

describe("sortScopes", () => {
  it("lists read first, admin last, unknown after", () => {
    expect(sortScopes(["write:admin", "zzz", "read", "write:dns"])).toEqual([
      "read",
      "write:dns",
      "write:admin",
      "zzz",
    ]);
  });
});
