import { zodResolver } from "@hookform/resolvers/zod";
import { useForm, useWatch } from "react-hook-form";
import { useTranslation } from "react-i18next";

import type { RecordSpec, RecordType } from "../../api/types";
import { RECORD_TYPES, TTL_CHOICES, canProxy, hasPriority, ttlLabel } from "../../lib/dns";
import { Button } from "../ui/Button";
import { Field } from "../ui/Field";
import { type RecordForm, recordSchema } from "./schemas";

const SELECT =
  "mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300 disabled:bg-slate-100";

/** Edits or adds one record; "Preview" hands the result to the plan preview. */
export function RecordEditor({
  initial,
  serverErrors,
  busy,
  onPreview,
  onCancel,
}: {
  initial: RecordSpec | null;
  serverErrors: Record<string, string>;
  busy: boolean;
  onPreview: (spec: RecordSpec) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const form = useForm<RecordForm>({
    resolver: zodResolver(recordSchema),
    defaultValues: {
      type: initial?.type ?? "A",
      name: initial?.name ?? "",
      content: initial?.content ?? "",
      priority:
        initial?.priority !== null && initial?.priority !== undefined
          ? String(initial.priority)
          : "",
      ttl: String(initial?.ttl ?? 1),
      proxied: initial?.proxied ?? false,
      comment: initial?.comment ?? "",
    },
  });
  const errors = form.formState.errors;
  const type = useWatch({ control: form.control, name: "type" }) as RecordType;
  const proxied = useWatch({ control: form.control, name: "proxied" });
  const proxiable = canProxy(type);
  return (
    <form
      noValidate
      className="grid gap-3 rounded-md bg-slate-50 p-3 sm:grid-cols-6"
      data-testid="record-editor"
      onSubmit={form.handleSubmit((values) =>
        onPreview({
          type: values.type as RecordType,
          name: values.name.trim(),
          content: values.content.trim(),
          priority: values.priority === "" ? null : Number(values.priority),
          ttl: Number(values.ttl) || 1,
          proxied: proxiable && values.proxied,
          comment: values.comment,
          tags: initial?.tags ?? [],
        }),
      )}
    >
      <label className="block text-sm font-medium text-slate-800">
        {t("dnsPage.type")}
        <select className={SELECT} aria-label={t("dnsPage.type")} {...form.register("type")}>
          {RECORD_TYPES.map((item) => (
            <option key={item} value={item}>
              {item}
            </option>
          ))}
        </select>
      </label>
      <Field
        className="sm:col-span-2"
        label={t("dnsPage.name")}
        autoCapitalize="none"
        hint={t("dnsPage.nameHint")}
        error={errors.name?.message}
        serverError={serverErrors.name}
        {...form.register("name")}
      />
      <Field
        className="sm:col-span-3"
        label={t("dnsPage.content")}
        autoCapitalize="none"
        error={errors.content?.message}
        serverError={serverErrors.content}
        {...form.register("content")}
      />
      {hasPriority(type) && (
        <Field
          label={t("dnsPage.priority")}
          inputMode="numeric"
          error={errors.priority?.message}
          serverError={serverErrors.priority}
          {...form.register("priority")}
        />
      )}
      <label className="block text-sm font-medium text-slate-800">
        {t("dnsPage.ttl")}
        <select
          className={SELECT}
          aria-label={t("dnsPage.ttl")}
          disabled={proxied && proxiable}
          {...form.register("ttl")}
        >
          {TTL_CHOICES.map((ttl) => {
            const label = ttlLabel(ttl, false);
            return (
              <option key={ttl} value={String(ttl)}>
                {label.auto ? t("dnsPage.auto") : label.text}
              </option>
            );
          })}
        </select>
        {proxied && proxiable && (
          <span className="mt-1 block text-xs font-normal text-slate-500">
            {t("dnsPage.ttlAutoProxied")}
          </span>
        )}
        {serverErrors.ttl && (
          <span className="mt-1 block text-xs text-rose-700">{serverErrors.ttl}</span>
        )}
      </label>
      <div className="sm:col-span-2">
        <label className="flex items-center gap-2 py-2 text-sm text-slate-800">
          <input type="checkbox" disabled={!proxiable} {...form.register("proxied")} />
          {t("dnsPage.proxied")}
        </label>
        {!proxiable && (
          <p className="text-xs text-slate-500" data-testid="proxy-explanation">
            {t("dnsPage.cannotProxy", { type })}
          </p>
        )}
        {serverErrors.proxied && <p className="text-xs text-rose-700">{serverErrors.proxied}</p>}
      </div>
      <Field
        className="sm:col-span-2"
        label={t("dnsPage.comment")}
        error={errors.comment?.message}
        serverError={serverErrors.comment}
        {...form.register("comment")}
      />
      <div className="flex flex-wrap gap-2 sm:col-span-6">
        <Button type="submit" disabled={busy}>
          {t("dnsPage.preview")}
        </Button>
        {onCancel && (
          <Button tone="ghost" onClick={onCancel}>
            {t("common.cancel")}
          </Button>
        )}
      </div>
    </form>
  );
}
