import { createParser } from "eventsource-parser";
import { useEffect, useState } from "react";

import { reportUnauthorized } from "../../api/unauthorized";
import { type FeedEvent, addToFeed, reconnectDelay, toFeedEvent } from "../../lib/events";

/** Where the live feed's connection stands. */
export type FeedConnection = "connecting" | "open" | "reconnecting";

/**
 * The live activity feed: bus events streamed by `GET /api/events`.
 *
 * The stream is read with fetch rather than `EventSource`, because every
 * event is named after its subject and `EventSource` hands named events only
 * to listeners registered for each name in advance. Reading it here also
 * lets a reconnect send `Last-Event-ID`, so the gateway resumes after the
 * last event seen. The session cookie goes along (same origin).
 */
export function useLiveEvents(): { events: FeedEvent[]; connection: FeedConnection } {
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const [connection, setConnection] = useState<FeedConnection>("connecting");

  useEffect(() => {
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
              setEvents((feed) => addToFeed(feed, event));
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

    void connect();
    return () => {
      stop.abort();
      clearTimeout(timer);
    };
  }, []);

  return { events, connection };
}
