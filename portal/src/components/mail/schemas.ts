import { z } from "zod";

import { parseDestinations } from "../../lib/mail";

// Messages are i18n keys: the forms show them through `t`.

const quotaMb = z
  .string()
  .trim()
  .refine((value) => value === "" || /^\d+$/.test(value), "validation.wholeNumber")
  .refine((value) => value === "" || Number(value) <= 10_485_760, "validation.quotaTooLarge");

export const domainCreateSchema = z.object({
  name: z
    .string()
    .trim()
    .toLowerCase()
    .min(1, "validation.required")
    .max(253, "validation.tooLong")
    .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, "validation.domainName"),
});

export type DomainCreateForm = z.input<typeof domainCreateSchema>;

export const mailboxCreateSchema = z
  .object({
    localPart: z
      .string()
      .trim()
      .min(1, "validation.required")
      .max(64, "validation.tooLong")
      .regex(/^[^\s@]+$/, "validation.localPart"),
    displayName: z.string().trim().max(200, "validation.tooLong"),
    quotaMb,
    passwordMode: z.enum(["generate", "type"]),
    password: z.string(),
  })
  .superRefine((values, context) => {
    if (values.passwordMode === "type" && values.password.length < 10) {
      context.addIssue({
        code: "custom",
        path: ["password"],
        message: "validation.mailPasswordLength",
      });
    }
  });

export type MailboxCreateForm = z.input<typeof mailboxCreateSchema>;

export const mailboxEditSchema = z.object({
  displayName: z.string().trim().max(200, "validation.tooLong"),
  quotaMb: quotaMb.refine((value) => value !== "", "validation.required"),
  enabled: z.boolean(),
});

export type MailboxEditForm = z.input<typeof mailboxEditSchema>;

export const aliasSchema = z.object({
  source: z
    .string()
    .trim()
    .min(1, "validation.required")
    .max(64, "validation.tooLong")
    .regex(/^[^\s@]+$/, "validation.localPart"),
  destinations: z
    .string()
    .refine((text) => parseDestinations(text).length > 0, "validation.required")
    .refine(
      (text) =>
        parseDestinations(text).every((address) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)),
      "validation.addresses",
    ),
});

export type AliasForm = z.input<typeof aliasSchema>;
