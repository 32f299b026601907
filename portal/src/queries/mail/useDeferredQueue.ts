import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import {
  EMPTY_MAIL_FILTERS,
  QUEUE_LIMIT,
  deferredQueue,
  messagesQuery,
} from "../../lib/mailMessages";
import { mailKeys } from "./keys";

/** Messages with deliveries waiting for a retry, the one due soonest first. */
export function useDeferredQueue() {
  return useQuery({
    queryKey: mailKeys.deferredQueue(),
    queryFn: () =>
      unwrap(
        api.GET("/api/mail/messages", {
          params: { query: messagesQuery({ ...EMPTY_MAIL_FILTERS, state: "queued" }, QUEUE_LIMIT) },
        }),
      ),
    select: (answer) => deferredQueue(answer.messages),
  });
}
