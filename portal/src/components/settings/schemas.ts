import { z } from "zod";

import { SCOPES } from "../../lib/scopes";

// Messages are i18n keys: the forms show them through `t`.

export const tokenCreateSchema = z.object({
  name: z.string().trim().min(1, "validation.required").max(100, "validation.tooLong"),
  scopes: z.array(z.enum(SCOPES)).min(1, "validation.pickScope"),
  expiresInDays: z.enum(["7", "30", "90", "365", "never"]),
});

export type TokenCreateForm = z.infer<typeof tokenCreateSchema>;

/** The expiry choice as the gateway takes it: days, or null for never. */
export function expiryDays(choice: TokenCreateForm["expiresInDays"]): number | null {
  return choice === "never" ? null : Number(choice);
}

export const adminCreateSchema = z.object({
  username: z
    .string()
    .trim()
    .min(3, "validation.usernameLength")
    .max(64, "validation.usernameLength")
    .regex(/^[a-z0-9._-]+$/, "validation.usernameCharacters"),
  password: z.string().min(12, "validation.passwordLength"),
  role: z.enum(["admin", "viewer"]),
});

export type AdminCreateForm = z.infer<typeof adminCreateSchema>;

export const totpCodeSchema = z.object({
  code: z
    .string()
    .transform((value) => value.replace(/\s/g, ""))
    .pipe(z.string().regex(/^\d{6}$/, "validation.sixDigits")),
});

export type TotpCodeForm = z.input<typeof totpCodeSchema>;
