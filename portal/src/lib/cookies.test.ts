import { describe, expect, it } from "vitest";

import { readCookie } from "./cookies";

describe("readCookie", () => {
  it("finds a cookie among others", () => {
    expect(readCookie("a=1; homehost_csrf=abc%3D; b=2", "homehost_csrf")).toBe("abc=");
  });

  it("does not match a cookie whose name only ends the same", () => {
    expect(readCookie("xhomehost_csrf=no", "homehost_csrf")).toBeNull();
  });

  it("is null for an empty cookie string", () => {
    expect(readCookie("", "homehost_csrf")).toBeNull();
  });
});
