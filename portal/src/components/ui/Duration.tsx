import { useTranslation } from "react-i18next";

import { durationParts } from "../../lib/duration";

/** A number of seconds in words: "1 day 2 hours" or "1日 2時間". */
export function Duration({ seconds, largest = 2 }: { seconds: number; largest?: number }) {
  const { t } = useTranslation();
  const words = durationParts(seconds, largest).map((part) =>
    t(`duration.${part.unit}`, { count: part.value }),
  );
  return <>{words.join(t("duration.separator"))}</>;
}
