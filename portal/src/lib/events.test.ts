import { describe, expect, it } from "vitest";

import { addToFeed, eventFacts, reconnectDelay, subjectArea, toFeedEvent } from "./events";

const event = (id: string) => ({ id, subject: "audit.recorded", data: {}, receivedAt: 0 });

describe("toFeedEvent", () => {
  it("reads id, subject and data from an SSE message", () => {
    const parsed = toFeedEvent(
      { id: "42", event: "audit.recorded", data: '{"action": "tokens.create"}' },
      7,
    );
    expect(parsed).toEqual({
      id: "42",
      subject: "audit.recorded",
      data: { action: "tokens.create" },
      receivedAt: 7,
    });
  });

  it("drops data that is not a JSON object", () => {
    expect(toFeedEvent({ data: "not json" }, 0)).toBeNull();
    expect(toFeedEvent({ data: "[1, 2]" }, 0)).toBeNull();
  });
});

describe("addToFeed", () => {
  it("puts the newest first and keeps the limit", () => {
    const feed = addToFeed(addToFeed(addToFeed([], event("1"), 2), event("2"), 2), event("3"), 2);
    expect(feed.map((e) => e.id)).toEqual(["3", "2"]);
  });

  it("keeps an event seen again after a reconnect once", () => {
    const feed = addToFeed([event("5")], event("5"));
    expect(feed).toHaveLength(1);
  });
});

describe("subjectArea", () => {
  it("is the subject's first word", () => {
    expect(subjectArea("backup.completed")).toBe("backup");
  });
});

describe("eventFacts", () => {
  it("lists simple fields and hides ids and times", () => {
    const facts = eventFacts({
      event_id: "abc",
      audit_id: 12,
      occurred_at: "2026-01-01T00:00:00Z",
      actor: "owner",
      status_code: 201,
      details: { nested: true },
      target: "",
    });
    expect(facts).toEqual(["actor: owner", "status_code: 201"]);
  });
});

describe("reconnectDelay", () => {
  it("doubles from one second up to thirty", () => {
    expect([1, 2, 3, 6, 10].map((n) => reconnectDelay(n))).toEqual([
      1_000, 2_000, 4_000, 30_000, 30_000,
    ]);
  });
});
