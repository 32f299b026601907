/** One unit of a duration, as the i18n keys `duration.<unit>` name it. */
export type DurationUnit = "day" | "hour" | "minute" | "second";

export interface DurationPart {
  unit: DurationUnit;
  value: number;
}

const UNIT_SECONDS: [DurationUnit, number][] = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
];

/**
 * Splits seconds into at most `largest` leading non-zero units:
 * 93784 s -> 1 day 2 hours. Under a second is 0 seconds.
 */
export function durationParts(seconds: number, largest = 2): DurationPart[] {
  let rest = Math.max(0, Math.floor(seconds));
  const parts: DurationPart[] = [];
  for (const [unit, size] of UNIT_SECONDS) {
    const value = Math.floor(rest / size);
    rest -= value * size;
    if (value > 0 || (parts.length > 0 && parts.length < largest)) {
      parts.push({ unit, value });
    }
    if (parts.length === largest) {
      break;
    }
  }
  const shown = parts.filter((part) => part.value > 0);
  return shown.length > 0 ? shown : [{ unit: "second", value: 0 }];
}
