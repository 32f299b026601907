import { afterEach, describe, expect, it } from "vitest";

import { onUnauthorized, reportUnauthorized, resetUnauthorized } from "./unauthorized";

describe("reportUnauthorized", () => {
  afterEach(() => resetUnauthorized());

  it("tells the listener once for many 401s", () => {
    let calls = 0;
    const stop = onUnauthorized(() => {
      calls += 1;
    });
    reportUnauthorized();
    reportUnauthorized();
    reportUnauthorized();
    stop();
    expect(calls).toBe(1);
  });

  it("tells it again after a login reset the rule", () => {
    let calls = 0;
    const stop = onUnauthorized(() => {
      calls += 1;
    });
    reportUnauthorized();
    resetUnauthorized();
    reportUnauthorized();
    stop();
    expect(calls).toBe(2);
  });
});
