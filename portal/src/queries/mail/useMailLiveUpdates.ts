import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { coalesce } from "../../lib/coalesce";
import { isMailEvent } from "../../lib/mailMessages";
import { subscribeToEvents } from "../events/eventStream";
import { useLiveConnection } from "../events/useLiveConnection";
import { mailKeys } from "./keys";

// How often, at most, mail events refetch the page's data.
const REFRESH_EVERY_MS = 1000;

/**
 * Keeps the mail page's messages, counts and queue current: mail events
 * on the shared stream refetch them (at most once a second), and so does
 * each (re)connection, for events that may have passed unseen meanwhile.
 * Returns where the shared stream's connection stands.
 */
export function useMailLiveUpdates() {
  const queryClient = useQueryClient();
  const connection = useLiveConnection();
  const wasOpen = useRef(false);

  useEffect(() => {
    // A burst of mail (dozens of events a second) refetches once a second,
    // not once per event: the list, counts and queue are read afresh each time.
    const refresh = coalesce(
      () => void queryClient.invalidateQueries({ queryKey: mailKeys.messages() }),
      REFRESH_EVERY_MS,
    );
    const unsubscribe = subscribeToEvents((event) => {
      if (isMailEvent(event.subject)) {
        refresh.request();
      }
    });
    return () => {
      unsubscribe();
      refresh.cancel();
    };
  }, [queryClient]);

  useEffect(() => {
    const open = connection === "open";
    if (open && !wasOpen.current) {
      void queryClient.invalidateQueries({ queryKey: mailKeys.messages() });
    }
    wasOpen.current = open;
  }, [connection, queryClient]);

  return connection;
}
