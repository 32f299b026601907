import { describe, expect, it } from "vitest";

import { aliasSchema, domainCreateSchema, mailboxCreateSchema, mailboxEditSchema } from "./schemas";

function messages(result: { success: boolean; error?: { issues: { message: string }[] } }) {
  return result.success ? [] : result.error!.issues.map((issue) => issue.message);
}

describe("domainCreateSchema", () => {
  it("takes a domain name and lowers its case", () => {
    expect(domainCreateSchema.parse({ name: " Example.ORG " })).toEqual({ name: "example.org" });
  });

  it("refuses a bare label", () => {
    expect(messages(domainCreateSchema.safeParse({ name: "localhost" }))).toEqual([
      "validation.domainName",
    ]);
  });
});

describe("mailboxCreateSchema", () => {
  const base = { localPart: "ann", displayName: "", quotaMb: "", password: "" };

  it("needs no password when one is generated", () => {
    expect(mailboxCreateSchema.safeParse({ ...base, passwordMode: "generate" }).success).toBe(true);
  });

  it("needs ten characters for a typed password", () => {
    expect(
      messages(mailboxCreateSchema.safeParse({ ...base, passwordMode: "type", password: "short" })),
    ).toEqual(["validation.mailPasswordLength"]);
  });

  it("refuses an address in the local part and a fractional quota", () => {
    expect(
      messages(
        mailboxCreateSchema.safeParse({
          ...base,
          localPart: "ann@example.org",
          quotaMb: "1.5",
          passwordMode: "generate",
        }),
      ),
    ).toEqual(["validation.localPart", "validation.wholeNumber"]);
  });
});

describe("mailboxEditSchema", () => {
  it("needs a quota", () => {
    expect(
      messages(mailboxEditSchema.safeParse({ displayName: "Ann", quotaMb: "", enabled: true })),
    ).toEqual(["validation.required"]);
  });
});

describe("aliasSchema", () => {
  it("takes destinations one per line or separated by commas", () => {
    expect(
      aliasSchema.safeParse({ source: "info", destinations: "a@example.org,\nb@example.org" })
        .success,
    ).toBe(true);
  });

  it("refuses a destination that is not an address", () => {
    expect(messages(aliasSchema.safeParse({ source: "info", destinations: "ann" }))).toEqual([
      "validation.addresses",
    ]);
  });
});
