import { type APIRequestContext, type Page, expect, test } from "@playwright/test";

import {
  PASSWORD,
  createAdmin,
  logIn,
  logInAsOwner,
  ownerApi,
  postInbound,
  uniqueName,
} from "./helpers";

// The stack runs no Dovecot and points mail-ingest's scanners at closed
// ports: a message to a known mailbox is accepted "not scanned" and its
// delivery deferred; one to an unknown address is rejected.
const DOMAIN = `${uniqueName("flow")}.example`;
const MAILBOX = `ann@${DOMAIN}`;
const SUBJECT = "Café menu";

let api: APIRequestContext;
let csrf: Record<string, string>;

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ baseURL }) => {
  ({ api, csrf } = await ownerApi(baseURL!));
  const domain = await api.post("/api/mail/domains", { headers: csrf, data: { name: DOMAIN } });
  expect(domain.status(), await domain.text()).toBe(201);
  const mailbox = await api.post("/api/mail/mailboxes", {
    headers: csrf,
    data: { address: MAILBOX, display_name: "Ann Example", enabled: true },
  });
  expect(mailbox.status(), await mailbox.text()).toBe(201);
});

test.afterAll(async () => {
  const mailbox = await api.delete(`/api/mail/mailboxes/${MAILBOX}`, {
    headers: csrf,
    data: { confirm_address: MAILBOX },
  });
  expect(mailbox.status(), await mailbox.text()).toBe(200);
  const domain = await api.delete(`/api/mail/domains/${DOMAIN}`, { headers: csrf });
  expect(domain.status(), await domain.text()).toBe(200);
  await api.dispose();
});

/** A small message whose subject is an RFC 2047 encoded word. */
function rawMessage(to: string, subject: string): string {
  const encoded = `=?UTF-8?B?${Buffer.from(subject, "utf8").toString("base64")}?=`;
  return [
    "From: Bob Sender <bob@sender.example>",
    `To: ${to}`,
    `Subject: ${encoded}`,
    `Message-ID: <${uniqueName("m")}@sender.example>`,
    `Date: ${new Date().toUTCString()}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Soup, bread and coffee.",
    "",
  ].join("\r\n");
}

/** Opens the mail page and waits until its live updates are connected. */
async function openMailPage(page: Page): Promise<void> {
  await page.getByRole("link", { name: "Mail", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Mail", level: 1 })).toBeVisible();
  await expect(page.getByTestId("mail-live")).toHaveAttribute("data-state", "open");
}

/** The hour a message was received in, as the chart's bars name it. */
function hourOf(receivedAt: string): string {
  const hour = 3_600_000;
  return new Date(Math.floor(Date.parse(receivedAt) / hour) * hour).toISOString();
}

test("messages appear live, filter, chart by hour, and wait in the deferred queue", async ({
  page,
}) => {
  await logInAsOwner(page);
  await openMailPage(page);

  // A message to the mailbox: accepted, not scanned, its delivery deferred.
  const accepted = await postInbound("bob@sender.example", [MAILBOX], rawMessage(MAILBOX, SUBJECT));
  expect(accepted.status).toBe(202);
  expect(accepted.answer.state).toBe("queued");
  expect(accepted.answer.verdict).toBe("not_scanned");
  const row = page.locator(`[data-testid='message-row'][data-id='${accepted.answer.id}']`);
  await expect(row.getByTestId("message-subject")).toHaveText(SUBJECT);
  await expect(row).toContainText("bob@sender.example");
  await expect(row).toContainText(MAILBOX);
  await expect(row.getByTestId("message-verdict")).toHaveText("Not scanned");
  await expect(row.getByTestId("message-delivery")).toHaveText("Deferred");

  // A message to an address nobody has: rejected, and shown so.
  const nobody = `nobody@${DOMAIN}`;
  const rejected = await postInbound("bob@sender.example", [nobody], rawMessage(nobody, "Hello?"));
  expect(rejected.status).toBe(422);
  expect(rejected.answer.state).toBe("rejected");
  const rejectedRow = page.locator(`[data-testid='message-row'][data-id='${rejected.answer.id}']`);
  await expect(rejectedRow).toHaveAttribute("data-status", "rejected");
  await expect(rejectedRow.getByTestId("message-delivery")).toHaveText("Rejected");
  await expect(rejectedRow.getByTestId("recipient-refused")).toHaveText("refused");
  await expect(rejectedRow.getByTestId("message-subject")).toHaveText("Hello?");

  // The filters narrow the table, and live in the URL.
  const filters = page.getByTestId("message-filters");
  await filters.getByLabel("Recipient").fill(MAILBOX);
  await filters.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`recipient=${encodeURIComponent(MAILBOX)}`));
  await expect(rejectedRow).toHaveCount(0);
  await expect(row).toBeVisible();
  await expect(page.getByTestId("message-row")).toHaveCount(1);

  await filters.getByLabel("Recipient").fill("");
  await filters.getByLabel("State").selectOption("rejected");
  await filters.getByRole("button", { name: "Filter" }).click();
  await expect(row).toHaveCount(0);
  await expect(rejectedRow).toBeVisible();

  await filters.getByLabel("State").selectOption("");
  await filters.getByLabel("Verdict").selectOption("spam");
  await filters.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByTestId("messages-empty")).toHaveText("No message matches these filters.");

  await filters.getByRole("button", { name: "Clear" }).click();
  await expect(page).toHaveURL(/\/mail$/);
  await expect(row).toBeVisible();
  await expect(rejectedRow).toBeVisible();

  // The hourly chart counts both, stacked by verdict, with a legend.
  const first = await api.get(`/api/mail/messages/${accepted.answer.id}`);
  const second = await api.get(`/api/mail/messages/${rejected.answer.id}`);
  const acceptedHour = hourOf(((await first.json()) as { received_at: string }).received_at);
  const rejectedHour = hourOf(((await second.json()) as { received_at: string }).received_at);
  const chart = page.getByTestId("hourly-chart");
  const bar = (hour: string) => chart.locator(`[data-testid='hour-bar'][data-hour='${hour}']`);
  await expect(bar(acceptedHour).locator("[data-series='not_scanned']")).toHaveAttribute(
    "data-messages",
    "1",
  );
  await expect(bar(rejectedHour).locator("[data-series='rejected']")).toHaveAttribute(
    "data-messages",
    "1",
  );
  await expect(chart.getByTestId("hour-bar")).toHaveCount(24);
  await expect(chart.getByTestId("chart-scale")).toHaveText(
    acceptedHour === rejectedHour ? "2" : "1",
  );
  await expect(chart.getByTestId("legend")).toHaveText(/Not scanned\s*Rejected/);

  // The deferred queue lists the accepted message; "Retry now" tries it again.
  const queued = page.locator(`[data-testid='queued-message'][data-id='${accepted.answer.id}']`);
  const delivery = queued.locator(`[data-testid='deferred-delivery'][data-mailbox='${MAILBOX}']`);
  await expect(queued).toContainText(SUBJECT);
  await expect(delivery.getByTestId("delivery-reply")).not.toBeEmpty();
  const attemptsBefore = Number(await delivery.getByTestId("delivery-attempts").textContent());
  expect(attemptsBefore).toBeGreaterThanOrEqual(1);
  await expect(
    page.locator(`[data-testid='queued-message'][data-id='${rejected.answer.id}']`),
  ).toHaveCount(0);

  await queued.getByRole("button", { name: "Retry now" }).click();
  await expect(page.getByTestId("retry-result")).toHaveText("1 delivery will be tried now.");
  // The attempt fails again (no LMTP server), and the queue shows it live.
  await expect
    .poll(async () => Number(await delivery.getByTestId("delivery-attempts").textContent()))
    .toBeGreaterThan(attemptsBefore);

  await page.getByTestId("retry-all").click();
  await expect(page.getByTestId("retry-result")).toHaveText(
    /^\d+ deliver(y|ies) will be tried now\.$/,
  );
});

test("a viewer sees the mail but cannot retry deliveries", async ({ page, baseURL }) => {
  const username = await createAdmin(baseURL!, uniqueName("mailviewer"), "viewer");
  await logIn(page, username, PASSWORD);
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
  await openMailPage(page);

  const queue = page.getByTestId("deferred-queue");
  await expect(queue.getByTestId("queued-message").first()).toContainText(SUBJECT);
  await expect(queue).toContainText("Retrying needs the scope write:mail.");
  await expect(queue.getByRole("button", { name: "Retry now" })).toHaveCount(0);
  await expect(page.getByTestId("retry-all")).toHaveCount(0);

  // On Mail accounts the viewer can look, and is not offered what it may not do.
  await page.getByRole("link", { name: "Mail accounts" }).click();
  await expect(page.getByTestId("mail-accounts-read-only")).toHaveText(
    "You can look around; changing mail accounts needs the scope write:mail.",
  );
  const domainRow = page.locator(`[data-testid='domain-row'][data-domain='${DOMAIN}']`);
  await domainRow.getByRole("button", { name: DOMAIN }).click();
  await expect(domainRow.getByRole("button", { name: "Remove" })).toHaveCount(0);
  await expect(page.getByTestId("add-domain")).toHaveCount(0);
  const mailboxes = page.getByTestId("mailboxes");
  await expect(mailboxes).toContainText(MAILBOX);
  await expect(mailboxes.getByRole("button", { name: "Client setup" })).toBeVisible();
  await expect(mailboxes.getByRole("button", { name: "Edit" })).toHaveCount(0);
  await expect(mailboxes.getByRole("button", { name: "Delete" })).toHaveCount(0);
  await expect(page.getByTestId("create-mailbox")).toHaveCount(0);
});
