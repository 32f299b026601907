import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";

import type { MailDomain } from "../../api/types";
import { apiFieldErrors, serverMessage } from "../../lib/apiFields";
import { formatBytes } from "../../lib/mail";
import { useCreateMailDomain } from "../../queries/mail/useCreateMailDomain";
import { useDeleteMailDomain } from "../../queries/mail/useDeleteMailDomain";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Field } from "../ui/Field";
import { Notice } from "../ui/Notice";
import { useCanWriteMail } from "./canWriteMail";
import { ConfirmButton } from "./ConfirmButton";
import { type DomainCreateForm, domainCreateSchema } from "./schemas";

/** The hosted mail domains: pick one, add one, remove an empty one. */
export function DomainsCard({
  domains,
  selected,
  onSelect,
}: {
  domains: MailDomain[];
  selected: string | null;
  onSelect: (name: string) => void;
}) {
  const { t } = useTranslation();
  const canWrite = useCanWriteMail();
  const remove = useDeleteMailDomain();
  const refusal = remove.error ? serverMessage(remove.error) : null;
  return (
    <Card
      title={t("mailPage.domains")}
      description={t("mailPage.domainsDescription")}
      testId="mail-domains"
    >
      <div className="space-y-4">
        {remove.error && (
          <Notice tone="error" testId="domain-remove-error">
            {refusal ?? t("errors.unknown", { code: "" })}
          </Notice>
        )}
        {domains.length === 0 ? (
          <p className="text-sm text-slate-600">{t("mailPage.noDomains")}</p>
        ) : (
          <ul className="divide-y divide-slate-100">
            {domains.map((domain) => (
              <li
                key={domain.name}
                className="flex flex-wrap items-center justify-between gap-2 py-2"
                data-testid="domain-row"
                data-domain={domain.name}
              >
                <button
                  type="button"
                  onClick={() => onSelect(domain.name)}
                  aria-pressed={selected === domain.name}
                  className={`min-w-0 text-left text-sm ${selected === domain.name ? "font-semibold text-teal-800" : "text-slate-900"}`}
                >
                  <span className="block truncate">{domain.name}</span>
                  <span className="block text-xs font-normal text-slate-500">
                    {t("mailPage.domainCounts", {
                      mailboxes: domain.mailbox_count,
                      aliases: domain.alias_count,
                      quota: formatBytes(domain.default_quota_bytes),
                    })}
                    {!domain.active && ` · ${t("mailPage.inactive")}`}
                  </span>
                </button>
                {canWrite && (
                  <ConfirmButton
                    label={t("mailPage.removeDomain")}
                    confirmLabel={t("mailPage.confirmRemoveDomain", { name: domain.name })}
                    disabled={remove.isPending}
                    onConfirm={() => remove.mutate(domain.name)}
                  />
                )}
              </li>
            ))}
          </ul>
        )}
        {canWrite && <AddDomainForm onAdded={onSelect} />}
      </div>
    </Card>
  );
}

function AddDomainForm({ onAdded }: { onAdded: (name: string) => void }) {
  const { t } = useTranslation();
  const create = useCreateMailDomain();
  const form = useForm<DomainCreateForm>({
    resolver: zodResolver(domainCreateSchema),
    defaultValues: { name: "" },
  });
  const fieldErrors = apiFieldErrors(create.error);
  return (
    <form
      noValidate
      className="flex flex-wrap items-end gap-2 border-t border-slate-100 pt-4"
      data-testid="add-domain"
      onSubmit={form.handleSubmit((values) =>
        create.mutate(
          { name: values.name.trim().toLowerCase(), active: true },
          {
            onSuccess: (domain) => {
              form.reset();
              onAdded(domain.name);
            },
          },
        ),
      )}
    >
      <Field
        className="min-w-0 flex-1"
        label={t("mailPage.domainName")}
        placeholder="example.org"
        autoCapitalize="none"
        error={form.formState.errors.name?.message}
        serverError={fieldErrors.name}
        {...form.register("name")}
      />
      <Button type="submit" disabled={create.isPending}>
        {t("mailPage.addDomain")}
      </Button>
      {create.error && !fieldErrors.name && (
        <div className="w-full">
          <ErrorNotice error={create.error} />
        </div>
      )}
    </form>
  );
}
