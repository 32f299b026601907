/** What the login form does after the gateway answered a correct password. */
export type LoginStep =
  { kind: "signed_in" } | { kind: "totp"; loginToken: string } | { kind: "enrol" };

/** Reads the login answer's status into the form's next step. */
export function nextLoginStep(answer: { status: string; login_token?: string | null }): LoginStep {
  switch (answer.status) {
    case "totp_required":
      return { kind: "totp", loginToken: answer.login_token ?? "" };
    case "totp_enrolment_required":
      return { kind: "enrol" };
    default:
      return { kind: "signed_in" };
  }
}

/** The path to go to after login: the one the user asked for, if it is ours. */
export function afterLoginPath(next: string | null): string {
  if (
    next === null ||
    !next.startsWith("/") ||
    next.startsWith("//") ||
    next.startsWith("/login")
  ) {
    return "/";
  }
  return next;
}

/** Whether a code looks like a 6-digit TOTP rather than a recovery code. */
export function isTotpCode(code: string): boolean {
  return /^\d{6}$/.test(code.replace(/\s/g, ""));
}
