import { createParser } from "eventsource-parser";

import { reportUnauthorized } from "../../api/unauthorized";
import { type FeedEvent, reconnectDelay, toFeedEvent } from "../../lib/events";

/** Where the live event stream's connection stands. */
export type FeedConnection = "connecting" | "open" | "reconnecting";

// A page change unmounts one subscriber just before the next one mounts:
// the stream stays open this long with nobody listening, so it is reused.
const CLOSE_AFTER_MS = 2_000;

const eventListeners = new Set<(event: FeedEvent) => void>();
const connectionListeners = new Set<() => void>();
let connection: FeedConnection = "connecting";
let closeStream: (() => void) | null = null;
let closing: ReturnType<typeof setTimeout> | undefined;

function setConnection(next: FeedConnection): void {
  connection = next;
  for (const listener of connectionListeners) {
    listener();
  }
}

/**
 * Opens `GET /api/events` and reads it until stopped, reconnecting after a
 * drop; returns the function that stops it.
 *
 * The stream is read with fetch rather than `EventSource`, because every
 * event is named after its subject and `EventSource` hands named events only
 * to listeners registered for each name in advance. Reading it here also
 * lets a reconnect send `Last-Event-ID`, so the gateway resumes after the
 * last event seen. The session cookie goes along (same origin).
 */
function openStream(): () => void {
  const stop = new AbortController();
  let lastEventId: string | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function connect(): Promise<void> {
    try {
      const headers: Record<string, string> = { Accept: "text/event-stream" };
      if (lastEventId !== null) {
        headers["Last-Event-ID"] = lastEventId;
      }
      const response = await fetch("/api/events", {
        headers,
        credentials: "same-origin",
        cache: "no-store",
        signal: stop.signal,
      });
      if (response.status === 401) {
        // The login page takes over; whoever subscribes next opens anew.
        closeStream = null;
        reportUnauthorized();
        return;
      }
      if (!response.ok || response.body === null) {
        throw new Error(`the event stream answered ${response.status}`);
      }
      attempt = 0;
      setConnection("open");
      const parser = createParser({
        onEvent(message) {
          if (message.id) {
            lastEventId = message.id;
          }
          const event = toFeedEvent(message, Date.now());
          if (event !== null) {
            for (const listener of eventListeners) {
              listener(event);
            }
          }
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          break;
        }
        parser.feed(value);
      }
    } catch {
      // A dropped connection is retried below, like EventSource would.
    }
    if (stop.signal.aborted) {
      return;
    }
    attempt += 1;
    setConnection("reconnecting");
    timer = setTimeout(() => void connect(), reconnectDelay(attempt));
  }

  setConnection("connecting");
  void connect();
  return () => {
    stop.abort();
    clearTimeout(timer);
  };
}

/**
 * Calls `listener` with every bus event the gateway streams, sharing one
 * connection among every subscriber of the page; returns the unsubscribe
 * function. The connection opens with the first subscriber and closes
 * shortly after the last one leaves.
 */
export function subscribeToEvents(listener: (event: FeedEvent) => void): () => void {
  eventListeners.add(listener);
  clearTimeout(closing);
  if (closeStream === null) {
    closeStream = openStream();
  }
  return () => {
    eventListeners.delete(listener);
    if (eventListeners.size > 0) {
      return;
    }
    clearTimeout(closing);
    closing = setTimeout(() => {
      if (eventListeners.size === 0 && closeStream !== null) {
        closeStream();
        closeStream = null;
        setConnection("connecting");
      }
    }, CLOSE_AFTER_MS);
  };
}

/** Calls `listener` whenever the connection's state changes (for `useSyncExternalStore`). */
export function subscribeToConnection(listener: () => void): () => void {
  connectionListeners.add(listener);
  return () => {
    connectionListeners.delete(listener);
  };
}

/** Where the connection stands now. */
export function currentConnection(): FeedConnection {
  return connection;
}
