import { createHash, createHmac } from "node:crypto";

import { type APIRequestContext, type Locator, type Page, expect, request } from "@playwright/test";
import { generate } from "otplib";

/** The admin e2e/stack.py created for the run. */
export const owner = {
  username: process.env.HOMEHOST_E2E_USERNAME ?? "",
  password: process.env.HOMEHOST_E2E_PASSWORD ?? "",
};

/** A password that passes the gateway's rules, for admins the tests create. */
export const PASSWORD = "correct horse battery staple";

/** Signs in through the login page and waits for the dashboard. */
export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in as the stack's admin and waits for the dashboard. */
export async function logInAsOwner(page: Page): Promise<void> {
  await logIn(page, owner.username, owner.password);
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
}

/** An API client signed in as the stack's admin, sending its CSRF token. */
export async function ownerApi(baseURL: string): Promise<{
  api: APIRequestContext;
  csrf: Record<string, string>;
}> {
  const api = await request.newContext({ baseURL });
  const login = await api.post("/api/auth/login", {
    data: { username: owner.username, password: owner.password },
  });
  expect(login.status()).toBe(200);
  const body = (await login.json()) as { status: string; csrf_token: string };
  expect(body.status).toBe("authenticated");
  return { api, csrf: { "X-CSRF-Token": body.csrf_token } };
}

/** Creates an admin through the API, as the stack's admin; returns its name. */
export async function createAdmin(
  baseURL: string,
  username: string,
  role: "admin" | "viewer" = "admin",
): Promise<string> {
  const { api, csrf } = await ownerApi(baseURL);
  const created = await api.post("/api/admins", {
    headers: csrf,
    data: { username, password: PASSWORD, role },
  });
  expect(created.status(), await created.text()).toBe(201);
  await api.dispose();
  return username;
}

/** A name no other test or run uses. */
export function uniqueName(label: string): string {
  return `${label}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/** The current TOTP code of `secret`, or the one `stepsAhead` steps later. */
export async function totpCode(secret: string, stepsAhead = 0): Promise<string> {
  // The gateway accepts one 30 s step either side and never the same step
  // twice: a code one step ahead is fresh after any code used now.
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * stepsAhead });
}

/**
 * Goes through 2FA enrolment inside `area` (the settings section or the
 * setup page) once its "Create a secret" button shows; returns the secret
 * and the recovery codes.
 */
export async function enrolTotp(area: Locator): Promise<{ secret: string; codes: string[] }> {
  await area.getByTestId("start-enrolment").click();
  await expect(area.getByTestId("totp-qr")).toBeVisible();
  const secret = (await area.getByTestId("totp-secret").textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await area.getByLabel("Code from the app").fill(await totpCode(secret));
  await area.getByRole("button", { name: "Turn on" }).click();
  const shown = area.getByTestId("recovery-code");
  await expect(shown).toHaveCount(10);
  const codes = (await shown.allTextContents()).map((code) => code.trim());
  await area.getByRole("button", { name: "I have saved them" }).click();
  return { secret, codes };
}

/** mail-ingest's address and the Email Worker's secret, from e2e/stack.py. */
export const ingest = {
  url: process.env.HOMEHOST_E2E_INGEST_URL ?? "",
  secret: process.env.HOMEHOST_E2E_INGEST_SECRET ?? "",
};

/** What mail-ingest answers to a posted message. */
export interface InboundAnswer {
  id: string;
  state: string;
  verdict: string | null;
  reason: string;
  recipients: { recipient: string; result: string; mailboxes: string[]; reply: string }[];
}

/**
 * Posts a raw message to mail-ingest signed as the Email Worker signs it:
 * an HMAC-SHA256 over the scheme, time, method, path, envelope and body
 * digest, one per line. Returns the HTTP status and the answer.
 */
export async function postInbound(
  from: string,
  to: string[],
  message: string,
): Promise<{ status: number; answer: InboundAnswer }> {
  const path = "/v1/inbound";
  const body = Buffer.from(message, "utf8");
  const timestamp = String(Math.floor(Date.now() / 1000));
  const envelope = Buffer.from(JSON.stringify({ from, to })).toString("base64url");
  const digest = createHash("sha256").update(body).digest("hex");
  const signed = ["v1", timestamp, "POST", path, envelope, digest].join("\n");
  const signature = createHmac("sha256", ingest.secret).update(signed).digest("hex");
  const response = await fetch(`${ingest.url}${path}`, {
    method: "POST",
    headers: {
      "Content-Type": "message/rfc822",
      "X-Homehost-Timestamp": timestamp,
      "X-Homehost-Envelope": envelope,
      "X-Homehost-Body-Sha256": digest,
      "X-Homehost-Signature": `v1=${signature}`,
    },
    body,
  });
  return { status: response.status, answer: (await response.json()) as InboundAnswer };
}
