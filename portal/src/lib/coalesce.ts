/**
 * Runs `action` at most once per `intervalMs`, however often it is asked.
 *
 * The first request after a quiet spell runs at once (on the next tick);
 * requests during the interval that follows are folded into one run at
 * its end, so the last request is never left without a run after it.
 * Returns `request` and `cancel` (which drops a pending run).
 */
export function coalesce(
  action: () => void,
  intervalMs: number,
  now: () => number = Date.now,
): { request: () => void; cancel: () => void } {
  let lastRun = Number.NEGATIVE_INFINITY;
  let pending: ReturnType<typeof setTimeout> | undefined;

  function run(): void {
    pending = undefined;
    lastRun = now();
    action();
  }

  return {
    request() {
      if (pending !== undefined) {
        return;
      }
      pending = setTimeout(run, Math.max(0, lastRun + intervalMs - now()));
    },
    cancel() {
      clearTimeout(pending);
      pending = undefined;
    },
  };
}
