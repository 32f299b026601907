import type {
  HourlyCount,
  MailDelivery,
  MailMessage,
  MailMessageState,
  MailVerdict,
} from "../api/types";

/** The filters of the mail page, as the form holds them and the URL keeps them. */
export interface MailFilters {
  recipient: string;
  verdict: "" | MailVerdict;
  state: "" | MailMessageState;
}

export const EMPTY_MAIL_FILTERS: MailFilters = { recipient: "", verdict: "", state: "" };

/** How many messages the table shows. */
export const MESSAGE_LIMIT = 50;

/** How many messages with deliveries still to make the deferred queue looks at. */
export const QUEUE_LIMIT = 500;

/** How many hours the chart covers. */
export const CHART_HOURS = 24;

const HOUR_MS = 3_600_000;

// Records over every value, so that a verdict or state the schema adds
// fails the type check here until the page knows it.
const VERDICT_TONES: Record<MailVerdict, string> = {
  clean: "bg-emerald-100 text-emerald-800",
  not_scanned: "bg-slate-100 text-slate-700",
  junk: "bg-amber-100 text-amber-800",
  spam: "bg-orange-100 text-orange-800",
  virus: "bg-rose-100 text-rose-800",
  blocked: "bg-fuchsia-100 text-fuchsia-800",
};

const KNOWN_STATES: Record<MailMessageState, true> = {
  rejected: true,
  queued: true,
  delivered: true,
  partial: true,
  failed: true,
};

/** Every verdict, in the order the filter lists them. */
export const VERDICTS = Object.keys(VERDICT_TONES) as MailVerdict[];

/** Every message state, in the order the filter lists them. */
export const MESSAGE_STATES = Object.keys(KNOWN_STATES) as MailMessageState[];

/** A chart series: a verdict, or `rejected` / `unknown` as the hourly counts name them. */
export type ChartSeries = MailVerdict | "rejected" | "unknown";

/** The chart's series from the bottom of a bar up, with their bar colours. */
export const CHART_SERIES: { series: ChartSeries; colour: string }[] = [
  { series: "clean", colour: "bg-emerald-500" },
  { series: "not_scanned", colour: "bg-slate-400" },
  { series: "junk", colour: "bg-amber-400" },
  { series: "spam", colour: "bg-orange-500" },
  { series: "virus", colour: "bg-rose-600" },
  { series: "blocked", colour: "bg-fuchsia-600" },
  { series: "rejected", colour: "bg-slate-800" },
  { series: "unknown", colour: "bg-sky-300" },
];

/** Query parameters for `GET /api/mail/messages`: blank filters are left out. */
export function messagesQuery(
  filters: MailFilters,
  limit: number = MESSAGE_LIMIT,
): { recipient?: string; verdict?: MailVerdict; state?: MailMessageState; limit: number } {
  const query: ReturnType<typeof messagesQuery> = { limit };
  const recipient = filters.recipient.trim();
  if (recipient !== "") {
    query.recipient = recipient;
  }
  if (filters.verdict !== "") {
    query.verdict = filters.verdict;
  }
  if (filters.state !== "") {
    query.state = filters.state;
  }
  return query;
}

/** Reads the filters from the page's URL search parameters; unknown values are dropped. */
export function mailFiltersFromSearch(search: URLSearchParams): MailFilters {
  const verdict = search.get("verdict") ?? "";
  const state = search.get("state") ?? "";
  return {
    recipient: search.get("recipient") ?? "",
    verdict: (VERDICTS as string[]).includes(verdict) ? (verdict as MailVerdict) : "",
    state: (MESSAGE_STATES as string[]).includes(state) ? (state as MailMessageState) : "",
  };
}

/** The URL search parameters for the filters, blank ones left out. */
export function searchFromMailFilters(filters: MailFilters): URLSearchParams {
  const search = new URLSearchParams();
  const recipient = filters.recipient.trim();
  if (recipient !== "") {
    search.set("recipient", recipient);
  }
  if (filters.verdict !== "") {
    search.set("verdict", filters.verdict);
  }
  if (filters.state !== "") {
    search.set("state", filters.state);
  }
  return search;
}

/** Badge classes for a verdict; a message refused before scanning has none. */
export function verdictTone(verdict: MailVerdict | null): string {
  return verdict === null ? "bg-slate-100 text-slate-500" : VERDICT_TONES[verdict];
}

/** Where a message's delivery stands, as the table's last column shows it. */
export type DeliveryStatus =
  "rejected" | "queued" | "attempting" | "deferred" | "delivered" | "partial" | "failed";

/**
 * The delivery status of a message: its own state once settled or
 * rejected; while queued, `deferred` if a delivery waits for a retry,
 * `attempting` if one is being made, else `queued`.
 */
export function deliveryStatus(message: Pick<MailMessage, "state" | "deliveries">): DeliveryStatus {
  if (message.state !== "queued") {
    return message.state;
  }
  const states = new Set(message.deliveries.map((delivery) => delivery.state));
  if (states.has("deferred")) {
    return "deferred";
  }
  if (states.has("attempting") || states.has("uncertain")) {
    return "attempting";
  }
  return "queued";
}

/** Badge classes for a delivery status. */
export function deliveryTone(status: DeliveryStatus): string {
  switch (status) {
    case "delivered":
      return "bg-emerald-100 text-emerald-800";
    case "deferred":
    case "partial":
      return "bg-amber-100 text-amber-800";
    case "rejected":
    case "failed":
      return "bg-rose-100 text-rose-800";
    default:
      return "bg-sky-100 text-sky-800";
  }
}

/** A spam score with one decimal, or "" when the message was not scored. */
export function formatScore(score: number | null): string {
  return score === null ? "" : score.toFixed(1);
}

/** A message with the deliveries that wait for a retry. */
export interface QueuedMessage {
  message: MailMessage;
  deferred: MailDelivery[];
}

/**
 * The deferred queue: messages with at least one deferred delivery, the
 * one due soonest first (a delivery without a time counts as due now).
 */
export function deferredQueue(messages: MailMessage[]): QueuedMessage[] {
  const due = (delivery: MailDelivery) =>
    delivery.next_attempt_at === null ? 0 : Date.parse(delivery.next_attempt_at);
  const soonest = (entry: QueuedMessage) => Math.min(...entry.deferred.map(due));
  return messages
    .map((message) => ({
      message,
      deferred: message.deliveries.filter((delivery) => delivery.state === "deferred"),
    }))
    .filter((entry) => entry.deferred.length > 0)
    .sort((a, b) => soonest(a) - soonest(b));
}

/** One bar of the hourly chart. */
export interface HourBar {
  /** The start of the hour, epoch milliseconds (UTC). */
  hour: number;
  total: number;
  /** The series with messages in this hour, in `CHART_SERIES` order. */
  segments: { series: ChartSeries; messages: number }[];
}

/** Which series an hourly count belongs to; a verdict the chart does not know is `unknown`. */
export function chartSeries(verdict: string): ChartSeries {
  return CHART_SERIES.some((entry) => entry.series === verdict)
    ? (verdict as ChartSeries)
    : "unknown";
}

/**
 * The hourly counts as `hours` stacked bars ending with the hour of `now`,
 * oldest first; hours without mail get an empty bar, and counts outside
 * the window (the partial hour before it) are left out.
 */
export function hourlyBars(counts: HourlyCount[], now: number, hours: number): HourBar[] {
  const last = Math.floor(now / HOUR_MS) * HOUR_MS;
  const first = last - (hours - 1) * HOUR_MS;
  const byHour = new Map<number, Map<ChartSeries, number>>();
  for (let hour = first; hour <= last; hour += HOUR_MS) {
    byHour.set(hour, new Map());
  }
  for (const count of counts) {
    const series = byHour.get(Math.floor(Date.parse(count.hour) / HOUR_MS) * HOUR_MS);
    if (series !== undefined) {
      const name = chartSeries(count.verdict);
      series.set(name, (series.get(name) ?? 0) + count.messages);
    }
  }
  return [...byHour].map(([hour, series]) => {
    const segments = CHART_SERIES.filter((entry) => (series.get(entry.series) ?? 0) > 0).map(
      (entry) => ({ series: entry.series, messages: series.get(entry.series) ?? 0 }),
    );
    return {
      hour,
      total: segments.reduce((sum, segment) => sum + segment.messages, 0),
      segments,
    };
  });
}

/** The chart's scale: the tallest bar's total, at least 1 so empty charts divide safely. */
export function chartScale(bars: HourBar[]): number {
  return Math.max(1, ...bars.map((bar) => bar.total));
}

/** The series that occur in any bar, in `CHART_SERIES` order, for the legend. */
export function legendSeries(bars: HourBar[]): ChartSeries[] {
  const seen = new Set(bars.flatMap((bar) => bar.segments.map((segment) => segment.series)));
  return CHART_SERIES.map((entry) => entry.series).filter((series) => seen.has(series));
}

/** The bar colour of a series. */
export function seriesColour(series: ChartSeries): string {
  return CHART_SERIES.find((entry) => entry.series === series)?.colour ?? "bg-sky-300";
}

/** Whether a bus event is about inbound mail (`mail.received`, `mail.delivery.failed`, ...). */
export function isMailEvent(subject: string): boolean {
  return subject.startsWith("mail.");
}

/** The envelope recipients a message was refused for (unknown here, for instance). */
export function refusedRecipients(message: Pick<MailMessage, "recipients">): string[] {
  return message.recipients
    .filter((outcome) => outcome.result === "refused")
    .map((outcome) => outcome.recipient);
}

/** How many recipients a row shows before folding the rest away. */
export const RECIPIENTS_SHOWN = 3;

/**
 * Splits a message's recipients into those a row shows and those it folds
 * away, so that a message to a hundred addresses stays one line-ish row.
 */
export function splitRecipients(
  recipients: string[],
  shown: number = RECIPIENTS_SHOWN,
): { shown: string[]; folded: string[] } {
  // Folding a single address saves nothing: it is shown instead.
  const keep = recipients.length <= shown + 1 ? recipients.length : shown;
  return { shown: recipients.slice(0, keep), folded: recipients.slice(keep) };
}

// Rspamd's actions, by the i18n key each is shown with.
const SPAM_ACTIONS: Record<string, string> = {
  "no action": "noAction",
  greylist: "greylist",
  "add header": "addHeader",
  "rewrite subject": "rewriteSubject",
  "soft reject": "softReject",
  reject: "reject",
};

/** Rspamd's action in the reader's language; one it does not know, as it came. */
export function spamActionLabel(action: string | null, t: (key: string) => string): string | null {
  if (action === null) {
    return null;
  }
  const key = SPAM_ACTIONS[action];
  return key === undefined ? action : t(`mailFlow.actions.${key}`);
}
