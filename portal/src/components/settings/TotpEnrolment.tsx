import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";

import { svgDataUri } from "../../lib/qr";
import { useConfirmTotp } from "../../queries/auth/useConfirmTotp";
import { useEnrollTotp } from "../../queries/auth/useEnrollTotp";
import { Button } from "../ui/Button";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Field } from "../ui/Field";
import { RecoveryCodes } from "./RecoveryCodes";
import { type TotpCodeForm, totpCodeSchema } from "./schemas";

/** 2FA enrolment: a new secret as a QR code, a first code to confirm, the recovery codes. */
export function TotpEnrolment({ onDone, onCancel }: { onDone: () => void; onCancel?: () => void }) {
  const { t } = useTranslation();
  const enroll = useEnrollTotp();
  const confirm = useConfirmTotp();
  const form = useForm<TotpCodeForm, unknown, { code: string }>({
    resolver: zodResolver(totpCodeSchema),
    defaultValues: { code: "" },
  });

  if (confirm.data) {
    return <RecoveryCodes codes={confirm.data.recovery_codes} onDone={onDone} />;
  }
  if (!enroll.data) {
    return (
      <div className="space-y-3">
        {enroll.error && <ErrorNotice error={enroll.error} />}
        <div className="flex flex-wrap gap-2">
          <Button
            onClick={() => enroll.mutate()}
            disabled={enroll.isPending}
            data-testid="start-enrolment"
          >
            {t("totp.start")}
          </Button>
          {onCancel && (
            <Button tone="ghost" onClick={onCancel}>
              {t("common.cancel")}
            </Button>
          )}
        </div>
      </div>
    );
  }

  const submit = form.handleSubmit(({ code }) =>
    confirm.mutate(code, { onError: () => form.resetField("code") }),
  );
  return (
    <div className="grid gap-6 sm:grid-cols-[auto_1fr]">
      <img
        src={svgDataUri(enroll.data.qr_svg)}
        alt={t("totp.qrAlt")}
        className="h-48 w-48 rounded-md bg-white p-2 ring-1 ring-slate-200"
        data-testid="totp-qr"
      />
      <div className="space-y-4">
        <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-700">
          <li>{t("totp.stepScan")}</li>
          <li>{t("totp.stepConfirm")}</li>
        </ol>
        <div>
          <p className="text-xs text-slate-500">{t("totp.secretLabel")}</p>
          <code
            className="mt-1 block break-all rounded bg-slate-100 px-2 py-1 font-mono text-sm"
            data-testid="totp-secret"
          >
            {enroll.data.secret}
          </code>
        </div>
        <form onSubmit={submit} className="space-y-3" noValidate>
          {confirm.error && <ErrorNotice error={confirm.error} />}
          <Field
            label={t("totp.code")}
            inputMode="numeric"
            autoComplete="one-time-code"
            error={form.formState.errors.code?.message}
            {...form.register("code")}
          />
          <div className="flex flex-wrap gap-2">
            <Button type="submit" disabled={confirm.isPending}>
              {t("totp.confirm")}
            </Button>
            {onCancel && (
              <Button tone="ghost" onClick={onCancel}>
                {t("common.cancel")}
              </Button>
            )}
          </div>
        </form>
      </div>
    </div>
  );
}
