import { useTranslation } from "react-i18next";

import type { EdgeSetting } from "../../api/types";
import { edgeSettingMode } from "../../lib/security";
import { useSetEdgeSetting } from "../../queries/dns/useSetEdgeSetting";
import { Card } from "../ui/Card";
import { ErrorNotice } from "../ui/ErrorNotice";

/** The zone's edge settings: a choice where the token may write, else read-only. */
export function EdgeSettingsCard({ zone, settings }: { zone: string; settings: EdgeSetting[] }) {
  const { t, i18n } = useTranslation();
  const change = useSetEdgeSetting();
  const valueLabel = (value: string) =>
    i18n.exists(`securityPage.values.${value}`) ? t(`securityPage.values.${value}`) : value;
  return (
    <Card
      title={t("securityPage.edge")}
      description={t("securityPage.edgeDescription")}
      testId="edge-settings"
    >
      <div className="space-y-4">
        {change.error && <ErrorNotice error={change.error} />}
        <dl className="divide-y divide-slate-100">
          {settings.map((setting) => {
            const mode = edgeSettingMode(setting);
            return (
              <div
                key={setting.id}
                className="flex flex-wrap items-center justify-between gap-2 py-3"
                data-testid="edge-setting"
                data-setting={setting.id}
                data-mode={mode}
              >
                <dt className="text-sm font-medium text-slate-900">
                  {t(`securityPage.settings.${setting.id}`)}
                </dt>
                <dd className="text-sm text-slate-700">
                  {mode === "editable" ? (
                    <select
                      value={setting.value ?? ""}
                      disabled={change.isPending}
                      aria-label={t(`securityPage.settings.${setting.id}`)}
                      onChange={(event) =>
                        change.mutate({ zone, setting: setting.id, value: event.target.value })
                      }
                      className="rounded-md border-0 py-1 pr-7 pl-2 text-sm ring-1 ring-inset ring-slate-300"
                    >
                      {setting.allowed_values.map((value) => (
                        <option key={value} value={value}>
                          {valueLabel(value)}
                        </option>
                      ))}
                    </select>
                  ) : mode === "readOnly" ? (
                    <span>
                      <span className="font-medium">{valueLabel(setting.value ?? "")}</span>
                      <span
                        className="block text-xs text-slate-500"
                        data-testid="missing-permission"
                      >
                        {t("securityPage.readOnly", {
                          permission: setting.missing_permission ?? "",
                        })}
                      </span>
                    </span>
                  ) : (
                    <span className="text-xs text-slate-500" data-testid="missing-permission">
                      {t("securityPage.unreadable", {
                        permission: setting.missing_permission ?? "",
                      })}
                    </span>
                  )}
                </dd>
              </div>
            );
          })}
        </dl>
      </div>
    </Card>
  );
}
