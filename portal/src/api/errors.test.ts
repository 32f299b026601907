import { describe, expect, it } from "vitest";

import { retryAfterSeconds, toErrorBody } from "./errors";

describe("toErrorBody", () => {
  it("keeps a coded gateway error", () => {
    const body = toErrorBody(
      { code: "too_many_attempts", message: "locked", details: { retry_after_seconds: 60 } },
      429,
    );
    expect(body).toEqual({
      code: "too_many_attempts",
      message: "locked",
      details: { retry_after_seconds: 60 },
    });
  });

  it("makes a code from the status when the body is not a gateway error", () => {
    expect(toErrorBody("Bad Gateway", 502)).toEqual({
      code: "http_502",
      message: "HTTP 502",
      details: {},
    });
  });

  it("gives empty details when the gateway sent none", () => {
    expect(toErrorBody({ code: "not_found", message: "no such token" }, 404).details).toEqual({});
  });
});

describe("retryAfterSeconds", () => {
  it("prefers the seconds in the details", () => {
    expect(retryAfterSeconds({ retry_after_seconds: 299.2 }, "10")).toBe(300);
  });

  it("reads a Retry-After header in seconds", () => {
    expect(retryAfterSeconds({}, "120")).toBe(120);
  });

  it("reads a Retry-After header as an HTTP date", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(retryAfterSeconds({}, "Thu, 01 Jan 2026 00:01:30 GMT", now)).toBe(90);
  });

  it("is null when nothing says how long", () => {
    expect(retryAfterSeconds({}, null)).toBeNull();
    expect(retryAfterSeconds({}, "soon")).toBeNull();
  });
});
