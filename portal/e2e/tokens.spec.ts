import { expect, test } from "@playwright/test";

import { logInAsOwner, uniqueName } from "./helpers";

test("create a token, see it once, use it, revoke it", async ({ page, request }) => {
  await logInAsOwner(page);
  await page.getByRole("link", { name: "Settings" }).click();
  const section = page.getByTestId("tokens-section");
  const name = uniqueName("ci");

  const form = section.getByTestId("create-token");
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Change DNS").check();
  await form.getByLabel("Expires").selectOption("30");
  await form.getByRole("button", { name: "Create token" }).click();

  const token = (await section.getByTestId("new-token-value").textContent())!.trim();
  expect(token).toMatch(/^hh_/);
  await expect(section.getByRole("button", { name: "Copy" })).toBeVisible();

  const me = await request.get("/api/auth/me", { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  const body = await me.json();
  expect(body.auth).toBe("token");
  expect([...body.scopes].sort()).toEqual(["read", "write:dns"]);

  await section.getByRole("button", { name: "Done" }).click();
  await expect(section.getByTestId("new-token")).toHaveCount(0);
  const row = section.locator(`[data-testid="token-row"][data-name="${name}"]`);
  await expect(row).toHaveAttribute("data-state", "active");
  await expect(row).toContainText("Read everything");
  await expect(row).toContainText("Change DNS");
  await expect(row).not.toContainText(token);

  page.once("dialog", (dialog) => void dialog.accept());
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toHaveAttribute("data-state", "revoked");

  const refused = await request.get("/api/auth/me", {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(refused.status()).toBe(401);
});
