import { expect, test } from "@playwright/test";

import { logInAsOwner, ownerApi, uniqueName } from "./helpers";

test("the dashboard shows every service healthy", async ({ page, request }) => {
  const health = await (await request.get("/api/health")).json();
  const services = (health.services as { service: string }[]).map((s) => s.service).sort();
  expect(services.length).toBeGreaterThan(1);

  await logInAsOwner(page);

  await expect(page.getByTestId("overall-status")).toHaveAttribute("data-status", "ok");
  await expect(page.getByTestId("overall-status")).toHaveText("All services healthy");
  const cards = page.getByTestId("service-health");
  await expect(cards).toHaveCount(services.length);
  const shown = await cards.evaluateAll((nodes) =>
    nodes.map((node) => [node.getAttribute("data-service"), node.getAttribute("data-status")]),
  );
  expect(shown.map(([service]) => service).sort()).toEqual(services);
  expect(shown.map(([, status]) => status)).toEqual(services.map(() => "ok"));
  const gateway = page.locator('[data-testid="service-health"][data-service="gateway"]');
  await expect(gateway).toContainText("Healthy");
  await expect(gateway).toContainText("Version");
  await expect(gateway).toContainText("jetstream");
  await expect(gateway).toContainText("mariadb");
});

test("a live event appears in the activity feed", async ({ page, baseURL }) => {
  await logInAsOwner(page);
  await expect(page.getByTestId("feed-connection")).toHaveAttribute("data-state", "open");

  // Any change is audited, and the audit entry is published on the bus.
  const { api, csrf } = await ownerApi(baseURL!);
  const name = uniqueName("feed");
  const created = await api.post("/api/tokens", {
    headers: csrf,
    data: { name, scopes: ["read"], expires_in_days: 1 },
  });
  expect(created.status()).toBe(201);
  await api.dispose();

  const event = page
    .getByTestId("feed-event")
    .filter({ hasText: "tokens.create" })
    .filter({ hasText: "audit.recorded" });
  await expect(event.first()).toBeVisible();
  await expect(event.first()).toHaveAttribute("data-subject", "audit.recorded");
});

test("an area that is not built yet says so", async ({ page }) => {
  await logInAsOwner(page);
  await page.getByRole("link", { name: "Containers" }).click();
  await expect(page).toHaveURL(/\/containers$/);
  await expect(page.getByTestId("not-built")).toHaveText(
    "Containers is not built yet. This page will hold its tools once that part of homehost is done.",
  );
});

test("losing the session sends the user to login, and back after it", async ({ page, context }) => {
  await logInAsOwner(page);
  await context.clearCookies();

  await page.getByRole("link", { name: "Audit log" }).click();

  await expect(page).toHaveURL(/\/login\?next=%2Faudit$/);
  await page.getByLabel("Username").fill(process.env.HOMEHOST_E2E_USERNAME!);
  await page.getByLabel("Password").fill(process.env.HOMEHOST_E2E_PASSWORD!);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
});
