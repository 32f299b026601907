import { zodResolver } from "@hookform/resolvers/zod";
import { useEffect } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { z } from "zod";

import { type AuditFilters, EMPTY_AUDIT_FILTERS } from "../../lib/audit";
import { Button } from "../ui/Button";
import { Field } from "../ui/Field";

const filtersSchema = z
  .object({
    q: z.string().max(200, "validation.tooLong"),
    actor: z.string().max(64, "validation.tooLong"),
    action: z.string().max(200, "validation.tooLong"),
    result: z.enum(["", "success", "failure", "denied"]),
    since: z.string(),
    until: z.string(),
  })
  .refine((f) => !f.since || !f.until || f.since <= f.until, {
    message: "validation.untilBeforeSince",
    path: ["until"],
  });

/** The audit log's search box and filters. */
export function AuditFilterForm({
  filters,
  onApply,
}: {
  filters: AuditFilters;
  onApply: (filters: AuditFilters) => void;
}) {
  const { t } = useTranslation();
  const form = useForm<AuditFilters>({
    resolver: zodResolver(filtersSchema),
    defaultValues: filters,
  });
  useEffect(() => form.reset(filters), [filters, form]);
  const errors = form.formState.errors;

  return (
    <form
      onSubmit={form.handleSubmit(onApply)}
      className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3"
      role="search"
      noValidate
    >
      <Field
        label={t("audit.search")}
        type="search"
        placeholder={t("audit.searchPlaceholder")}
        error={errors.q?.message}
        className="sm:col-span-2 lg:col-span-3"
        {...form.register("q")}
      />
      <Field label={t("audit.actor")} error={errors.actor?.message} {...form.register("actor")} />
      <Field
        label={t("audit.action")}
        error={errors.action?.message}
        {...form.register("action")}
      />
      <div>
        <label className="block text-sm font-medium text-slate-800" htmlFor="audit-result">
          {t("audit.result")}
        </label>
        <select
          id="audit-result"
          className="mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-teal-600 sm:text-sm"
          {...form.register("result")}
        >
          <option value="">{t("audit.anyResult")}</option>
          <option value="success">{t("audit.results.success")}</option>
          <option value="failure">{t("audit.results.failure")}</option>
          <option value="denied">{t("audit.results.denied")}</option>
        </select>
      </div>
      <Field
        label={t("audit.since")}
        type="datetime-local"
        error={errors.since?.message}
        {...form.register("since")}
      />
      <Field
        label={t("audit.until")}
        type="datetime-local"
        error={errors.until?.message}
        {...form.register("until")}
      />
      <div className="flex items-end gap-2">
        <Button type="submit">{t("audit.apply")}</Button>
        <Button tone="ghost" onClick={() => onApply(EMPTY_AUDIT_FILTERS)}>
          {t("audit.clear")}
        </Button>
      </div>
    </form>
  );
}
