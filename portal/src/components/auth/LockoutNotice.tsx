import { Trans, useTranslation } from "react-i18next";

import { useCountdown } from "../../hooks/useCountdown";
import { Duration } from "../ui/Duration";
import { Notice } from "../ui/Notice";

/** Says that logins are locked for now, and for how long. */
export function LockoutNotice({ retryAfterSeconds }: { retryAfterSeconds: number | null }) {
  const { t } = useTranslation();
  const left = useCountdown(retryAfterSeconds);
  return (
    <Notice tone="warning" testId="lockout">
      <p className="font-medium">{t("login.lockedTitle")}</p>
      <p className="mt-1">
        {left === null ? (
          t("login.lockedLater")
        ) : left > 0 ? (
          <Trans i18nKey="login.lockedFor" components={{ time: <Duration seconds={left} /> }} />
        ) : (
          t("login.lockedOver")
        )}
      </p>
    </Notice>
  );
}
