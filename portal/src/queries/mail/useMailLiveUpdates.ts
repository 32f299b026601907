import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { isMailEvent } from "../../lib/mailMessages";
import { subscribeToEvents } from "../events/eventStream";
import { useLiveConnection } from "../events/useLiveConnection";
import { mailKeys } from "./keys";

/**
 * Keeps the mail page's messages, counts and queue current: every
 * inbound mail event on the shared stream refetches them, and so does
 * each (re)connection, for events that may have passed unseen meanwhile.
 * Returns where the shared stream's connection stands.
 */
export function useMailLiveUpdates() {
  const queryClient = useQueryClient();
  const connection = useLiveConnection();
  const wasOpen = useRef(false);

  useEffect(
    () =>
      subscribeToEvents((event) => {
        if (isMailEvent(event.subject)) {
          void queryClient.invalidateQueries({ queryKey: mailKeys.messages() });
        }
      }),
    [queryClient],
  );

  useEffect(() => {
    const open = connection === "open";
    if (open && !wasOpen.current) {
      void queryClient.invalidateQueries({ queryKey: mailKeys.messages() });
    }
    wasOpen.current = open;
  }, [connection, queryClient]);

  return connection;
}
