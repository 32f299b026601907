import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/errors";
import type { AdminPublic, Me, Role } from "../../api/types";
import { isLocked } from "../../lib/admins";
import { fieldsWithErrors } from "../../lib/errorMessage";
import { formatDateTime } from "../../lib/format";
import { useAdmins } from "../../queries/admins/useAdmins";
import { useCreateAdmin } from "../../queries/admins/useCreateAdmin";
import { useUnlockAdmin } from "../../queries/admins/useUnlockAdmin";
import { useUpdateAdmin } from "../../queries/admins/useUpdateAdmin";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { ErrorNotice } from "../ui/ErrorNotice";
import { Field } from "../ui/Field";
import { Loading } from "../ui/Spinner";
import { type AdminCreateForm, adminCreateSchema } from "./schemas";

/** Every admin account: create, change role, unlock, disable. */
export function AdminsSection({ me }: { me: Me }) {
  const { t } = useTranslation();
  const admins = useAdmins();
  return (
    <Card title={t("admins.title")} description={t("admins.description")} testId="admins-section">
      <div className="space-y-6">
        {admins.isPending ? (
          <Loading />
        ) : admins.isError ? (
          <ErrorNotice error={admins.error} />
        ) : (
          <AdminList admins={admins.data} selfId={me.admin.id} />
        )}
        <CreateAdminForm />
      </div>
    </Card>
  );
}

function AdminList({ admins, selfId }: { admins: AdminPublic[]; selfId: number }) {
  const { t, i18n } = useTranslation();
  const update = useUpdateAdmin();
  const unlock = useUnlockAdmin();
  const error = update.error ?? unlock.error;
  return (
    <div className="space-y-2">
      {error && <ErrorNotice error={error} />}
      <div className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <thead>
            <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
              <th className="py-2 pr-3">{t("admins.username")}</th>
              <th className="py-2 pr-3">{t("admins.role")}</th>
              <th className="py-2 pr-3">{t("admins.twoFactor")}</th>
              <th className="py-2 pr-3">{t("admins.lastLogin")}</th>
              <th className="py-2 pr-3">{t("admins.state")}</th>
              <th className="py-2" />
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {admins.map((admin) => {
              const locked = isLocked(admin);
              const self = admin.id === selfId;
              return (
                <tr key={admin.id} data-testid="admin-row" data-username={admin.username}>
                  <td className="py-2 pr-3 font-medium whitespace-nowrap text-slate-900">
                    {admin.username}
                    {self && (
                      <span className="ml-1 text-xs font-normal text-slate-500">
                        {t("admins.you")}
                      </span>
                    )}
                  </td>
                  <td className="py-2 pr-3">
                    <select
                      value={admin.role}
                      disabled={self || update.isPending}
                      aria-label={t("admins.roleOf", { name: admin.username })}
                      onChange={(event) =>
                        update.mutate({ adminId: admin.id, role: event.target.value as Role })
                      }
                      className="rounded-md border-0 py-1 pr-7 pl-2 text-sm ring-1 ring-inset ring-slate-300 disabled:opacity-60"
                    >
                      <option value="admin">{t("roles.admin")}</option>
                      <option value="viewer">{t("roles.viewer")}</option>
                    </select>
                  </td>
                  <td className="py-2 pr-3 whitespace-nowrap">
                    {admin.totp_enabled ? t("admins.totpOn") : t("admins.totpOff")}
                  </td>
                  <td className="py-2 pr-3 whitespace-nowrap text-slate-600">
                    {admin.last_login_at
                      ? formatDateTime(admin.last_login_at, i18n.language)
                      : t("admins.never")}
                  </td>
                  <td className="py-2 pr-3 whitespace-nowrap" data-testid="admin-state">
                    {admin.disabled
                      ? t("admins.disabled")
                      : locked
                        ? t("admins.lockedUntil", {
                            time: formatDateTime(admin.locked_until, i18n.language),
                          })
                        : t("admins.active")}
                  </td>
                  <td className="space-x-2 py-2 text-right whitespace-nowrap">
                    {locked && (
                      <Button
                        tone="secondary"
                        disabled={unlock.isPending}
                        onClick={() => unlock.mutate(admin.id)}
                      >
                        {t("admins.unlock")}
                      </Button>
                    )}
                    {!self && (
                      <Button
                        tone="secondary"
                        disabled={update.isPending}
                        onClick={() =>
                          update.mutate({ adminId: admin.id, disabled: !admin.disabled })
                        }
                      >
                        {admin.disabled ? t("admins.enable") : t("admins.disable")}
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

function CreateAdminForm() {
  const { t } = useTranslation();
  const create = useCreateAdmin();
  const form = useForm<AdminCreateForm>({
    resolver: zodResolver(adminCreateSchema),
    defaultValues: { username: "", password: "", role: "viewer" },
  });
  const errors = form.formState.errors;
  return (
    <form
      onSubmit={form.handleSubmit((values) =>
        create.mutate(values, {
          onSuccess: () => form.reset(),
          onError: (error) => {
            // The gateway's own checks (password strength) land on their fields.
            const fields = error instanceof ApiError ? fieldsWithErrors(error.details) : [];
            if (fields.includes("password")) {
              form.setError("password", { message: "validation.passwordRejected" });
            }
            if (fields.includes("username")) {
              form.setError("username", { message: "validation.usernameRejected" });
            }
          },
        }),
      )}
      className="space-y-3 border-t border-slate-100 pt-4"
      noValidate
      data-testid="create-admin"
    >
      <h3 className="text-sm font-semibold text-slate-900">{t("admins.create")}</h3>
      {create.error && <ErrorNotice error={create.error} />}
      <div className="grid gap-3 sm:grid-cols-3">
        <Field
          label={t("admins.username")}
          autoComplete="off"
          autoCapitalize="none"
          error={errors.username?.message}
          {...form.register("username")}
        />
        <Field
          label={t("admins.password")}
          type="password"
          autoComplete="new-password"
          error={errors.password?.message}
          {...form.register("password")}
        />
        <div>
          <label htmlFor="admin-role" className="block text-sm font-medium text-slate-800">
            {t("admins.role")}
          </label>
          <select
            id="admin-role"
            className="mt-1 block w-full rounded-md border-0 px-3 py-2 shadow-sm ring-1 ring-inset ring-slate-300 sm:text-sm"
            {...form.register("role")}
          >
            <option value="viewer">{t("roles.viewer")}</option>
            <option value="admin">{t("roles.admin")}</option>
          </select>
        </div>
      </div>
      <Button type="submit" disabled={create.isPending}>
        {t("admins.createButton")}
      </Button>
    </form>
  );
}
