import { expect, test } from "@playwright/test";

import { logInAsOwner } from "./helpers";

// The fake Cloudflare of e2e/stack.py holds this zone, so dns-service can
// write the domain's mail records too.
const DOMAIN = "mail-e2e.example";

test("add a domain and a mailbox, see its DNS plan, and clean up", async ({ page }) => {
  await logInAsOwner(page);
  await page.getByRole("link", { name: "Mail accounts" }).click();
  await expect(page.getByRole("heading", { name: "Mail accounts", level: 1 })).toBeVisible();

  const addDomain = page.getByTestId("add-domain");
  await addDomain.getByLabel("Domain name").fill("not a domain");
  await addDomain.getByRole("button", { name: "Add domain" }).click();
  await expect(addDomain.getByTestId("field-error")).toHaveText(
    "A domain name such as example.org.",
  );
  await addDomain.getByLabel("Domain name").fill(DOMAIN);
  await addDomain.getByRole("button", { name: "Add domain" }).click();
  await expect(page.locator(`[data-testid='domain-row'][data-domain='${DOMAIN}']`)).toBeVisible();

  // The domain's mail DNS plan: MX, SPF, DKIM and DMARC.
  const plan = page.getByTestId("mail-dns-plan");
  await expect(plan.getByRole("heading", { name: `DNS records for ${DOMAIN}` })).toBeVisible();
  for (const purpose of ["mx", "spf", "dkim", "dmarc"]) {
    await expect(plan.locator(`[data-purpose='${purpose}']`).first()).toBeVisible();
  }
  await expect(plan.getByTestId("dkim-key")).toHaveCount(1);

  // A weak typed password is refused by the service, beside the field.
  const create = page.getByTestId("create-mailbox");
  await create.getByLabel(`Address (before @${DOMAIN})`).fill("ann");
  await create.getByLabel("Display name").fill("Ann Example");
  await create.getByLabel("Type one").check();
  await create.getByLabel("Password", { exact: true }).fill("aaaaaaaaaaaa");
  await expect(create.getByTestId("password-strength")).toHaveAttribute("data-score", "1");
  await create.getByRole("button", { name: "Create mailbox" }).click();
  await expect(create.getByTestId("field-error")).toBeVisible();

  // A generated password is shown once.
  await create.getByLabel("Generate one").check();
  await create.getByRole("button", { name: "Create mailbox" }).click();
  await expect(create.getByTestId("mailbox-created")).toContainText(`ann@${DOMAIN} was created.`);
  await expect(create.getByTestId("generated-password")).not.toBeEmpty();
  const row = page.locator(`[data-testid='mailbox-row'][data-address='ann@${DOMAIN}']`);
  await expect(row).toContainText("Ann Example");
  await expect(row.getByTestId("usage").or(row.getByTestId("usage-unavailable"))).toBeVisible();

  // The client setup card for the mailbox.
  await row.getByRole("button", { name: "Client setup" }).click();
  await expect(page.getByTestId("client-setup")).toContainText(`ann@${DOMAIN}`);

  // An alias to the mailbox.
  const addAlias = page.getByTestId("add-alias");
  await addAlias.getByLabel(`Alias (before @${DOMAIN})`).fill("info");
  await addAlias.getByLabel("Delivered to").fill(`ann@${DOMAIN}`);
  await addAlias.getByRole("button", { name: "Add alias" }).click();
  const alias = page.locator(`[data-testid='alias-row'][data-source='info@${DOMAIN}']`);
  await expect(alias).toContainText(`→ ann@${DOMAIN}`);

  // The domain cannot go while it has a mailbox: the service says why.
  const domainRow = page.locator(`[data-testid='domain-row'][data-domain='${DOMAIN}']`);
  await domainRow.getByRole("button", { name: "Remove" }).click();
  await domainRow.getByRole("button", { name: `Remove ${DOMAIN}` }).click();
  await expect(page.getByTestId("domain-remove-error")).toBeVisible();

  // Edit the mailbox, then delete it by typing its address.
  await row.getByRole("button", { name: "Edit" }).click();
  await row.getByLabel("Quota (MB)").fill("2048");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByTestId("edit-mailbox")).toHaveCount(0);

  await alias.getByRole("button", { name: "Remove" }).click();
  await alias.getByRole("button", { name: "Remove alias" }).click();
  await expect(alias).toHaveCount(0);

  await row.getByRole("button", { name: "Delete" }).click();
  const deleteButton = row.getByRole("button", { name: "Delete mailbox" });
  await expect(deleteButton).toBeDisabled();
  await row.getByLabel("Address, typed again").fill(`ann@${DOMAIN}`);
  await deleteButton.click();
  await expect(row).toHaveCount(0);

  await domainRow.getByRole("button", { name: "Remove" }).click();
  await domainRow.getByRole("button", { name: `Remove ${DOMAIN}` }).click();
  await expect(domainRow).toHaveCount(0);
});
