import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";

import type { MailAlias } from "../../api/types";
import { apiFieldErrors } from "../../lib/apiFields";
import { parseDestinations } from "../../lib/mail";
import { useAliases } from "../../queries/mail/useAliases";
import { useCreateAlias } from "../../queries/mail/useCreateAlias";
import { useDeleteAlias } from "../../queries/mail/useDeleteAlias";
import { useUpdateAlias } from "../../queries/mail/useUpdateAlias";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Field } from "../ui/Field";
import { Loading } from "../ui/Spinner";
import { useCanWriteMail } from "./canWriteMail";
import { ConfirmButton } from "./ConfirmButton";
import { type AliasForm, aliasSchema } from "./schemas";

/** A domain's aliases: list, add, edit destinations, remove. */
export function AliasesCard({ domain }: { domain: string }) {
  const canWrite = useCanWriteMail();
  const { t } = useTranslation();
  const aliases = useAliases(domain);
  const remove = useDeleteAlias();
  return (
    <Card title={t("mailPage.aliases", { domain })} testId="aliases">
      <div className="space-y-4">
        {remove.error && <ErrorNotice error={remove.error} />}
        {aliases.isPending ? (
          <Loading />
        ) : aliases.isError ? (
          <ErrorNotice error={aliases.error} />
        ) : aliases.data.aliases.length === 0 ? (
          <p className="text-sm text-slate-600">{t("mailPage.noAliases")}</p>
        ) : (
          <ul className="divide-y divide-slate-100">
            {aliases.data.aliases.map((alias) => (
              <AliasRow
                key={alias.source}
                alias={alias}
                onRemove={() => remove.mutate(alias.source)}
                removing={remove.isPending}
              />
            ))}
          </ul>
        )}
        {canWrite && <AliasEditor domain={domain} />}
      </div>
    </Card>
  );
}

function AliasRow({
  alias,
  onRemove,
  removing,
}: {
  alias: MailAlias;
  onRemove: () => void;
  removing: boolean;
}) {
  const canWrite = useCanWriteMail();
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  return (
    <li className="space-y-2 py-2" data-testid="alias-row" data-source={alias.source}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="min-w-0 text-sm">
          <p className="truncate font-medium text-slate-900">{alias.source}</p>
          <p className="text-xs break-all text-slate-600">→ {alias.destinations.join(", ")}</p>
        </div>
        {canWrite && (
          <div className="flex flex-wrap gap-2">
            <Button tone="secondary" onClick={() => setEditing(!editing)}>
              {t("mailPage.edit")}
            </Button>
            <ConfirmButton
              label={t("mailPage.removeAlias")}
              confirmLabel={t("mailPage.confirmRemoveAlias")}
              disabled={removing}
              onConfirm={onRemove}
            />
          </div>
        )}
      </div>
      {editing && (
        <AliasEditor domain={alias.domain} alias={alias} onDone={() => setEditing(false)} />
      )}
    </li>
  );
}

function AliasEditor({
  domain,
  alias,
  onDone,
}: {
  domain: string;
  alias?: MailAlias;
  onDone?: () => void;
}) {
  const { t } = useTranslation();
  const create = useCreateAlias();
  const update = useUpdateAlias();
  const mutation = alias ? update : create;
  const form = useForm<AliasForm>({
    resolver: zodResolver(aliasSchema),
    defaultValues: {
      source: alias ? alias.source.split("@")[0] : "",
      destinations: alias ? alias.destinations.join("\n") : "",
    },
  });
  const errors = form.formState.errors;
  const server = apiFieldErrors(mutation.error);
  return (
    <form
      noValidate
      className={
        alias ? "space-y-3 rounded-md bg-slate-50 p-3" : "space-y-3 border-t border-slate-100 pt-4"
      }
      data-testid={alias ? "edit-alias" : "add-alias"}
      onSubmit={form.handleSubmit((values) => {
        const destinations = parseDestinations(values.destinations);
        const done = {
          onSuccess: () => {
            if (!alias) form.reset();
            onDone?.();
          },
        };
        if (alias) {
          update.mutate({ source: alias.source, destinations }, done);
        } else {
          create.mutate({ source: `${values.source.trim()}@${domain}`, destinations }, done);
        }
      })}
    >
      {!alias && <h3 className="text-sm font-semibold text-slate-900">{t("mailPage.addAlias")}</h3>}
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          label={t("mailPage.aliasSource", { domain })}
          autoCapitalize="none"
          disabled={Boolean(alias)}
          error={errors.source?.message}
          serverError={server.source}
          {...form.register("source")}
        />
        <div>
          <label className="block text-sm font-medium text-slate-800">
            {t("mailPage.destinations")}
            <textarea
              rows={2}
              className="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm font-normal ring-1 ring-inset ring-slate-300"
              {...form.register("destinations")}
            />
          </label>
          {(errors.destinations?.message || server.destinations) && (
            <p className="mt-1 text-xs text-rose-700" data-testid="field-error">
              {errors.destinations?.message ? t(errors.destinations.message) : server.destinations}
            </p>
          )}
          {!errors.destinations && !server.destinations && (
            <p className="mt-1 text-xs text-slate-500">{t("mailPage.destinationsHint")}</p>
          )}
        </div>
      </div>
      {mutation.error && Object.keys(server).length === 0 && <ErrorNotice error={mutation.error} />}
      <Button type="submit" disabled={mutation.isPending}>
        {alias ? t("mailPage.save") : t("mailPage.addAliasButton")}
      </Button>
    </form>
  );
}
