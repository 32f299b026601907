import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { type MailFilters, messagesQuery } from "../../lib/mailMessages";
import { mailKeys } from "./keys";

/** The most recent inbound messages under the given filters, newest first. */
export function useMailMessages(filters: MailFilters) {
  return useQuery({
    queryKey: mailKeys.messageList(filters),
    queryFn: () =>
      unwrap(api.GET("/api/mail/messages", { params: { query: messagesQuery(filters) } })),
    placeholderData: keepPreviousData,
  });
}
