/** One event of the live feed, as the gateway streams it. */
export interface FeedEvent {
  /** The JetStream sequence, the SSE id. */
  id: string;
  /** `<area>.<happened>`, the SSE event name. */
  subject: string;
  data: Record<string, unknown>;
  receivedAt: number;
}

/** How many events the feed keeps. */
export const FEED_LIMIT = 50;

/** Adds an event at the top of the feed, once per id, keeping at most `limit`. */
export function addToFeed(feed: FeedEvent[], event: FeedEvent, limit = FEED_LIMIT): FeedEvent[] {
  if (feed.some((known) => known.id === event.id)) {
    return feed;
  }
  return [event, ...feed].slice(0, limit);
}

/** Reads an SSE message into a feed event; null when its data is not a JSON object. */
export function toFeedEvent(
  message: { id?: string; event?: string; data: string },
  receivedAt: number,
): FeedEvent | null {
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    return null;
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return null;
  }
  const record = data as Record<string, unknown>;
  const subject =
    message.event ?? (typeof record.subject === "string" ? record.subject : "message");
  const id =
    message.id ?? (typeof record.event_id === "string" ? record.event_id : String(receivedAt));
  return { id, subject, data: record, receivedAt };
}

/** The area of a subject (`audit.recorded` -> `audit`), which picks the feed's icon colour. */
export function subjectArea(subject: string): string {
  return subject.split(".", 1)[0] ?? subject;
}

/**
 * A short line of facts for an event: the values of its simple fields,
 * leaving out ids (`*_id`) and the time the feed already shows.
 */
export function eventFacts(data: Record<string, unknown>, limit = 4): string[] {
  const hidden = new Set(["event_id", "occurred_at", "subject"]);
  const facts: string[] = [];
  for (const [name, value] of Object.entries(data)) {
    if (hidden.has(name) || name.endsWith("_id") || value === null || value === "") {
      continue;
    }
    if (["string", "number", "boolean"].includes(typeof value)) {
      facts.push(`${name}: ${String(value)}`);
    }
    if (facts.length === limit) {
      break;
    }
  }
  return facts;
}

/** Milliseconds to wait before reconnect number `attempt` (1, 2, ...): doubling, capped. */
export function reconnectDelay(attempt: number, baseMs = 1_000, maxMs = 30_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
