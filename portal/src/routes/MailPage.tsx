import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import type { RetryScheduled } from "../api/types";
import { DeferredQueue } from "../components/mail/DeferredQueue";
import { HourlyChart } from "../components/mail/HourlyChart";
import { MessageFilterForm } from "../components/mail/MessageFilterForm";
import { MessagesTable } from "../components/mail/MessagesTable";
import { Button } from "../components/ui/Button";
import { Card } from "../components/ui/Card";
import { ConnectionBadge } from "../components/ui/ConnectionBadge";
import { ErrorNotice } from "../components/ui/ErrorNotice";
import { Notice } from "../components/ui/Notice";
import { PageHeader } from "../components/ui/PageHeader";
import { Loading } from "../components/ui/Spinner";
import {
  CHART_HOURS,
  type MailFilters,
  mailFiltersFromSearch,
  searchFromMailFilters,
} from "../lib/mailMessages";
import { useMe } from "../queries/auth/useMe";
import { useDeferredQueue } from "../queries/mail/useDeferredQueue";
import { useHourlyCounts } from "../queries/mail/useHourlyCounts";
import { useMailLiveUpdates } from "../queries/mail/useMailLiveUpdates";
import { useMailMessages } from "../queries/mail/useMailMessages";
import { useRetryAll } from "../queries/mail/useRetryAll";
import { useRetryMessage } from "../queries/mail/useRetryMessage";

/** `/mail`: inbound mail as it arrives, per hour, and the deliveries still owed. */
export function MailPage() {
  const { t } = useTranslation();
  const [search, setSearch] = useSearchParams();
  const filters = useMemo(() => mailFiltersFromSearch(search), [search]);
  const connection = useMailLiveUpdates();
  const me = useMe();
  // Unknown (null) until `me` answers, so the read-only note does not flash.
  const canRetry = me.data === undefined ? null : me.data.scopes.includes("write:mail");

  return (
    <>
      <PageHeader title={t("nav.mail")} description={t("areas.mail")} />
      <div className="space-y-6">
        <div className="grid gap-6 lg:grid-cols-5">
          <HourlyCard className="min-w-0 lg:col-span-3" />
          <QueueCard className="min-w-0 lg:col-span-2" canRetry={canRetry} />
        </div>
        <Card
          title={t("mailFlow.messages.title")}
          description={t("mailFlow.messages.description")}
          testId="recent-messages"
          actions={
            <ConnectionBadge
              connection={connection}
              label={t(`feed.connection.${connection}`)}
              testId="mail-live"
            />
          }
        >
          <div className="space-y-4">
            <MessageFilterForm
              filters={filters}
              onApply={(next) => setSearch(searchFromMailFilters(next))}
            />
            <RecentMessages filters={filters} />
          </div>
        </Card>
      </div>
    </>
  );
}

function RecentMessages({ filters }: { filters: MailFilters }) {
  const { t } = useTranslation();
  const messages = useMailMessages(filters);
  const filtered = filters.recipient !== "" || filters.verdict !== "" || filters.state !== "";

  if (messages.isPending) {
    return <Loading />;
  }
  if (messages.isError) {
    return <ErrorNotice error={messages.error} />;
  }
  if (messages.data.messages.length === 0) {
    return (
      <p className="text-sm text-slate-500" data-testid="messages-empty">
        {t(filtered ? "mailFlow.messages.emptyFiltered" : "mailFlow.messages.empty")}
      </p>
    );
  }
  return <MessagesTable messages={messages.data.messages} />;
}

function HourlyCard({ className }: { className: string }) {
  const { t } = useTranslation();
  const hourly = useHourlyCounts(CHART_HOURS);
  return (
    <Card
      title={t("mailFlow.chart.title")}
      description={t("mailFlow.chart.description", { hours: CHART_HOURS })}
      className={className}
    >
      {hourly.isPending ? (
        <Loading />
      ) : hourly.isError ? (
        <ErrorNotice error={hourly.error} />
      ) : (
        <HourlyChart counts={hourly.data.counts} hours={CHART_HOURS} now={hourly.dataUpdatedAt} />
      )}
    </Card>
  );
}

function QueueCard({ className, canRetry }: { className: string; canRetry: boolean | null }) {
  const { t } = useTranslation();
  const queue = useDeferredQueue();
  const retryMessage = useRetryMessage();
  const retryAll = useRetryAll();
  const [retried, setRetried] = useState<number | null>(null);
  const busy = retryMessage.isPending || retryAll.isPending;
  const error = retryMessage.error ?? retryAll.error;
  const onRetried = {
    onSuccess: (answer: RetryScheduled) => setRetried(answer.deliveries),
  };

  function retry(messageId: string) {
    setRetried(null);
    retryAll.reset();
    retryMessage.mutate(messageId, onRetried);
  }

  function retryEverything() {
    setRetried(null);
    retryMessage.reset();
    retryAll.mutate(undefined, onRetried);
  }

  return (
    <Card
      title={t("mailFlow.queue.title")}
      description={t("mailFlow.queue.description")}
      className={className}
      testId="deferred-queue"
      actions={
        canRetry === true &&
        queue.data !== undefined &&
        queue.data.length > 0 && (
          <Button disabled={busy} onClick={retryEverything} data-testid="retry-all">
            {t("mailFlow.queue.retryAll")}
          </Button>
        )
      }
    >
      <div className="space-y-3">
        {error && <ErrorNotice error={error} />}
        {retried !== null && (
          <Notice tone="success" testId="retry-result">
            {t("mailFlow.queue.retried", { count: retried })}
          </Notice>
        )}
        {canRetry === false && <Notice>{t("mailFlow.queue.readOnly")}</Notice>}
        {queue.isPending ? (
          <Loading />
        ) : queue.isError ? (
          <ErrorNotice error={queue.error} />
        ) : (
          <DeferredQueue
            queue={queue.data}
            canRetry={canRetry === true}
            busy={busy}
            onRetry={retry}
          />
        )}
      </div>
    </Card>
  );
}
