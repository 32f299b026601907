/** The error body every gateway route answers with, as the portal reads it. */
export interface ErrorBody {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** A gateway answer that was not a success: its status and coded error. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly retryAfterSeconds: number | null;

  constructor(status: number, body: ErrorBody, retryAfterSeconds: number | null = null) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.details = body.details;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Reads a gateway error body, or makes one from the status when it is not JSON. */
export function toErrorBody(value: unknown, status: number): ErrorBody {
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    if (typeof record.code === "string" && typeof record.message === "string") {
      const details =
        typeof record.details === "object" && record.details !== null
          ? (record.details as Record<string, unknown>)
          : {};
      return { code: record.code, message: record.message, details };
    }
  }
  return { code: `http_${status}`, message: `HTTP ${status}`, details: {} };
}

/**
 * Seconds to wait before trying again: from the error's details, else from
 * the Retry-After header (seconds or an HTTP date), else null.
 */
export function retryAfterSeconds(
  details: Record<string, unknown>,
  header: string | null,
  now: Date = new Date(),
): number | null {
  const fromDetails = details.retry_after_seconds;
  if (typeof fromDetails === "number" && Number.isFinite(fromDetails)) {
    return Math.max(0, Math.ceil(fromDetails));
  }
  if (header === null || header.trim() === "") {
    return null;
  }
  if (/^\d+$/.test(header.trim())) {
    return Number(header.trim());
  }
  const date = Date.parse(header);
  if (Number.isNaN(date)) {
    return null;
  }
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}
