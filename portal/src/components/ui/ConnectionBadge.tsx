import type { FeedConnection } from "../../queries/events/eventStream";

const CONNECTION_DOT: Record<FeedConnection, string> = {
  connecting: "bg-slate-400",
  open: "bg-emerald-500",
  reconnecting: "bg-amber-500",
};

/** A coloured dot and a word for where the live event stream stands. */
export function ConnectionBadge({
  connection,
  label,
  testId,
}: {
  connection: FeedConnection;
  label: string;
  testId?: string;
}) {
  return (
    <span
      className="flex items-center gap-1.5 text-xs text-slate-600"
      data-testid={testId}
      data-state={connection}
    >
      <span className={`h-2 w-2 rounded-full ${CONNECTION_DOT[connection]}`} aria-hidden="true" />
      {label}
    </span>
  );
}
