import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm, useWatch } from "react-hook-form";
import { useTranslation } from "react-i18next";

import type { Mailbox } from "../../api/types";
import { apiFieldErrors } from "../../lib/apiFields";
import { pageCount } from "../../lib/audit";
import { bytesToMegabytes, megabytesToBytes } from "../../lib/mail";
import { MAILBOX_PAGE_SIZE, useMailboxes } from "../../queries/mail/useMailboxes";
import { useCreateMailbox } from "../../queries/mail/useCreateMailbox";
import { useDeleteMailbox } from "../../queries/mail/useDeleteMailbox";
import { useResetMailboxPassword } from "../../queries/mail/useResetMailboxPassword";
import { useUpdateMailbox } from "../../queries/mail/useUpdateMailbox";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { CopyButton } from "../ui/CopyButton";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Field } from "../ui/Field";
import { Notice } from "../ui/Notice";
import { Pagination } from "../ui/Pagination";
import { Loading } from "../ui/Spinner";
import { PasswordStrength } from "./PasswordStrength";
import { UsageBar } from "./UsageBar";
import { useCanWriteMail } from "./canWriteMail";
import {
  type MailboxCreateForm,
  type MailboxEditForm,
  mailboxCreateSchema,
  mailboxEditSchema,
} from "./schemas";

/** A domain's mailboxes: search, pages, create, edit, reset, delete. */
export function MailboxesCard({
  domain,
  onSetup,
}: {
  domain: string;
  onSetup: (address: string) => void;
}) {
  const { t } = useTranslation();
  const canWrite = useCanWriteMail();
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(1);
  const mailboxes = useMailboxes(domain, search, page);
  return (
    <Card title={t("mailPage.mailboxes", { domain })} testId="mailboxes">
      <div className="space-y-4">
        <input
          type="search"
          value={search}
          onChange={(event) => {
            setSearch(event.target.value);
            setPage(1);
          }}
          placeholder={t("mailPage.search")}
          aria-label={t("mailPage.search")}
          className="block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300"
        />
        {mailboxes.isPending ? (
          <Loading />
        ) : mailboxes.isError ? (
          <ErrorNotice error={mailboxes.error} />
        ) : mailboxes.data.mailboxes.length === 0 ? (
          <p className="text-sm text-slate-600">{t("mailPage.noMailboxes")}</p>
        ) : (
          <>
            <ul className="divide-y divide-slate-100">
              {mailboxes.data.mailboxes.map((mailbox) => (
                <MailboxRow key={mailbox.address} mailbox={mailbox} onSetup={onSetup} />
              ))}
            </ul>
            <Pagination
              page={page}
              pages={pageCount(mailboxes.data.total, MAILBOX_PAGE_SIZE)}
              total={mailboxes.data.total}
              onPage={setPage}
            />
          </>
        )}
        {canWrite && <CreateMailboxForm domain={domain} />}
      </div>
    </Card>
  );
}

type Panel = "none" | "edit" | "password" | "delete";

function MailboxRow({
  mailbox,
  onSetup,
}: {
  mailbox: Mailbox;
  onSetup: (address: string) => void;
}) {
  const canWrite = useCanWriteMail();
  const { t } = useTranslation();
  const [panel, setPanel] = useState<Panel>("none");
  const toggle = (next: Panel) => setPanel(panel === next ? "none" : next);
  return (
    <li className="space-y-2 py-3" data-testid="mailbox-row" data-address={mailbox.address}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="min-w-0">
          <p className="truncate text-sm font-medium text-slate-900">{mailbox.address}</p>
          <p className="text-xs text-slate-500">
            {mailbox.display_name || t("mailPage.noDisplayName")}
            {!mailbox.enabled && ` · ${t("mailPage.disabled")}`}
          </p>
        </div>
        <div className="w-full sm:w-48">
          <UsageBar address={mailbox.address} />
        </div>
      </div>
      <div className="flex flex-wrap gap-2">
        {canWrite && (
          <>
            <Button tone="secondary" onClick={() => toggle("edit")}>
              {t("mailPage.edit")}
            </Button>
            <Button tone="secondary" onClick={() => toggle("password")}>
              {t("mailPage.resetPassword")}
            </Button>
          </>
        )}
        <Button tone="secondary" onClick={() => onSetup(mailbox.address)}>
          {t("mailPage.clientSetup")}
        </Button>
        {canWrite && (
          <Button tone="secondary" onClick={() => toggle("delete")}>
            {t("mailPage.delete")}
          </Button>
        )}
      </div>
      {panel === "edit" && <EditMailbox mailbox={mailbox} onDone={() => setPanel("none")} />}
      {panel === "password" && <ResetPassword address={mailbox.address} />}
      {panel === "delete" && <DeleteMailbox address={mailbox.address} />}
    </li>
  );
}

function EditMailbox({ mailbox, onDone }: { mailbox: Mailbox; onDone: () => void }) {
  const { t } = useTranslation();
  const update = useUpdateMailbox();
  const form = useForm<MailboxEditForm>({
    resolver: zodResolver(mailboxEditSchema),
    defaultValues: {
      displayName: mailbox.display_name,
      quotaMb: String(bytesToMegabytes(mailbox.quota_bytes)),
      enabled: mailbox.enabled,
    },
  });
  const errors = form.formState.errors;
  const server = apiFieldErrors(update.error);
  return (
    <form
      noValidate
      className="grid gap-3 rounded-md bg-slate-50 p-3 sm:grid-cols-3"
      data-testid="edit-mailbox"
      onSubmit={form.handleSubmit((values) =>
        update.mutate(
          {
            address: mailbox.address,
            display_name: values.displayName.trim(),
            quota_bytes: megabytesToBytes(Number(values.quotaMb)),
            enabled: values.enabled,
          },
          { onSuccess: onDone },
        ),
      )}
    >
      <Field
        label={t("mailPage.displayName")}
        error={errors.displayName?.message}
        serverError={server.display_name}
        {...form.register("displayName")}
      />
      <Field
        label={t("mailPage.quotaMb")}
        inputMode="numeric"
        error={errors.quotaMb?.message}
        serverError={server.quota_bytes}
        {...form.register("quotaMb")}
      />
      <label className="flex items-center gap-2 self-end py-2 text-sm text-slate-800">
        <input type="checkbox" {...form.register("enabled")} />
        {t("mailPage.enabled")}
      </label>
      {update.error && Object.keys(server).length === 0 && (
        <div className="sm:col-span-3">
          <ErrorNotice error={update.error} />
        </div>
      )}
      <div className="sm:col-span-3">
        <Button type="submit" disabled={update.isPending}>
          {t("mailPage.save")}
        </Button>
      </div>
    </form>
  );
}

function ResetPassword({ address }: { address: string }) {
  const { t } = useTranslation();
  const reset = useResetMailboxPassword();
  const [password, setPassword] = useState("");
  const server = apiFieldErrors(reset.error);
  return (
    <div className="space-y-2 rounded-md bg-slate-50 p-3" data-testid="reset-password">
      <Field
        label={t("mailPage.newPassword")}
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        hint={t("mailPage.emptyGenerates")}
        serverError={server.password}
      />
      <PasswordStrength password={password} />
      <Button
        disabled={reset.isPending}
        onClick={() => reset.mutate({ address, password: password === "" ? null : password })}
      >
        {t("mailPage.setPassword")}
      </Button>
      {reset.error && !server.password && <ErrorNotice error={reset.error} />}
      {reset.data && (
        <Notice tone="success" testId="password-set">
          {reset.data.generated_password ? (
            <span className="flex flex-wrap items-center gap-2">
              {t("mailPage.generatedOnce")}
              <code className="font-mono" data-testid="generated-password">
                {reset.data.generated_password}
              </code>
              <CopyButton text={reset.data.generated_password} />
            </span>
          ) : (
            t("mailPage.passwordChanged")
          )}
        </Notice>
      )}
    </div>
  );
}

function DeleteMailbox({ address }: { address: string }) {
  const { t } = useTranslation();
  const remove = useDeleteMailbox();
  const [typed, setTyped] = useState("");
  const server = apiFieldErrors(remove.error);
  const matches = typed.trim().toLowerCase() === address.toLowerCase();
  return (
    <div className="space-y-2 rounded-md bg-rose-50 p-3" data-testid="delete-mailbox">
      <p className="text-sm text-rose-900">{t("mailPage.deleteWarning", { address })}</p>
      <Field
        label={t("mailPage.typeAddress")}
        autoComplete="off"
        autoCapitalize="none"
        value={typed}
        onChange={(event) => setTyped(event.target.value)}
        serverError={server.confirm_address}
      />
      <Button
        tone="danger"
        disabled={!matches || remove.isPending}
        onClick={() => remove.mutate({ address, confirm: typed.trim() })}
      >
        {t("mailPage.deleteForGood")}
      </Button>
      {remove.error && !server.confirm_address && <ErrorNotice error={remove.error} />}
    </div>
  );
}

function CreateMailboxForm({ domain }: { domain: string }) {
  const { t } = useTranslation();
  const create = useCreateMailbox();
  const form = useForm<MailboxCreateForm>({
    resolver: zodResolver(mailboxCreateSchema),
    defaultValues: {
      localPart: "",
      displayName: "",
      quotaMb: "",
      passwordMode: "generate",
      password: "",
    },
  });
  const errors = form.formState.errors;
  const server = apiFieldErrors(create.error);
  const mode = useWatch({ control: form.control, name: "passwordMode" });
  const password = useWatch({ control: form.control, name: "password" });
  return (
    <form
      noValidate
      className="space-y-3 border-t border-slate-100 pt-4"
      data-testid="create-mailbox"
      onSubmit={form.handleSubmit((values) =>
        create.mutate(
          {
            address: `${values.localPart.trim()}@${domain}`,
            display_name: values.displayName.trim(),
            quota_bytes:
              values.quotaMb.trim() === "" ? null : megabytesToBytes(Number(values.quotaMb)),
            password: values.passwordMode === "type" ? values.password : null,
            enabled: true,
          },
          { onSuccess: () => form.reset() },
        ),
      )}
    >
      <h3 className="text-sm font-semibold text-slate-900">{t("mailPage.createMailbox")}</h3>
      <div className="grid gap-3 sm:grid-cols-3">
        <Field
          label={t("mailPage.localPart", { domain })}
          autoCapitalize="none"
          autoComplete="off"
          error={errors.localPart?.message}
          serverError={server.address}
          {...form.register("localPart")}
        />
        <Field
          label={t("mailPage.displayName")}
          error={errors.displayName?.message}
          serverError={server.display_name}
          {...form.register("displayName")}
        />
        <Field
          label={t("mailPage.quotaMb")}
          inputMode="numeric"
          hint={t("mailPage.quotaDefault")}
          error={errors.quotaMb?.message}
          serverError={server.quota_bytes}
          {...form.register("quotaMb")}
        />
      </div>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800">{t("mailPage.password")}</legend>
        <label className="mr-4 inline-flex items-center gap-2 text-sm">
          <input type="radio" value="generate" {...form.register("passwordMode")} />
          {t("mailPage.generatePassword")}
        </label>
        <label className="inline-flex items-center gap-2 text-sm">
          <input type="radio" value="type" {...form.register("passwordMode")} />
          {t("mailPage.typePassword")}
        </label>
        {mode === "type" && (
          <div>
            <Field
              label={t("mailPage.password")}
              type="password"
              autoComplete="new-password"
              error={errors.password?.message}
              serverError={server.password}
              {...form.register("password")}
            />
            <PasswordStrength password={password} />
          </div>
        )}
      </fieldset>
      {create.error && Object.keys(server).length === 0 && <ErrorNotice error={create.error} />}
      <Button type="submit" disabled={create.isPending}>
        {t("mailPage.createButton")}
      </Button>
      {create.data && (
        <Notice tone="success" testId="mailbox-created">
          <span className="flex flex-wrap items-center gap-2">
            {t("mailPage.created", { address: create.data.mailbox.address })}
            {create.data.generated_password && (
              <>
                {t("mailPage.generatedOnce")}
                <code className="font-mono" data-testid="generated-password">
                  {create.data.generated_password}
                </code>
                <CopyButton text={create.data.generated_password} />
              </>
            )}
          </span>
        </Notice>
      )}
    </form>
  );
}
