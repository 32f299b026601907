import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";

import type { LoginAnswer } from "../../api/types";
import { useLoginTotp } from "../../queries/auth/useLoginTotp";
import { Button } from "../ui/Button";
import { Field } from "../ui/Field";
import { LoginError } from "./PasswordStep";
import { type CodeForm, codeSchema } from "./schemas";

/** The second step of login: a TOTP code from the app, or a recovery code. */
export function CodeStep({
  loginToken,
  onAnswer,
  onRestart,
}: {
  loginToken: string;
  onAnswer: (answer: LoginAnswer) => void;
  onRestart: () => void;
}) {
  const { t } = useTranslation();
  const loginTotp = useLoginTotp();
  const form = useForm<CodeForm, unknown, { code: string }>({
    resolver: zodResolver(codeSchema),
    defaultValues: { code: "" },
  });

  const submit = form.handleSubmit(({ code }) =>
    loginTotp.mutate(
      { login_token: loginToken, code },
      { onSuccess: onAnswer, onError: () => form.resetField("code") },
    ),
  );
  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <p className="text-sm text-slate-600">{t("login.codePrompt")}</p>
      <LoginError key={loginTotp.submittedAt} error={loginTotp.error} />
      <Field
        label={t("login.code")}
        autoComplete="one-time-code"
        inputMode="text"
        autoFocus
        hint={t("login.codeHint")}
        error={form.formState.errors.code?.message}
        {...form.register("code")}
      />
      <Button type="submit" className="w-full" disabled={loginTotp.isPending}>
        {t("login.verify")}
      </Button>
      <Button tone="ghost" className="w-full" onClick={onRestart}>
        {t("login.back")}
      </Button>
    </form>
  );
}
