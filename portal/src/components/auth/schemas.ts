import { z } from "zod";

// Messages are i18n keys: the form shows them through `t`.

export const passwordLoginSchema = z.object({
  username: z.string().trim().min(1, "validation.required"),
  password: z.string().min(1, "validation.required"),
});

export type PasswordLogin = z.infer<typeof passwordLoginSchema>;

export const codeSchema = z.object({
  code: z
    .string()
    .transform((value) => value.trim())
    .pipe(z.string().min(6, "validation.codeLength").max(64, "validation.codeLength")),
});

export type CodeForm = z.input<typeof codeSchema>;
