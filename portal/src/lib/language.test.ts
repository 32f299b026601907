import { describe, expect, it } from "vitest";

import { portalLanguage } from "./language";

describe("portalLanguage", () => {
  it("maps regional tags to the language", () => {
    expect(portalLanguage("ja-JP")).toBe("ja");
    expect(portalLanguage("en-GB")).toBe("en");
    expect(portalLanguage("JA")).toBe("ja");
  });

  it("falls back to English", () => {
    expect(portalLanguage("fr-FR")).toBe("en");
    expect(portalLanguage(undefined)).toBe("en");
    expect(portalLanguage("")).toBe("en");
  });
});
