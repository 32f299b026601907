import { describe, expect, it } from "vitest";

import { type Catalog, en } from "./locales/en";
import { ja } from "./locales/ja";

// Plural forms differ by language (English has _one, Japanese only _other),
// so keys are compared without their plural suffix.
function keys(catalog: Catalog, prefix = ""): string[] {
  return Object.entries(catalog).flatMap(([name, value]) => {
    const key = prefix ? `${prefix}.${name}` : name;
    return typeof value === "string"
      ? [key.replace(/_(zero|one|two|few|many|other)$/, "")]
      : keys(value, key);
  });
}

describe("catalogs", () => {
  it("give Japanese every key English has, and no other", () => {
    expect([...new Set(keys(ja))].sort()).toEqual([...new Set(keys(en))].sort());
  });

  it("keep the same placeholders in both languages", () => {
    const placeholders = (catalog: Catalog) => {
      const found: Record<string, string[]> = {};
      const walk = (node: Catalog, prefix: string) => {
        for (const [name, value] of Object.entries(node)) {
          const key = `${prefix}${name}`.replace(/_(one|other)$/, "");
          if (typeof value === "string") {
            found[key] = [...(value.match(/{{\w+}}|<\w+ \/>/g) ?? [])].sort();
          } else {
            walk(value, `${key}.`);
          }
        }
      };
      walk(catalog, "");
      return found;
    };
    expect(placeholders(ja)).toEqual(placeholders(en));
  });
});
