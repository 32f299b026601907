import { describe, expect, it } from "vitest";

import { isSessionLost } from "./client";

describe("isSessionLost", () => {
  it("is true for a 401 from any route but login", () => {
    expect(isSessionLost("http://h/api/tokens", 401)).toBe(true);
    expect(isSessionLost("http://h/api/auth/me", 401)).toBe(true);
  });

  it("leaves a wrong password or code to the login form", () => {
    expect(isSessionLost("http://h/api/auth/login", 401)).toBe(false);
    expect(isSessionLost("http://h/api/auth/login/totp", 401)).toBe(false);
  });

  it("is false for other statuses", () => {
    expect(isSessionLost("http://h/api/tokens", 403)).toBe(false);
    expect(isSessionLost("http://h/api/tokens", 200)).toBe(false);
  });
});
