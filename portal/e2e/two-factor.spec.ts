import { expect, test } from "@playwright/test";

import { PASSWORD, createAdmin, enrolTotp, logIn, totpCode, uniqueName } from "./helpers";

test("enrol 2FA, then log in with a TOTP code and with a recovery code", async ({
  page,
  baseURL,
}) => {
  const username = await createAdmin(baseURL!, uniqueName("totp"));
  await logIn(page, username, PASSWORD);
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();

  await page.getByRole("link", { name: "Settings" }).click();
  const section = page.getByTestId("totp-section");
  await expect(section.getByTestId("totp-state")).toHaveText("Two-factor authentication is off.");
  await section.getByTestId("enable-totp").click();
  const { secret, codes } = await enrolTotp(section);
  await expect(section.getByTestId("totp-state")).toHaveText("Two-factor authentication is on.");

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  // A wrong code is refused; the right one signs in.
  await logIn(page, username, PASSWORD);
  await expect(page.getByRole("heading", { name: "Two-factor authentication" })).toBeVisible();
  const next = await totpCode(secret, 1);
  await page.getByLabel("Code").fill(next === "000000" ? "111111" : "000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("login-error")).toHaveText("Invalid credentials.");
  await page.getByLabel("Code").fill(next);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();

  await page.getByRole("button", { name: "Log out" }).click();
  await logIn(page, username, PASSWORD);
  await page.getByLabel("Code").fill(codes[0]!);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
});

test("when 2FA is enforced, an admin without it must enrol before anything else", async ({
  page,
  baseURL,
}) => {
  // The enforcer has 2FA itself, so it can still sign in to switch it off.
  const enforcer = await createAdmin(baseURL!, uniqueName("enforcer"));
  const newcomer = await createAdmin(baseURL!, uniqueName("newcomer"));
  await logIn(page, enforcer, PASSWORD);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByTestId("enable-totp").click();
  const { secret } = await enrolTotp(page.getByTestId("totp-section"));
  const toggle = page.getByTestId("enforce-totp");
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await page.getByRole("button", { name: "Log out" }).click();

  try {
    await logIn(page, newcomer, PASSWORD);
    await expect(page).toHaveURL(/\/setup-2fa$/);
    await expect(
      page.getByRole("heading", { name: "Set up two-factor authentication" }),
    ).toBeVisible();
    await page.goto("/audit");
    await expect(page).toHaveURL(/\/setup-2fa$/);
    await enrolTotp(page.locator("main, body").first());
    await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
    await page.getByRole("button", { name: "Log out" }).click();
  } finally {
    await logIn(page, enforcer, PASSWORD);
    await page.getByLabel("Code").fill(await totpCode(secret, 1));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByTestId("enforce-totp").click();
    await expect(page.getByTestId("enforce-totp")).toHaveAttribute("aria-checked", "false");
  }
});
