import { useEffect, useState } from "react";

import { type FeedEvent, addToFeed } from "../../lib/events";
import { type FeedConnection, subscribeToEvents } from "./eventStream";
import { useLiveConnection } from "./useLiveConnection";

export type { FeedConnection } from "./eventStream";

/** The live activity feed: bus events streamed by `GET /api/events`, newest first. */
export function useLiveEvents(): { events: FeedEvent[]; connection: FeedConnection } {
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const connection = useLiveConnection();

  useEffect(() => subscribeToEvents((event) => setEvents((feed) => addToFeed(feed, event))), []);

  return { events, connection };
}
