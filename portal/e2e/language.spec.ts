import { expect, test } from "@playwright/test";

import { owner } from "./helpers";

test("switch to Japanese, and the choice is remembered", async ({ page }) => {
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

  await page.getByTestId("language-switch").selectOption("ja");
  await expect(page.getByRole("heading", { name: "ログイン" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "ja");

  await page.reload();
  await expect(page.getByRole("heading", { name: "ログイン" })).toBeVisible();
  await page.getByLabel("ユーザー名").fill(owner.username);
  await page.getByLabel("パスワード").fill(owner.password);
  await page.getByRole("button", { name: "ログイン" }).click();
  await expect(page.getByRole("heading", { name: "ダッシュボード", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "監査ログ" })).toBeVisible();
  await expect(page.getByTestId("overall-status")).toHaveText("すべてのサービスが正常です");

  await page.getByTestId("language-switch").selectOption("en");
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
});

test.describe("a Japanese browser", () => {
  test.use({ locale: "ja-JP" });

  test("gets Japanese without asking", async ({ page }) => {
    await page.goto("/login");
    await expect(page.getByRole("heading", { name: "ログイン" })).toBeVisible();
  });
});
