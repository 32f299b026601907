import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** The number of mailboxes one page shows. */
export const MAILBOX_PAGE_SIZE = 20;

/** One page of a domain's mailboxes, optionally narrowed by a search. */
export function useMailboxes(domain: string, search: string, page: number) {
  return useQuery({
    queryKey: mailKeys.mailboxes(domain, search, page),
    queryFn: () =>
      unwrap(
        api.GET("/api/mail/mailboxes", {
          params: {
            query: {
              domain,
              search: search === "" ? undefined : search,
              page,
              page_size: MAILBOX_PAGE_SIZE,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}
