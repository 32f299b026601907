import { describe, expect, it } from "vitest";

import { ApiError } from "../api/errors";
import { errorMessage, fieldsWithErrors } from "./errorMessage";

describe("errorMessage", () => {
  it("names the scope a refused request needed", () => {
    const error = new ApiError(403, {
      code: "forbidden",
      message: "needs write:dns",
      details: { required_scope: "write:dns" },
    });
    expect(errorMessage(error)).toEqual({
      key: "errors.missing_scope",
      values: { scope: "write:dns", code: "forbidden" },
    });
  });

  it("uses the gateway's code", () => {
    const error = new ApiError(409, { code: "conflict", message: "exists", details: {} });
    expect(errorMessage(error).key).toBe("errors.conflict");
  });

  it("calls anything else a network failure", () => {
    expect(errorMessage(new TypeError("Failed to fetch")).key).toBe("errors.network");
  });
});

describe("a refused code", () => {
  it("reads as a wrong code, not as a bad form", () => {
    const error = new ApiError(422, {
      code: "invalid_request",
      message: "code: the code is not valid",
      details: { errors: [{ field: "code", message: "the code is not valid" }] },
    });
    expect(errorMessage(error).key).toBe("errors.wrong_code");
  });
});

describe("fieldsWithErrors", () => {
  it("lists the fields a 422 answer names", () => {
    expect(
      fieldsWithErrors({
        errors: [
          { field: "password", message: "is too weak" },
          { field: "username", message: "taken" },
          "not a problem object",
        ],
      }),
    ).toEqual(["password", "username"]);
  });

  it("is empty without errors", () => {
    expect(fieldsWithErrors({})).toEqual([]);
  });
});
