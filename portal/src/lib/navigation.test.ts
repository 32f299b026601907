import { describe, expect, it } from "vitest";

import { NAVIGATION, activeItem } from "./navigation";

describe("NAVIGATION", () => {
  it("lists every area of the portal once", () => {
    expect(NAVIGATION.map((item) => item.key)).toEqual([
      "dashboard",
      "mail",
      "mailAccounts",
      "dns",
      "containers",
      "sites",
      "databases",
      "backups",
      "security",
      "audit",
      "settings",
    ]);
  });

  it("marks the areas whose pages exist", () => {
    expect(NAVIGATION.filter((item) => item.built).map((item) => item.key)).toEqual([
      "dashboard",
      "mail",
      "mailAccounts",
      "dns",
      "security",
      "audit",
      "settings",
    ]);
  });
});

describe("activeItem", () => {
  it("matches an area and its sub-pages", () => {
    expect(activeItem("/mail")?.key).toBe("mail");
    expect(activeItem("/mail-accounts")?.key).toBe("mailAccounts");
    expect(activeItem("/settings/tokens")?.key).toBe("settings");
    expect(activeItem("/")?.key).toBe("dashboard");
  });

  it("matches nothing for an unknown page", () => {
    expect(activeItem("/nowhere")).toBeUndefined();
  });
});
