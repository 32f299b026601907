import { ApiError } from "../api/errors";

/**
 * The gateway's field errors (422 `details.errors[{field, message}]`, or a
 * 409 naming its field) by field name, the first message of each; `{}` for
 * any other error. `query.`/`body.` locations are dropped.
 */
export function apiFieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) {
    return {};
  }
  const problems = Array.isArray(error.details.errors) ? (error.details.errors as unknown[]) : [];
  const found: Record<string, string> = {};
  for (const problem of problems) {
    if (typeof problem !== "object" || problem === null) {
      continue;
    }
    const { field, message } = problem as { field?: unknown; message?: unknown };
    if (typeof field !== "string" || typeof message !== "string") {
      continue;
    }
    const name = field.replace(/^(body|query)\./, "");
    found[name] ??= message;
  }
  return found;
}

/** The server's own message of a refused change (409, 404...), or null. */
export function serverMessage(error: unknown): string | null {
  return error instanceof ApiError && error.message ? error.message : null;
}
