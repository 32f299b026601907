import { describe, expect, it } from "vitest";

import { afterLoginPath, isTotpCode, nextLoginStep } from "./login";

describe("nextLoginStep", () => {
  it("asks for a code when the gateway wants one", () => {
    expect(nextLoginStep({ status: "totp_required", login_token: "lt" })).toEqual({
      kind: "totp",
      loginToken: "lt",
    });
  });

  it("sends an admin without 2FA to enrolment when it is enforced", () => {
    expect(nextLoginStep({ status: "totp_enrolment_required" })).toEqual({ kind: "enrol" });
  });

  it("signs in otherwise", () => {
    expect(nextLoginStep({ status: "authenticated" })).toEqual({ kind: "signed_in" });
  });
});

describe("afterLoginPath", () => {
  it("returns to the page the user came from", () => {
    expect(afterLoginPath("/audit?q=x")).toBe("/audit?q=x");
  });

  it("refuses other sites and the login page itself", () => {
    expect(afterLoginPath("https://evil.example")).toBe("/");
    expect(afterLoginPath("//evil.example")).toBe("/");
    expect(afterLoginPath("/login")).toBe("/");
    expect(afterLoginPath(null)).toBe("/");
  });
});

describe("isTotpCode", () => {
  it("tells six digits from a recovery code", () => {
    expect(isTotpCode("123 456")).toBe(true);
    expect(isTotpCode("abcd-efgh")).toBe(false);
  });
});
