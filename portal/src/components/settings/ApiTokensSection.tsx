import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";

import type { Me, TokenCreated, TokenPublic } from "../../api/types";
import { formatDateTime } from "../../lib/format";
import { grantableScopes, scopeLabelKey, sortScopes } from "../../lib/scopes";
import { tokenState } from "../../lib/tokens";
import { useCreateToken } from "../../queries/tokens/useCreateToken";
import { useRevokeToken } from "../../queries/tokens/useRevokeToken";
import { useTokens } from "../../queries/tokens/useTokens";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { CopyButton } from "../ui/CopyButton";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Field } from "../ui/Field";
import { Notice } from "../ui/Notice";
import { Loading } from "../ui/Spinner";
import { type TokenCreateForm, expiryDays, tokenCreateSchema } from "./schemas";

const STATE_TONE = {
  active: "bg-emerald-100 text-emerald-800",
  expired: "bg-slate-200 text-slate-700",
  revoked: "bg-rose-100 text-rose-800",
};

/** API tokens for scripts: create (shown once), list, revoke. */
export function ApiTokensSection({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [created, setCreated] = useState<TokenCreated | null>(null);
  const tokens = useTokens();

  return (
    <Card title={t("tokens.title")} description={t("tokens.description")} testId="tokens-section">
      <div className="space-y-6">
        {created ? (
          <NewToken token={created} onDone={() => setCreated(null)} />
        ) : (
          <CreateTokenForm role={me.admin.role} onCreated={setCreated} />
        )}
        {tokens.isPending ? (
          <Loading />
        ) : tokens.isError ? (
          <ErrorNotice error={tokens.error} />
        ) : (
          <TokenList tokens={tokens.data} />
        )}
      </div>
    </Card>
  );
}

function NewToken({ token, onDone }: { token: TokenCreated; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="space-y-3" data-testid="new-token">
      <Notice tone="success">{t("tokens.showOnce", { name: token.name })}</Notice>
      <code
        className="block rounded-md bg-slate-900 px-3 py-2 font-mono text-sm break-all text-emerald-300"
        data-testid="new-token-value"
      >
        {token.token}
      </code>
      <div className="flex flex-wrap gap-2">
        <CopyButton text={token.token} />
        <Button tone="secondary" onClick={onDone}>
          {t("tokens.done")}
        </Button>
      </div>
    </div>
  );
}

function CreateTokenForm({
  role,
  onCreated,
}: {
  role: string;
  onCreated: (token: TokenCreated) => void;
}) {
  const { t } = useTranslation();
  const create = useCreateToken();
  const form = useForm<TokenCreateForm>({
    resolver: zodResolver(tokenCreateSchema),
    defaultValues: { name: "", scopes: ["read"], expiresInDays: "90" },
  });
  const errors = form.formState.errors;

  const submit = form.handleSubmit((values) =>
    create.mutate(
      {
        name: values.name,
        scopes: values.scopes,
        expires_in_days: expiryDays(values.expiresInDays),
      },
      {
        onSuccess: (token) => {
          form.reset();
          onCreated(token);
        },
      },
    ),
  );

  return (
    <form onSubmit={submit} className="space-y-4" noValidate data-testid="create-token">
      {create.error && <ErrorNotice error={create.error} />}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label={t("tokens.name")} error={errors.name?.message} {...form.register("name")} />
        <div>
          <label htmlFor="token-expiry" className="block text-sm font-medium text-slate-800">
            {t("tokens.expiry")}
          </label>
          <select
            id="token-expiry"
            className="mt-1 block w-full rounded-md border-0 px-3 py-2 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-teal-600 sm:text-sm"
            {...form.register("expiresInDays")}
          >
            {(["7", "30", "90", "365"] as const).map((days) => (
              <option key={days} value={days}>
                {t("tokens.expiresInDays", { count: Number(days) })}
              </option>
            ))}
            <option value="never">{t("tokens.neverExpires")}</option>
          </select>
        </div>
      </div>
      <fieldset>
        <legend className="text-sm font-medium text-slate-800">{t("tokens.scopes")}</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {grantableScopes(role).map((scope) => (
            <label key={scope} className="flex items-center gap-2 text-sm text-slate-700">
              <input
                type="checkbox"
                value={scope}
                className="h-4 w-4 rounded border-slate-300 text-teal-700"
                {...form.register("scopes")}
              />
              {t(scopeLabelKey(scope))}
              <code className="text-xs text-slate-400">{scope}</code>
            </label>
          ))}
        </div>
        {errors.scopes?.message && (
          <p className="mt-1 text-xs text-rose-700">{t(errors.scopes.message)}</p>
        )}
      </fieldset>
      <Button type="submit" disabled={create.isPending}>
        {t("tokens.create")}
      </Button>
    </form>
  );
}

function TokenList({ tokens }: { tokens: TokenPublic[] }) {
  const { t, i18n } = useTranslation();
  const revoke = useRevokeToken();
  if (tokens.length === 0) {
    return <p className="text-sm text-slate-500">{t("tokens.none")}</p>;
  }
  return (
    <div className="space-y-2">
      {revoke.error && <ErrorNotice error={revoke.error} />}
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <thead>
            <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
              <th className="py-2 pr-3">{t("tokens.name")}</th>
              <th className="py-2 pr-3">{t("tokens.scopes")}</th>
              <th className="py-2 pr-3">{t("tokens.expires")}</th>
              <th className="py-2 pr-3">{t("tokens.lastUsed")}</th>
              <th className="py-2 pr-3">{t("tokens.state")}</th>
              <th className="py-2" />
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {tokens.map((token) => {
              const state = tokenState(token);
              return (
                <tr
                  key={token.id}
                  data-testid="token-row"
                  data-name={token.name}
                  data-state={state}
                >
                  <td className="py-2 pr-3 whitespace-nowrap">
                    <div className="font-medium text-slate-900">{token.name}</div>
                    <div className="font-mono text-xs text-slate-500">{token.prefix}…</div>
                  </td>
                  <td className="py-2 pr-3">
                    <div className="flex min-w-48 flex-wrap gap-1">
                      {sortScopes(token.scopes).map((scope) => (
                        <span
                          key={scope}
                          className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700"
                          title={scope}
                        >
                          {t(scopeLabelKey(scope))}
                        </span>
                      ))}
                    </div>
                  </td>
                  <td className="py-2 pr-3 whitespace-nowrap text-slate-600">
                    {token.expires_at
                      ? formatDateTime(token.expires_at, i18n.language)
                      : t("tokens.never")}
                  </td>
                  <td className="py-2 pr-3 whitespace-nowrap text-slate-600">
                    {token.last_used_at
                      ? formatDateTime(token.last_used_at, i18n.language)
                      : t("tokens.neverUsed")}
                  </td>
                  <td className="py-2 pr-3">
                    <span
                      className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATE_TONE[state]}`}
                    >
                      {t(`tokens.states.${state}`)}
                    </span>
                  </td>
                  <td className="py-2 text-right">
                    {state === "active" && (
                      <Button
                        tone="secondary"
                        className="text-rose-700"
                        disabled={revoke.isPending}
                        onClick={() => {
                          if (window.confirm(t("tokens.revokeConfirm", { name: token.name }))) {
                            revoke.mutate(token.id);
                          }
                        }}
                      >
                        {t("tokens.revoke")}
                      </Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
