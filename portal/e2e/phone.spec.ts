import { expect, test } from "@playwright/test";

import { logInAsOwner } from "./helpers";

test.use({ viewport: { width: 390, height: 844 } });

test("on a phone the navigation folds into a menu and the audit log becomes cards", async ({
  page,
}) => {
  await logInAsOwner(page);
  await expect(page.getByRole("link", { name: "Audit log" })).toBeHidden();

  await page.getByTestId("menu-button").click();
  await page.getByRole("dialog").getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();

  const cards = page.locator("li[data-testid='audit-entry']");
  await expect(cards.first()).toBeVisible();
  await expect(page.locator("tr[data-testid='audit-entry']").first()).toBeHidden();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
});

test("on a phone the mail accounts, DNS and security pages fit the screen", async ({ page }) => {
  await logInAsOwner(page);
  for (const [path, heading, ready] of [
    ["/mail-accounts", "Mail accounts", "add-domain"],
    ["/dns", "DNS", "zone-file"],
    ["/security", "Security", "edge-settings"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: heading, level: 1 })).toBeVisible();
    await expect(page.getByTestId(ready)).toBeVisible();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, path).toBeLessThanOrEqual(390);
  }
});
