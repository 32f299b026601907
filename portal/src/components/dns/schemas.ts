import { z } from "zod";

import { RECORD_TYPES } from "../../lib/dns";

// Messages are i18n keys: the forms show them through `t`.

export const recordSchema = z.object({
  type: z.enum(RECORD_TYPES as [string, ...string[]]),
  name: z.string().trim().min(1, "validation.required").max(253, "validation.tooLong"),
  content: z.string().trim().min(1, "validation.required").max(4096, "validation.tooLong"),
  priority: z
    .string()
    .trim()
    .refine((value) => value === "" || /^\d{1,5}$/.test(value), "validation.wholeNumber"),
  ttl: z.string(),
  proxied: z.boolean(),
  comment: z.string().max(100, "validation.tooLong"),
});

export type RecordForm = z.input<typeof recordSchema>;
