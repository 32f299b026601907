import { useTranslation } from "react-i18next";

import type { HourlyCount } from "../../api/types";
import { chartScale, hourlyBars, legendSeries, seriesColour } from "../../lib/mailMessages";

/** How often an hour is labelled under the bars. */
const LABEL_EVERY = 6;

/** Messages per hour as stacked bars, one colour per verdict, with a legend. */
export function HourlyChart({
  counts,
  hours,
  now,
}: {
  counts: HourlyCount[];
  hours: number;
  /** The time the bars end at, epoch milliseconds. */
  now: number;
}) {
  const { t, i18n } = useTranslation();
  const bars = hourlyBars(counts, now, hours);
  const scale = chartScale(bars);
  const legend = legendSeries(bars);
  const hourLabel = new Intl.DateTimeFormat(i18n.language, { hour: "2-digit", minute: "2-digit" });

  if (legend.length === 0) {
    return (
      <p className="text-sm text-slate-500" data-testid="hourly-empty">
        {t("mailFlow.chart.empty", { hours })}
      </p>
    );
  }
  return (
    <figure data-testid="hourly-chart">
      {/* The dashed top line is the tallest bar's height; its count sits above it. */}
      <p
        className="text-right text-[10px] tabular-nums text-slate-500"
        aria-hidden="true"
        data-testid="chart-scale"
      >
        {scale}
      </p>
      <div className="relative flex h-40 items-end gap-0.5 border-b border-slate-300">
        <div
          className="pointer-events-none absolute inset-x-0 top-0 border-t border-dashed border-slate-200"
          aria-hidden="true"
        />
        {bars.map((bar) => (
          <div
            key={bar.hour}
            className="flex h-full min-w-0 flex-1 flex-col-reverse"
            title={t("mailFlow.chart.bar", {
              hour: hourLabel.format(bar.hour),
              count: bar.total,
            })}
            data-testid="hour-bar"
            data-hour={new Date(bar.hour).toISOString()}
            data-total={bar.total}
          >
            {bar.segments.map((segment) => (
              <div
                key={segment.series}
                className={`w-full ${seriesColour(segment.series)}`}
                style={{ height: `${(segment.messages / scale) * 100}%` }}
                data-series={segment.series}
                data-messages={segment.messages}
              />
            ))}
          </div>
        ))}
      </div>
      <div className="mt-1 flex gap-0.5 text-[10px] text-slate-500" aria-hidden="true">
        {bars.map((bar, index) => (
          <span key={bar.hour} className="min-w-0 flex-1 overflow-visible whitespace-nowrap">
            {index % LABEL_EVERY === 0 ? hourLabel.format(bar.hour) : ""}
          </span>
        ))}
      </div>
      <figcaption className="mt-3">
        <span className="sr-only">{t("mailFlow.chart.legend")}</span>
        <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700" data-testid="legend">
          {legend.map((series) => (
            <li key={series} className="flex items-center gap-1.5" data-series={series}>
              <span
                className={`h-2.5 w-2.5 rounded-sm ${seriesColour(series)}`}
                aria-hidden="true"
              />
              {t(`mailFlow.verdicts.${series}`)}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
