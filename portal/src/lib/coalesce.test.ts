import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { coalesce } from "./coalesce";

describe("coalesce", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs the first request at once and folds a burst into one run per interval", () => {
    const runs: number[] = [];
    const { request } = coalesce(() => runs.push(Date.now()), 1000);
    const start = Date.now();

    request();
    vi.advanceTimersByTime(0);
    for (let i = 0; i < 50; i += 1) {
      request();
      vi.advanceTimersByTime(40);
    }
    vi.advanceTimersByTime(1000);

    expect(runs.map((at) => at - start)).toEqual([0, 1000, 2000]);
  });

  it("drops a pending run when cancelled", () => {
    const action = vi.fn();
    const { request, cancel } = coalesce(action, 1000);

    request();
    vi.advanceTimersByTime(0);
    request();
    cancel();
    vi.advanceTimersByTime(5000);

    expect(action).toHaveBeenCalledTimes(1);
  });
});
