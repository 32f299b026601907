import type { DnsRecord, PlanChange, RecordSpec, RecordType } from "../api/types";

/** The record types the DNS page edits. */
export const RECORD_TYPES: RecordType[] = ["A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA"];

/** TTLs the editor offers, in seconds; 1 is Cloudflare's "automatic". */
export const TTL_CHOICES = [1, 60, 300, 1800, 3600, 14400, 86400] as const;

/** Whether Cloudflare can proxy a record of this type (MX, TXT... cannot). */
export function canProxy(type: RecordType): boolean {
  return type === "A" || type === "AAAA" || type === "CNAME";
}

/** Whether a record type has a priority (MX and SRV). */
export function hasPriority(type: RecordType): boolean {
  return type === "MX" || type === "SRV";
}

/** A TTL for display: "auto" when automatic or proxied, else seconds in words. */
export function ttlLabel(
  ttl: number,
  proxied: boolean,
): { auto: true } | { auto: false; text: string } {
  if (proxied || ttl === 1) {
    return { auto: true };
  }
  if (ttl % 86400 === 0) return { auto: false, text: `${ttl / 86400} d` };
  if (ttl % 3600 === 0) return { auto: false, text: `${ttl / 3600} h` };
  if (ttl % 60 === 0) return { auto: false, text: `${ttl / 60} min` };
  return { auto: false, text: `${ttl} s` };
}

/**
 * A record as the editor leaves it: proxied only where the type allows,
 * and a proxied record's TTL automatic (Cloudflare's rule).
 */
export function normalizeSpec(spec: RecordSpec): RecordSpec {
  const proxied = canProxy(spec.type) && Boolean(spec.proxied);
  return {
    ...spec,
    proxied,
    ttl: proxied ? 1 : (spec.ttl ?? 1),
    priority: hasPriority(spec.type) ? (spec.priority ?? 10) : null,
  };
}

/** An existing record as a desired one, unchanged. */
export function specOf(record: DnsRecord): RecordSpec {
  return {
    type: record.type as RecordType,
    name: record.name,
    content: record.content,
    ttl: record.ttl,
    proxied: record.proxied,
    priority: record.priority ?? null,
    comment: record.comment ?? "",
    tags: record.tags ?? [],
  };
}

/** A name as the zone knows it: "@" and "" are the apex, bare labels get the zone. */
export function fullName(name: string, zone: string): string {
  const trimmed = name.trim().replace(/\.$/, "").toLowerCase();
  if (trimmed === "" || trimmed === "@") {
    return zone;
  }
  return trimmed === zone || trimmed.endsWith(`.${zone}`) ? trimmed : `${trimmed}.${zone}`;
}

/**
 * The desired record set for one change at one name: every record the zone
 * has at that name, with `replacing` (an id) swapped for `spec`, or `spec`
 * added. Planned with scope "names", nothing else in the zone is touched.
 */
export function desiredForChange(
  records: DnsRecord[],
  spec: RecordSpec,
  zone: string,
  replacing: string | null,
): RecordSpec[] {
  const name = fullName(spec.name, zone);
  const wanted = normalizeSpec({ ...spec, name });
  const names = new Set([name]);
  if (replacing !== null) {
    const old = records.find((record) => record.id === replacing);
    if (old) names.add(old.name);
  }
  const kept = records
    .filter((record) => names.has(record.name) && record.id !== replacing)
    .map(specOf);
  return [...kept, wanted];
}

export type PlanAction = PlanChange["action"];

/** The order the diff shows its groups in. */
export const ACTION_ORDER: PlanAction[] = ["create", "update", "delete", "kept", "unchanged"];

/** A plan's changes grouped by action, in `ACTION_ORDER`, empty groups left out. */
export function groupChanges(
  changes: PlanChange[],
): { action: PlanAction; changes: PlanChange[] }[] {
  return ACTION_ORDER.map((action) => ({
    action,
    changes: changes.filter((change) => change.action === action),
  })).filter((group) => group.changes.length > 0);
}

/** Whether a plan changes anything at all. */
export function planChangesSomething(changes: PlanChange[]): boolean {
  return changes.some(
    (change) =>
      change.action === "create" || change.action === "update" || change.action === "delete",
  );
}

/** The sign the diff puts before a line of each action. */
export function actionSign(action: PlanAction): string {
  return { create: "+", update: "~", delete: "-", unchanged: " ", kept: " " }[action];
}

/** One record on one line, as the diff and the table show it. */
export function recordLine(record: {
  type: string;
  name: string;
  content: string;
  priority?: number | null;
  ttl?: number;
  proxied?: boolean;
}): string {
  const priority =
    record.priority !== null && record.priority !== undefined ? `${record.priority} ` : "";
  return `${record.name} ${record.type} ${priority}${record.content}${record.proxied ? " (proxied)" : ""}`;
}

/** A zone file's name for download. */
export function exportFileName(zone: string, format: "yaml" | "bind"): string {
  return `${zone}.${format === "yaml" ? "yaml" : "zone"}`;
}

/**
 * Field errors of a record write, by the record's own field: the gateway
 * names them `record.content`, `records.3.content` or `records[3].content`;
 * each becomes `content`.
 */
export function recordFieldErrors(errors: Record<string, string>): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    const name = field.replace(/^(record|records(\.\d+|\[\d+\]))\./, "");
    found[name] ??= message;
  }
  return found;
}
