import { expect, test } from "@playwright/test";

import { PASSWORD, createAdmin, logIn, logInAsOwner, uniqueName } from "./helpers";

test("repeated wrong passwords lock the account until another admin unlocks it", async ({
  page,
  baseURL,
}) => {
  const username = await createAdmin(baseURL!, uniqueName("locked"));

  await page.goto("/login");
  let attempts = 0;
  for (; attempts < 10; attempts += 1) {
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill("not the password at all");
    await page.getByRole("button", { name: "Sign in" }).click();
    const answer = page.getByTestId("login-error").or(page.getByTestId("lockout"));
    await expect(answer).toBeVisible();
    if (await page.getByTestId("lockout").isVisible()) {
      break;
    }
    await expect(page.getByTestId("login-error")).toHaveText("Invalid credentials.");
  }
  // The gateway locks an account after 5 failures by default.
  expect(attempts).toBe(5);
  const lockout = page.getByTestId("lockout");
  await expect(lockout).toContainText("Too many failed attempts.");
  await expect(lockout).toContainText(/Try again in 1[45] minutes?/);

  // Even the right password is refused while locked.
  await logIn(page, username, PASSWORD);
  await expect(page.getByTestId("lockout")).toBeVisible();

  await logInAsOwner(page);
  await page.getByRole("link", { name: "Settings" }).click();
  const row = page.locator(`[data-testid="admin-row"][data-username="${username}"]`);
  await expect(row.getByTestId("admin-state")).toContainText("locked until");
  await row.getByRole("button", { name: "Unlock" }).click();
  await expect(row.getByTestId("admin-state")).toHaveText("active");

  await page.getByRole("link", { name: "Audit log" }).click();
  await page.getByLabel("Search").fill(`account:${username}`);
  await page.getByRole("button", { name: "Apply" }).click();
  const lock = page.locator("tr[data-testid='audit-entry']").filter({ hasText: "auth.lockout" });
  await expect(lock).toHaveCount(1);
  await expect(lock).toContainText("system");
  await expect(lock).toContainText("denied · 429");
  await page.getByRole("button", { name: "Log out" }).click();

  await logIn(page, username, PASSWORD);
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
});
