import { useTranslation } from "react-i18next";

import { eventFacts, subjectArea } from "../../lib/events";
import { formatClock } from "../../lib/format";
import { useLiveEvents } from "../../queries/events/useLiveEvents";
import { Card } from "../ui/Card";
import { ConnectionBadge } from "../ui/ConnectionBadge";

/** Events from the bus as they happen. */
export function ActivityFeed() {
  const { t, i18n } = useTranslation();
  const { events, connection } = useLiveEvents();
  return (
    <Card
      title={t("feed.title")}
      description={t("feed.description")}
      testId="activity-feed"
      actions={
        <ConnectionBadge
          connection={connection}
          label={t(`feed.connection.${connection}`)}
          testId="feed-connection"
        />
      }
    >
      {events.length === 0 ? (
        <p className="text-sm text-slate-500">{t("feed.empty")}</p>
      ) : (
        <ol className="divide-y divide-slate-100" aria-live="polite">
          {events.map((event) => (
            <li
              key={event.id}
              className="py-2"
              data-testid="feed-event"
              data-subject={event.subject}
            >
              <div className="flex flex-wrap items-baseline justify-between gap-x-3">
                <span className="font-mono text-sm font-medium text-slate-900">
                  <span className="mr-1.5 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">
                    {t(`feed.area.${subjectArea(event.subject)}`, {
                      defaultValue: subjectArea(event.subject),
                    })}
                  </span>
                  {event.subject}
                </span>
                <time className="text-xs text-slate-500">
                  {formatClock(event.receivedAt, i18n.language)}
                </time>
              </div>
              {eventFacts(event.data).length > 0 && (
                <p className="mt-1 break-words text-xs text-slate-600">
                  {eventFacts(event.data).join(" · ")}
                </p>
              )}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
