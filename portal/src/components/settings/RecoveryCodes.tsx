import { useTranslation } from "react-i18next";

import { Button } from "../ui/Button";
import { CopyButton } from "../ui/CopyButton";
import { Notice } from "../ui/Notice";

/** The recovery codes, shown this once, with a way to copy them. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="space-y-4" data-testid="recovery-codes">
      <Notice tone="warning">{t("totp.recoveryWarning")}</Notice>
      <ul className="grid grid-cols-2 gap-2 rounded-md bg-slate-50 p-3 font-mono text-sm ring-1 ring-slate-200">
        {codes.map((code) => (
          <li key={code} data-testid="recovery-code">
            {code}
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap gap-2">
        <CopyButton text={codes.join("\n")} />
        <Button onClick={onDone}>{t("totp.savedThem")}</Button>
      </div>
    </div>
  );
}
