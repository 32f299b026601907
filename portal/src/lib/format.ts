/** A date and time for people, in the portal's language; "" for none. */
export function formatDateTime(iso: string | null | undefined, language: string): string {
  if (!iso) {
    return "";
  }
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) {
    return "";
  }
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(
    time,
  );
}

/** A time of day with seconds, for the live feed. */
export function formatClock(epochMs: number, language: string): string {
  return new Intl.DateTimeFormat(language, { timeStyle: "medium" }).format(new Date(epochMs));
}

/** Milliseconds with at most one decimal, as a dependency's latency shows. */
export function formatLatency(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) {
    return null;
  }
  return ms >= 10 ? String(Math.round(ms)) : ms.toFixed(1);
}
