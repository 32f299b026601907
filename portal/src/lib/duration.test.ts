import { describe, expect, it } from "vitest";

import { durationParts } from "./duration";

describe("durationParts", () => {
  it("gives days and hours for a long uptime", () => {
    expect(durationParts(93_784)).toEqual([
      { unit: "day", value: 1 },
      { unit: "hour", value: 2 },
    ]);
  });

  it("skips a zero unit after the first", () => {
    expect(durationParts(3_605)).toEqual([{ unit: "hour", value: 1 }]);
  });

  it("gives minutes and seconds for a short time", () => {
    expect(durationParts(125.9)).toEqual([
      { unit: "minute", value: 2 },
      { unit: "second", value: 5 },
    ]);
  });

  it("says 0 seconds for nothing, and for a negative value", () => {
    expect(durationParts(0)).toEqual([{ unit: "second", value: 0 }]);
    expect(durationParts(-4)).toEqual([{ unit: "second", value: 0 }]);
  });

  it("shows more units when asked", () => {
    expect(durationParts(93_784, 4)).toEqual([
      { unit: "day", value: 1 },
      { unit: "hour", value: 2 },
      { unit: "minute", value: 3 },
      { unit: "second", value: 4 },
    ]);
  });
});
