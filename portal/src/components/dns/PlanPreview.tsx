import { useState } from "react";
import { useTranslation } from "react-i18next";

import type { DnsPlan } from "../../api/types";
import { actionSign, groupChanges, planChangesSomething, recordLine } from "../../lib/dns";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { Notice } from "../ui/Notice";

const ACTION_STYLES = {
  create: "bg-emerald-50 text-emerald-900",
  update: "bg-amber-50 text-amber-900",
  delete: "bg-rose-50 text-rose-900",
  kept: "bg-slate-50 text-slate-600",
  unchanged: "bg-white text-slate-500",
};

/** A plan as a diff, its warnings and the safety cap, with Apply and Discard. */
export function PlanPreview({
  plan,
  busy,
  onApply,
  onDiscard,
}: {
  plan: DnsPlan;
  busy: boolean;
  onApply: (force: boolean) => void;
  onDiscard: () => void;
}) {
  const { t } = useTranslation();
  const [force, setForce] = useState(false);
  const changes = planChangesSomething(plan.changes);
  const blocked = plan.exceeds_safety_cap && !force;
  return (
    <Card title={t("dnsPage.planTitle", { zone: plan.zone })} testId="plan-preview">
      <div className="space-y-3">
        <p className="text-sm text-slate-700" data-testid="plan-summary">
          {t("dnsPage.planSummary", {
            create: plan.summary.create ?? 0,
            update: plan.summary.update ?? 0,
            delete: plan.summary.delete ?? 0,
            unchanged: plan.summary.unchanged ?? 0,
          })}
        </p>
        {plan.warnings.map((warning) => (
          <Notice key={warning} tone="warning" testId="plan-warning">
            {warning}
          </Notice>
        ))}
        {groupChanges(plan.changes).map((group) => (
          <section key={group.action} data-testid={`plan-group-${group.action}`}>
            <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">
              {t(`dnsPage.action.${group.action}`)} ({group.changes.length})
            </h3>
            <ul className="mt-1 overflow-x-auto rounded-md font-mono text-xs ring-1 ring-slate-200">
              {group.changes.map((change, index) => (
                <li
                  key={`${change.type}-${change.name}-${index}`}
                  className={`px-2 py-1 ${ACTION_STYLES[group.action]}`}
                  data-testid="plan-change"
                  data-action={change.action}
                >
                  {change.action === "update" && change.before && (
                    <div className="break-all text-rose-800">- {recordLine(change.before)}</div>
                  )}
                  <div className="break-all">
                    {actionSign(change.action)}{" "}
                    {change.after
                      ? recordLine(change.after)
                      : change.before
                        ? recordLine(change.before)
                        : `${change.name} ${change.type}`}
                  </div>
                  {change.changed_fields && change.changed_fields.length > 0 && (
                    <div className="text-slate-500">
                      {t("dnsPage.changedFields", { fields: change.changed_fields.join(", ") })}
                    </div>
                  )}
                  {change.reason && <div className="text-slate-500">{change.reason}</div>}
                </li>
              ))}
            </ul>
          </section>
        ))}
        {plan.exceeds_safety_cap && (
          <Notice tone="warning" testId="safety-cap">
            <p>{t("dnsPage.safetyCap", { existing: plan.existing })}</p>
            <label className="mt-2 flex items-center gap-2">
              <input
                type="checkbox"
                checked={force}
                onChange={(event) => setForce(event.target.checked)}
              />
              {t("dnsPage.force")}
            </label>
          </Notice>
        )}
        {!changes && <Notice testId="plan-nothing">{t("dnsPage.nothingToDo")}</Notice>}
        <div className="flex flex-wrap gap-2">
          <Button disabled={busy || blocked || !changes} onClick={() => onApply(force)}>
            {t("dnsPage.apply")}
          </Button>
          <Button tone="ghost" onClick={onDiscard}>
            {t("dnsPage.discard")}
          </Button>
        </div>
      </div>
    </Card>
  );
}
