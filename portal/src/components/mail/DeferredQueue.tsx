import { useTranslation } from "react-i18next";

import { formatDateTime } from "../../lib/format";
import type { QueuedMessage } from "../../lib/mailMessages";
import { Button } from "../ui/Button";

/** Messages whose deliveries wait for a retry, each with "Retry now" for those who may. */
export function DeferredQueue({
  queue,
  canRetry,
  busy,
  onRetry,
}: {
  queue: QueuedMessage[];
  canRetry: boolean;
  busy: boolean;
  onRetry: (messageId: string) => void;
}) {
  const { t, i18n } = useTranslation();
  if (queue.length === 0) {
    return (
      <p className="text-sm text-slate-500" data-testid="queue-empty">
        {t("mailFlow.queue.empty")}
      </p>
    );
  }
  return (
    <ul className="divide-y divide-slate-100">
      {queue.map(({ message, deferred }) => (
        <li key={message.id} className="py-3" data-testid="queued-message" data-id={message.id}>
          <div className="flex flex-wrap items-start justify-between gap-2">
            <div className="min-w-0">
              <p className="truncate text-sm font-medium text-slate-900">
                {message.header_subject || t("mailFlow.messages.noSubject")}
              </p>
              <p className="truncate text-xs text-slate-500">{message.envelope_from}</p>
            </div>
            {canRetry && (
              <Button tone="secondary" disabled={busy} onClick={() => onRetry(message.id)}>
                {t("mailFlow.queue.retry")}
              </Button>
            )}
          </div>
          <dl className="mt-2 space-y-2">
            {deferred.map((delivery) => (
              <div
                key={delivery.mailbox}
                className="grid grid-cols-2 gap-x-3 gap-y-0.5 rounded-md bg-slate-50 p-2 text-xs"
                data-testid="deferred-delivery"
                data-mailbox={delivery.mailbox}
              >
                <dt className="text-slate-500">{t("mailFlow.queue.mailbox")}</dt>
                <dd className="break-all text-slate-900">{delivery.mailbox}</dd>
                <dt className="text-slate-500">{t("mailFlow.queue.attempts")}</dt>
                <dd className="tabular-nums text-slate-900" data-testid="delivery-attempts">
                  {delivery.attempts}
                </dd>
                <dt className="text-slate-500">{t("mailFlow.queue.nextAttempt")}</dt>
                <dd className="text-slate-900">
                  {delivery.next_attempt_at === null ? (
                    "—"
                  ) : (
                    <time dateTime={delivery.next_attempt_at}>
                      {formatDateTime(delivery.next_attempt_at, i18n.language)}
                    </time>
                  )}
                </dd>
                {delivery.last_reply && (
                  <>
                    <dt className="text-slate-500">{t("mailFlow.queue.lastReply")}</dt>
                    <dd className="break-words text-slate-700" data-testid="delivery-reply">
                      {delivery.last_reply}
                    </dd>
                  </>
                )}
              </div>
            ))}
          </dl>
        </li>
      ))}
    </ul>
  );
}
