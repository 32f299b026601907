import { describe, expect, it } from "vitest";

import type { MailDelivery, MailMessage } from "../api/types";
import {
  EMPTY_MAIL_FILTERS,
  MESSAGE_STATES,
  VERDICTS,
  chartScale,
  chartSeries,
  deferredQueue,
  deliveryStatus,
  deliveryTone,
  formatScore,
  hourlyBars,
  isMailEvent,
  legendSeries,
  mailFiltersFromSearch,
  refusedRecipients,
  messagesQuery,
  searchFromMailFilters,
  seriesColour,
  spamActionLabel,
  splitRecipients,
  verdictTone,
} from "./mailMessages";

function delivery(overrides: Partial<MailDelivery>): MailDelivery {
  return {
    mailbox: "ann@example.com",
    state: "deferred",
    attempts: 1,
    next_attempt_at: "2026-12-04T10:20:00Z",
    last_reply: "connection refused",
    ...overrides,
  };
}

function message(id: string, deliveries: MailDelivery[], state: MailMessage["state"] = "queued") {
  const record: MailMessage = {
    id,
    received_at: "2026-12-04T10:00:00Z",
    envelope_from: "bob@example.net",
    envelope_to: ["ann@example.com"],
    size_bytes: 2048,
    header_subject: "Café menu",
    header_from: "Bob <bob@example.net>",
    state,
    verdict: "not_scanned",
    spam_score: null,
    spam_action: null,
    virus: null,
    folder: "INBOX",
    scan_notes: [],
    reason: "",
    recipients: [],
    deliveries,
  };
  return record;
}

describe("messagesQuery", () => {
  it("leaves blank filters out and trims the recipient", () => {
    expect(messagesQuery(EMPTY_MAIL_FILTERS)).toEqual({ limit: 50 });
    expect(
      messagesQuery({ recipient: " ann@example.com ", verdict: "spam", state: "queued" }, 10),
    ).toEqual({ recipient: "ann@example.com", verdict: "spam", state: "queued", limit: 10 });
  });
});

describe("mail filters in the URL", () => {
  it("round-trip, leaving blank ones out", () => {
    const filters = { recipient: "ann@example.com", verdict: "clean" as const, state: "" as const };
    const search = searchFromMailFilters(filters);
    expect(search.toString()).toBe("recipient=ann%40example.com&verdict=clean");
    expect(mailFiltersFromSearch(search)).toEqual(filters);
    expect(searchFromMailFilters(EMPTY_MAIL_FILTERS).toString()).toBe("");
  });

  it("drop a verdict or state the schema does not have", () => {
    expect(mailFiltersFromSearch(new URLSearchParams("verdict=ham&state=lost"))).toEqual(
      EMPTY_MAIL_FILTERS,
    );
  });
});

describe("VERDICTS and MESSAGE_STATES", () => {
  it("list every value of the schema's enums", () => {
    expect(VERDICTS).toEqual(["clean", "not_scanned", "junk", "spam", "virus", "blocked"]);
    expect(MESSAGE_STATES).toEqual(["rejected", "queued", "delivered", "partial", "failed"]);
  });
});

describe("verdictTone", () => {
  it("colours a verdict, and a message without one quietly", () => {
    expect(verdictTone("clean")).toBe("bg-emerald-100 text-emerald-800");
    expect(verdictTone("virus")).toBe("bg-rose-100 text-rose-800");
    expect(verdictTone(null)).toBe("bg-slate-100 text-slate-500");
  });
});

describe("deliveryStatus", () => {
  it("is the message's own state once it is settled or rejected", () => {
    expect(deliveryStatus(message("m1", [], "rejected"))).toBe("rejected");
    expect(deliveryStatus(message("m2", [delivery({ state: "delivered" })], "delivered"))).toBe(
      "delivered",
    );
    expect(deliveryStatus(message("m3", [], "partial"))).toBe("partial");
  });

  it("says deferred, attempting or queued while deliveries are pending", () => {
    const attempting = delivery({ state: "attempting" });
    expect(deliveryStatus(message("m1", [attempting, delivery({})]))).toBe("deferred");
    expect(deliveryStatus(message("m2", [delivery({ state: "uncertain" })]))).toBe("attempting");
    expect(deliveryStatus(message("m3", [attempting]))).toBe("attempting");
    expect(deliveryStatus(message("m4", []))).toBe("queued");
  });
});

describe("deliveryTone", () => {
  it("colours good, waiting and bad outcomes apart", () => {
    expect(deliveryTone("delivered")).toBe("bg-emerald-100 text-emerald-800");
    expect(deliveryTone("deferred")).toBe("bg-amber-100 text-amber-800");
    expect(deliveryTone("rejected")).toBe("bg-rose-100 text-rose-800");
    expect(deliveryTone("queued")).toBe("bg-sky-100 text-sky-800");
  });
});

describe("formatScore", () => {
  it("shows one decimal, and nothing for an unscored message", () => {
    expect(formatScore(5)).toBe("5.0");
    expect(formatScore(-1.5)).toBe("-1.5");
    expect(formatScore(12.34)).toBe("12.3");
    expect(formatScore(null)).toBe("");
  });
});

describe("deferredQueue", () => {
  it("keeps messages with deferred deliveries, the one due soonest first", () => {
    const later = message("later", [
      delivery({ mailbox: "a@example.com", next_attempt_at: "2026-12-04T11:00:00Z" }),
      delivery({ mailbox: "b@example.com", state: "delivered", next_attempt_at: null }),
    ]);
    const sooner = message("sooner", [delivery({ next_attempt_at: "2026-12-04T10:30:00Z" })]);
    const settled = message("settled", [delivery({ state: "delivered" })], "delivered");
    const queue = deferredQueue([later, settled, sooner]);
    expect(queue.map((entry) => entry.message.id)).toEqual(["sooner", "later"]);
    expect(queue[1]!.deferred.map((entry) => entry.mailbox)).toEqual(["a@example.com"]);
  });

  it("is empty when nothing waits", () => {
    expect(deferredQueue([message("m1", [delivery({ state: "attempting" })])])).toEqual([]);
  });
});

describe("hourlyBars", () => {
  const now = Date.parse("2026-12-04T10:25:00Z");

  it("fills empty hours and stacks the series in chart order", () => {
    const bars = hourlyBars(
      [
        { hour: "2026-12-04T08:00:00Z", verdict: "clean", messages: 2 },
        { hour: "2026-12-04T10:00:00Z", verdict: "rejected", messages: 1 },
        { hour: "2026-12-04T10:00:00Z", verdict: "not_scanned", messages: 3 },
        { hour: "2026-12-04T10:00:00Z", verdict: "clean", messages: 1 },
      ],
      now,
      3,
    );
    expect(bars).toEqual([
      {
        hour: Date.parse("2026-12-04T08:00:00Z"),
        total: 2,
        segments: [{ series: "clean", messages: 2 }],
      },
      { hour: Date.parse("2026-12-04T09:00:00Z"), total: 0, segments: [] },
      {
        hour: Date.parse("2026-12-04T10:00:00Z"),
        total: 5,
        segments: [
          { series: "clean", messages: 1 },
          { series: "not_scanned", messages: 3 },
          { series: "rejected", messages: 1 },
        ],
      },
    ]);
    expect(chartScale(bars)).toBe(5);
    expect(legendSeries(bars)).toEqual(["clean", "not_scanned", "rejected"]);
  });

  it("leaves out counts before the window and adds unknown verdicts up", () => {
    const bars = hourlyBars(
      [
        { hour: "2026-12-04T09:00:00Z", verdict: "clean", messages: 4 },
        { hour: "2026-12-04T10:00:00+00:00", verdict: "unknown", messages: 1 },
        { hour: "2026-12-04T10:00:00Z", verdict: "quarantined", messages: 2 },
      ],
      now,
      1,
    );
    expect(bars).toEqual([
      {
        hour: Date.parse("2026-12-04T10:00:00Z"),
        total: 3,
        segments: [{ series: "unknown", messages: 3 }],
      },
    ]);
  });

  it("gives an empty chart a scale of 1", () => {
    const bars = hourlyBars([], now, 24);
    expect(bars).toHaveLength(24);
    expect(bars[0]!.hour).toBe(Date.parse("2026-12-03T11:00:00Z"));
    expect(chartScale(bars)).toBe(1);
    expect(legendSeries(bars)).toEqual([]);
  });
});

describe("chartSeries and seriesColour", () => {
  it("name and colour the series", () => {
    expect(chartSeries("spam")).toBe("spam");
    expect(chartSeries("rejected")).toBe("rejected");
    expect(chartSeries("ham")).toBe("unknown");
    expect(seriesColour("clean")).toBe("bg-emerald-500");
    expect(seriesColour("rejected")).toBe("bg-slate-800");
  });
});

describe("isMailEvent", () => {
  it("matches inbound mail's subjects and nothing else", () => {
    expect(
      [
        "mail.received",
        "mail.rejected",
        "mail.deferred",
        "mail.delivered",
        "mail.delivery.failed",
      ].every(isMailEvent),
    ).toBe(true);
    expect(isMailEvent("mailbox.created")).toBe(false);
    expect(isMailEvent("audit.recorded")).toBe(false);
  });
});

describe("refusedRecipients", () => {
  it("names the recipients refused, whatever became of the others", () => {
    const mixed = message("m1", []);
    mixed.recipients = [
      {
        recipient: "ann@example.com",
        result: "deferred",
        mailboxes: ["ann@example.com"],
        reply: "",
      },
      { recipient: "nobody@example.com", result: "refused", mailboxes: [], reply: "5.1.1" },
    ];
    expect(refusedRecipients(mixed)).toEqual(["nobody@example.com"]);
    expect(refusedRecipients(message("m2", []))).toEqual([]);
  });
});

describe("splitRecipients", () => {
  it("shows up to four addresses whole and folds the rest after three", () => {
    const four = ["a@x", "b@x", "c@x", "d@x"];
    const six = [...four, "e@x", "f@x"];

    expect(splitRecipients(four)).toEqual({ shown: four, folded: [] });
    expect(splitRecipients(six)).toEqual({
      shown: ["a@x", "b@x", "c@x"],
      folded: ["d@x", "e@x", "f@x"],
    });
    expect(splitRecipients([])).toEqual({ shown: [], folded: [] });
  });
});

describe("spamActionLabel", () => {
  it("names Rspamd's actions through the catalog and keeps unknown ones", () => {
    const t = (key: string) => `<${key}>`;

    expect(spamActionLabel("add header", t)).toBe("<mailFlow.actions.addHeader>");
    expect(spamActionLabel("no action", t)).toBe("<mailFlow.actions.noAction>");
    expect(spamActionLabel("custom", t)).toBe("custom");
    expect(spamActionLabel(null, t)).toBeNull();
  });
});
