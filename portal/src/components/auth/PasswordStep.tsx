import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/errors";
import type { LoginAnswer } from "../../api/types";
import { useLogin } from "../../queries/auth/useLogin";
import { Button } from "../ui/Button";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Field } from "../ui/Field";
import { Notice } from "../ui/Notice";
import { LockoutNotice } from "./LockoutNotice";
import { type PasswordLogin, passwordLoginSchema } from "./schemas";

/** The first step of login: name and password. */
export function PasswordStep({ onAnswer }: { onAnswer: (answer: LoginAnswer) => void }) {
  const { t } = useTranslation();
  const login = useLogin();
  const form = useForm<PasswordLogin>({
    resolver: zodResolver(passwordLoginSchema),
    defaultValues: { username: "", password: "" },
  });

  const submit = form.handleSubmit((values) =>
    login.mutate(values, {
      onSuccess: onAnswer,
      onError: () => form.resetField("password"),
    }),
  );

  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <LoginError key={login.submittedAt} error={login.error} />
      <Field
        label={t("login.username")}
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        error={form.formState.errors.username?.message}
        {...form.register("username")}
      />
      <Field
        label={t("login.password")}
        type="password"
        autoComplete="current-password"
        error={form.formState.errors.password?.message}
        {...form.register("password")}
      />
      <Button type="submit" className="w-full" disabled={login.isPending}>
        {login.isPending ? t("login.signingIn") : t("login.signIn")}
      </Button>
    </form>
  );
}

/** The login form's answer to a refused attempt. */
export function LoginError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) {
    return null;
  }
  if (error instanceof ApiError && error.status === 429) {
    return <LockoutNotice retryAfterSeconds={error.retryAfterSeconds} />;
  }
  if (error instanceof ApiError && error.status === 401) {
    return (
      <Notice tone="error" testId="login-error">
        {t("login.invalidCredentials")}
      </Notice>
    );
  }
  return <ErrorNotice error={error} />;
}
