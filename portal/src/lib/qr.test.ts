import { describe, expect, it } from "vitest";

import { svgDataUri } from "./qr";

describe("svgDataUri", () => {
  it("escapes the SVG into a data address", () => {
    expect(svgDataUri('<svg a="1"/>')).toBe(
      "data:image/svg+xml;charset=utf-8,%3Csvg%20a%3D%221%22%2F%3E",
    );
  });
});
