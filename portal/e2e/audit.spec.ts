import { expect, test } from "@playwright/test";

import { logInAsOwner } from "./helpers";

test("the audit log finds logins by search and filters, page by page", async ({ page }) => {
  await logInAsOwner(page);
  await page.getByRole("link", { name: "Audit log" }).click();

  await page.getByLabel("Search").fill("auth.login");
  await page.getByLabel("Result").selectOption("success");
  await page.getByRole("button", { name: "Apply" }).click();

  await expect(page).toHaveURL(/q=auth.login/);
  await expect(page).toHaveURL(/result=success/);
  const rows = page.locator("tr[data-testid='audit-entry']");
  await expect(rows.first()).toBeVisible();
  const actions = await rows.locator("td:nth-child(3)").allTextContents();
  expect(actions.length).toBeGreaterThan(0);
  for (const action of actions) {
    expect(action).toContain("auth.login");
  }
  await expect(page.getByTestId("page-status")).toContainText("Page 1 of");

  await page.getByLabel("Result").selectOption("denied");
  await page.getByLabel("Search").fill("no such action anywhere");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("No entries match.")).toBeVisible();
});
