import { useTranslation } from "react-i18next";

import type { MailMessage } from "../../api/types";
import { formatDateTime } from "../../lib/format";
import { formatBytes } from "../../lib/mail";
import {
  deliveryStatus,
  deliveryTone,
  formatScore,
  refusedRecipients,
  spamActionLabel,
  splitRecipients,
  verdictTone,
} from "../../lib/mailMessages";

/** Recent inbound messages: when, who, what, how it was judged and where it stands. */
export function MessagesTable({ messages }: { messages: MailMessage[] }) {
  const { t, i18n } = useTranslation();
  return (
    <div className="-mx-4 overflow-x-auto sm:mx-0">
      <table className="min-w-full text-left text-sm" data-testid="messages-table">
        <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="py-2 pr-3 pl-4 sm:pl-0">{t("mailFlow.messages.time")}</th>
            <th className="py-2 pr-3">{t("mailFlow.messages.from")}</th>
            <th className="py-2 pr-3">{t("mailFlow.messages.to")}</th>
            <th className="py-2 pr-3">{t("mailFlow.messages.subject")}</th>
            <th className="py-2 pr-3 text-right">{t("mailFlow.messages.size")}</th>
            <th className="py-2 pr-3">{t("mailFlow.messages.verdict")}</th>
            <th className="py-2 pr-4 sm:pr-0">{t("mailFlow.messages.delivery")}</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100" aria-live="polite">
          {messages.map((message) => {
            const status = deliveryStatus(message);
            const refused = refusedRecipients(message);
            return (
              <tr
                key={message.id}
                className="align-top"
                data-testid="message-row"
                data-id={message.id}
                data-status={status}
              >
                <td className="whitespace-nowrap py-2 pr-3 pl-4 text-slate-600 sm:pl-0">
                  <time dateTime={message.received_at}>
                    {formatDateTime(message.received_at, i18n.language)}
                  </time>
                </td>
                <td className="max-w-48 truncate py-2 pr-3" title={message.header_from}>
                  {message.envelope_from || message.header_from}
                </td>
                <td className="min-w-48 max-w-72 py-2 pr-3">
                  <Recipients recipients={message.envelope_to} refused={refused} />
                </td>
                <td className="min-w-40 py-2 pr-3 text-slate-900" data-testid="message-subject">
                  {message.header_subject || (
                    <span className="text-slate-400">{t("mailFlow.messages.noSubject")}</span>
                  )}
                </td>
                <td className="whitespace-nowrap py-2 pr-3 text-right tabular-nums text-slate-600">
                  {formatBytes(message.size_bytes)}
                </td>
                <td className="py-2 pr-3">
                  <span
                    className={`whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ${verdictTone(message.verdict)}`}
                    data-testid="message-verdict"
                  >
                    {t(`mailFlow.verdicts.${message.verdict ?? "none"}`)}
                  </span>
                  {(message.spam_score !== null || message.spam_action !== null) && (
                    <span
                      className="mt-1 block whitespace-nowrap text-xs text-slate-500"
                      data-testid="message-scan"
                    >
                      {[
                        message.spam_score === null
                          ? null
                          : `${t("mailFlow.messages.score")} ${formatScore(message.spam_score)}`,
                        spamActionLabel(message.spam_action, t),
                      ]
                        .filter(Boolean)
                        .join(" · ")}
                    </span>
                  )}
                </td>
                <td className="py-2 pr-4 sm:pr-0">
                  <span
                    className={`whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ${deliveryTone(status)}`}
                    data-testid="message-delivery"
                  >
                    {t(`mailFlow.delivery.${status}`)}
                  </span>
                  {message.reason && (
                    <span className="mt-1 block text-xs text-slate-500">{message.reason}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Recipients({ recipients, refused }: { recipients: string[]; refused: string[] }) {
  const { t } = useTranslation();
  const { shown, folded } = splitRecipients(recipients);
  const item = (recipient: string, index: number) => (
    <li key={`${index}:${recipient}`} className="break-all" data-recipient={recipient}>
      {recipient}
      {refused.includes(recipient) && (
        <span
          className="ml-1.5 rounded bg-rose-100 px-1.5 py-0.5 text-xs text-rose-800"
          data-testid="recipient-refused"
        >
          {t("mailFlow.messages.refused")}
        </span>
      )}
    </li>
  );
  return (
    <>
      <ul>{shown.map(item)}</ul>
      {folded.length > 0 && (
        <details data-testid="recipients-folded">
          <summary className="cursor-pointer text-xs text-slate-500">
            {t("mailFlow.messages.moreRecipients", { count: folded.length })}
          </summary>
          <ul>{folded.map((recipient, index) => item(recipient, index + shown.length))}</ul>
        </details>
      )}
    </>
  );
}
