import { ApiError } from "../api/errors";

/** The i18n key and values that describe a failed request. */
export function errorMessage(error: unknown): { key: string; values: Record<string, string> } {
  if (!(error instanceof ApiError)) {
    return { key: "errors.network", values: {} };
  }
  const scope = error.details.required_scope;
  if (error.status === 403 && typeof scope === "string") {
    return { key: "errors.missing_scope", values: { scope, code: error.code } };
  }
  if (error.code === "invalid_request" && fieldsWithErrors(error.details).includes("code")) {
    return { key: "errors.wrong_code", values: { code: error.code } };
  }
  return { key: `errors.${error.code}`, values: { code: error.code } };
}

/** The fields a 422 answer names in `details.errors`. */
export function fieldsWithErrors(details: Record<string, unknown>): string[] {
  const problems = Array.isArray(details.errors) ? (details.errors as unknown[]) : [];
  return problems.flatMap((problem) =>
    typeof problem === "object" && problem !== null && "field" in problem
      ? [String((problem as { field: unknown }).field)]
      : [],
  );
}
