import { describe, expect, it } from "vitest";

import { ApiError } from "../api/errors";
import { shouldRetry } from "./queryClient";

const error = (status: number) => new ApiError(status, { code: "x", message: "x", details: {} });

describe("shouldRetry", () => {
  it("never retries what the gateway refused", () => {
    expect(shouldRetry(0, error(401))).toBe(false);
    expect(shouldRetry(0, error(422))).toBe(false);
  });

  it("retries server and network failures twice", () => {
    expect(shouldRetry(0, error(503))).toBe(true);
    expect(shouldRetry(1, new TypeError("Failed to fetch"))).toBe(true);
    expect(shouldRetry(2, error(503))).toBe(false);
  });
});
