import { describe, expect, it } from "vitest";

import { ApiError } from "../api/errors";
import { apiFieldErrors, serverMessage } from "./apiFields";

describe("apiFieldErrors", () => {
  it("maps each field to its first message, without the location", () => {
    const error = new ApiError(422, {
      code: "invalid_request",
      message: "invalid",
      details: {
        errors: [
          { field: "password", message: "too weak" },
          { field: "password", message: "second" },
          { field: "query.page", message: "must be positive" },
        ],
      },
    });
    expect(apiFieldErrors(error)).toEqual({ password: "too weak", page: "must be positive" });
  });

  it("is empty for an error without fields, or one that is not the gateway's", () => {
    expect(
      apiFieldErrors(new ApiError(503, { code: "unavailable", message: "x", details: {} })),
    ).toEqual({});
    expect(apiFieldErrors(new Error("offline"))).toEqual({});
  });
});

describe("serverMessage", () => {
  it("is the gateway's message, or null", () => {
    const refused = new ApiError(409, {
      code: "conflict",
      message: "example.org still has 2 mailboxes",
      details: {},
    });
    expect(serverMessage(refused)).toBe("example.org still has 2 mailboxes");
    expect(serverMessage(new Error("offline"))).toBeNull();
  });
});
