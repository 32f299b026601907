import createClient, { type Middleware } from "openapi-fetch";

import { readCookie } from "../lib/cookies";
import { ApiError, retryAfterSeconds, toErrorBody } from "./errors";
import type { paths } from "./schema";
import { reportUnauthorized } from "./unauthorized";

export const CSRF_COOKIE = "homehost_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
// A wrong password or code answers 401 too: that is the login form's to show.
const LOGIN_PATHS = ["/api/auth/login", "/api/auth/login/totp"];

let knownCsrfToken: string | null = null;

/** Remembers the CSRF token the login or `me` answer carried. */
export function rememberCsrfToken(token: string | null | undefined): void {
  knownCsrfToken = token ?? null;
}

/** The CSRF token to send: the cookie's when readable, else the remembered one. */
export function currentCsrfToken(): string | null {
  const fromCookie =
    typeof document === "undefined" ? null : readCookie(document.cookie, CSRF_COOKIE);
  return fromCookie ?? knownCsrfToken;
}

/** Whether a response to `url` with `status` means the session is gone. */
export function isSessionLost(url: string, status: number): boolean {
  if (status !== 401) {
    return false;
  }
  const path = new URL(url, "http://portal.invalid").pathname;
  return !LOGIN_PATHS.includes(path);
}

const gatewayMiddleware: Middleware = {
  onRequest({ request }) {
    if (STATE_CHANGING.has(request.method)) {
      const token = currentCsrfToken();
      if (token !== null) {
        request.headers.set(CSRF_HEADER, token);
      }
    }
    return request;
  },
  onResponse({ request, response }) {
    if (isSessionLost(request.url, response.status)) {
      reportUnauthorized();
    }
    return response;
  },
};

/** The typed gateway client: same origin, cookies, CSRF and the 401 rule. */
export const api = createClient<paths>({
  baseUrl: typeof window === "undefined" ? "http://portal.invalid" : window.location.origin,
  credentials: "same-origin",
});
api.use(gatewayMiddleware);

interface FetchAnswer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Returns the answer's data, or throws the gateway's error as an `ApiError`. */
export async function unwrap<T>(request: Promise<FetchAnswer<T>>): Promise<T> {
  const { data, error, response } = await request;
  if (!response.ok) {
    const body = toErrorBody(error, response.status);
    throw new ApiError(
      response.status,
      body,
      retryAfterSeconds(body.details, response.headers.get("Retry-After")),
    );
  }
  return data as T;
}
