import { zodResolver } from "@hookform/resolvers/zod";
import { useEffect } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { z } from "zod";

import {
  EMPTY_MAIL_FILTERS,
  MESSAGE_STATES,
  type MailFilters,
  VERDICTS,
} from "../../lib/mailMessages";
import { Button } from "../ui/Button";
import { Field } from "../ui/Field";

const filtersSchema = z.object({
  recipient: z.string().max(320, "validation.tooLong"),
  verdict: z.enum(["", ...VERDICTS]),
  state: z.enum(["", ...MESSAGE_STATES]),
});

const SELECT =
  "mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-teal-600 sm:text-sm";

/** The mail page's filters: recipient address, verdict and state. */
export function MessageFilterForm({
  filters,
  onApply,
}: {
  filters: MailFilters;
  onApply: (filters: MailFilters) => void;
}) {
  const { t } = useTranslation();
  const form = useForm<MailFilters>({
    resolver: zodResolver(filtersSchema),
    defaultValues: filters,
  });
  useEffect(() => form.reset(filters), [filters, form]);
  const errors = form.formState.errors;

  return (
    <form
      onSubmit={form.handleSubmit(onApply)}
      className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4"
      role="search"
      data-testid="message-filters"
      noValidate
    >
      <Field
        label={t("mailFlow.filters.recipient")}
        type="search"
        placeholder={t("mailFlow.filters.recipientPlaceholder")}
        error={errors.recipient?.message}
        {...form.register("recipient")}
      />
      <div>
        <label className="block text-sm font-medium text-slate-800" htmlFor="mail-verdict">
          {t("mailFlow.filters.verdict")}
        </label>
        <select id="mail-verdict" className={SELECT} {...form.register("verdict")}>
          <option value="">{t("mailFlow.filters.anyVerdict")}</option>
          {VERDICTS.map((verdict) => (
            <option key={verdict} value={verdict}>
              {t(`mailFlow.verdicts.${verdict}`)}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label className="block text-sm font-medium text-slate-800" htmlFor="mail-state">
          {t("mailFlow.filters.state")}
        </label>
        <select id="mail-state" className={SELECT} {...form.register("state")}>
          <option value="">{t("mailFlow.filters.anyState")}</option>
          {MESSAGE_STATES.map((state) => (
            <option key={state} value={state}>
              {t(`mailFlow.states.${state}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="flex items-end gap-2">
        <Button type="submit">{t("mailFlow.filters.apply")}</Button>
        <Button tone="ghost" onClick={() => onApply(EMPTY_MAIL_FILTERS)}>
          {t("mailFlow.filters.clear")}
        </Button>
      </div>
    </form>
  );
}
