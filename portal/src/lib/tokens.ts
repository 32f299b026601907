/** The expiry choices of the token form, in days; null never expires. */
export const TOKEN_EXPIRY_CHOICES = [7, 30, 90, 365, null] as const;

/** Where a token stands: usable, expired or revoked. */
export type TokenState = "active" | "expired" | "revoked";

/** Tells whether a token can still be used at `now`. */
export function tokenState(
  token: { expires_at?: string | null; revoked_at?: string | null },
  now: Date = new Date(),
): TokenState {
  if (token.revoked_at) {
    return "revoked";
  }
  if (token.expires_at && new Date(token.expires_at).getTime() <= now.getTime()) {
    return "expired";
  }
  return "active";
}
