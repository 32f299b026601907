import { expect, test } from "@playwright/test";

import { logInAsOwner } from "./helpers";

// e2e/stack.py's fake Cloudflare holds this zone, empty at the start.
const ZONE = "example.com";

test("create a DNS record through the plan preview and apply it", async ({ page }) => {
  await logInAsOwner(page);
  await page.getByRole("link", { name: "DNS" }).click();
  await expect(page.getByRole("heading", { name: "DNS", level: 1 })).toBeVisible();
  await page.getByTestId("zone-picker").selectOption(ZONE);
  await expect(page.getByRole("heading", { name: `Records of ${ZONE}` })).toBeVisible();

  await page.getByTestId("add-record").click();
  const editor = page.getByTestId("record-editor");

  // MX cannot be proxied: the box is off and says why.
  await editor.getByLabel("Type").selectOption("MX");
  await expect(editor.getByLabel("Proxied through Cloudflare")).toBeDisabled();
  await expect(editor.getByTestId("proxy-explanation")).toHaveText(
    "Cloudflare cannot proxy MX records; they are always DNS only.",
  );

  await editor.getByLabel("Type").selectOption("A");
  await editor.getByLabel("Name").fill("www");
  // An address the service refuses is named beside its field.
  await editor.getByLabel("Content").fill("192.0.2.300");
  await editor.getByRole("button", { name: "Preview changes" }).click();
  await expect(editor.getByTestId("field-error")).toBeVisible();
  await expect(page.getByTestId("plan-preview")).toHaveCount(0);
  await editor.getByLabel("Content").fill("192.0.2.10");
  await editor.getByLabel("Proxied through Cloudflare").check();
  await expect(editor.getByLabel("TTL")).toBeDisabled();
  await editor.getByRole("button", { name: "Preview changes" }).click();

  const preview = page.getByTestId("plan-preview");
  await expect(preview.getByTestId("plan-summary")).toHaveText(
    "1 to create, 0 to update, 0 to delete, 0 unchanged.",
  );
  await expect(preview.getByTestId("plan-group-create").getByTestId("plan-change")).toHaveText(
    `+ www.${ZONE} A 192.0.2.10 (proxied)`,
  );
  await preview.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("applied")).toBeVisible();

  const row = page.locator(`[data-testid='record-row'][data-name='www.${ZONE}'][data-type='A']`);
  await expect(row).toContainText("192.0.2.10");
  await expect(row.getByRole("switch")).toHaveAttribute("aria-checked", "true");
  await expect(row.getByTestId("record-ttl")).toHaveText("Auto");

  // Turning the proxy off goes through a preview as an update.
  await row.getByRole("switch").click();
  await expect(
    page.getByTestId("plan-preview").getByTestId("plan-group-update").getByTestId("plan-change"),
  ).toHaveCount(1);
  await page.getByTestId("plan-preview").getByRole("button", { name: "Apply" }).click();
  await expect(row.getByRole("switch")).toHaveAttribute("aria-checked", "false");
});

test("the Security page shows the edge settings and certificates", async ({ page }) => {
  await logInAsOwner(page);
  await page.getByRole("link", { name: "Security" }).click();
  await expect(page.getByRole("heading", { name: "Security", level: 1 })).toBeVisible();
  await page.getByTestId("zone-picker").selectOption(ZONE);
  const ssl = page.locator("[data-testid='edge-setting'][data-setting='ssl']");
  await expect(ssl).toHaveAttribute("data-mode", "editable");
  await ssl.getByRole("combobox").selectOption("strict");
  await expect(ssl.getByRole("combobox")).toHaveValue("strict");
  await expect(page.getByTestId("certificates")).toBeVisible();
});
