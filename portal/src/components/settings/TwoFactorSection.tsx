import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";

import type { Me } from "../../api/types";
import { useDisableTotp } from "../../queries/auth/useDisableTotp";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Field } from "../ui/Field";
import { Notice } from "../ui/Notice";
import { TotpEnrolment } from "./TotpEnrolment";
import { type TotpCodeForm, totpCodeSchema } from "./schemas";

/** The signed-in admin's own 2FA: enrol, or turn it off. */
export function TwoFactorSection({ me, enforced }: { me: Me; enforced: boolean }) {
  const { t } = useTranslation();
  const [enrolling, setEnrolling] = useState(false);
  const enabled = me.admin.totp_enabled;

  return (
    <Card title={t("totp.title")} description={t("totp.description")} testId="totp-section">
      <p className="mb-4 text-sm" data-testid="totp-state" data-enabled={enabled}>
        {enabled ? t("totp.enabled") : t("totp.disabled")}
      </p>
      {enrolling ? (
        <TotpEnrolment onDone={() => setEnrolling(false)} onCancel={() => setEnrolling(false)} />
      ) : enabled ? (
        enforced ? (
          <Notice>{t("totp.enforcedKeep")}</Notice>
        ) : (
          <DisableTotp />
        )
      ) : (
        <Button onClick={() => setEnrolling(true)} data-testid="enable-totp">
          {t("totp.enable")}
        </Button>
      )}
    </Card>
  );
}

function DisableTotp() {
  const { t } = useTranslation();
  const disable = useDisableTotp();
  const form = useForm<TotpCodeForm, unknown, { code: string }>({
    resolver: zodResolver(totpCodeSchema),
    defaultValues: { code: "" },
  });
  return (
    <form
      onSubmit={form.handleSubmit(({ code }) =>
        disable.mutate(code, { onSettled: () => form.reset() }),
      )}
      className="flex flex-wrap items-end gap-2"
      noValidate
    >
      {disable.error && (
        <div className="w-full">
          <ErrorNotice error={disable.error} />
        </div>
      )}
      <Field
        label={t("totp.codeToDisable")}
        inputMode="numeric"
        autoComplete="one-time-code"
        error={form.formState.errors.code?.message}
        {...form.register("code")}
      />
      <Button type="submit" tone="danger" disabled={disable.isPending}>
        {t("totp.disable")}
      </Button>
    </form>
  );
}
