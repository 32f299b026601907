/** A health status as services report it. */
export type HealthStatus = "ok" | "degraded" | "down";

interface StatusLook {
  /** Classes of the badge that shows the status. */
  badge: string;
  /** Classes of the small dot beside a service's name. */
  dot: string;
  /** The i18n key of the status word. */
  labelKey: string;
}

const LOOKS: Record<HealthStatus, StatusLook> = {
  ok: {
    badge: "bg-emerald-100 text-emerald-800 ring-emerald-600/20",
    dot: "bg-emerald-500",
    labelKey: "health.status.ok",
  },
  degraded: {
    badge: "bg-amber-100 text-amber-800 ring-amber-600/20",
    dot: "bg-amber-500",
    labelKey: "health.status.degraded",
  },
  down: {
    badge: "bg-rose-100 text-rose-800 ring-rose-600/20",
    dot: "bg-rose-500",
    labelKey: "health.status.down",
  },
};

/** How a status looks: colours and the key of its word. Unknown reads as down. */
export function statusLook(status: string): StatusLook {
  return LOOKS[status as HealthStatus] ?? LOOKS.down;
}

/** Orders services so that the ones needing attention come first, then by name. */
export function byAttention<T extends { service: string; status: string }>(services: T[]): T[] {
  const rank: Record<string, number> = { down: 0, degraded: 1, ok: 2 };
  return [...services].sort(
    (a, b) => (rank[a.status] ?? 0) - (rank[b.status] ?? 0) || a.service.localeCompare(b.service),
  );
}
