/** Every scope an API token may carry, in the order the portal lists them. */
export const SCOPES = [
  "read",
  "write:mail",
  "write:dns",
  "write:containers",
  "write:sites",
  "write:databases",
  "write:backups",
  "write:admin",
] as const;

export type ScopeName = (typeof SCOPES)[number];

/** The i18n key of a scope's label; `write:dns` -> `scopes.write_dns`. */
export function scopeLabelKey(scope: string): string {
  return `scopes.${scope.replace(":", "_")}`;
}

/** The scopes an admin of `role` may hand to a token. */
export function grantableScopes(role: string): ScopeName[] {
  return role === "admin" ? [...SCOPES] : ["read"];
}

/** Sorts scopes the way the portal lists them; unknown ones go last. */
export function sortScopes(scopes: readonly string[]): string[] {
  const order = (scope: string) => {
    const index = (SCOPES as readonly string[]).indexOf(scope);
    return index === -1 ? SCOPES.length : index;
  };
  return [...scopes].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
}
