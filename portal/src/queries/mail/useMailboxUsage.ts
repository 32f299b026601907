import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** How much of its quota a mailbox uses, as Dovecot counts it. */
export function useMailboxUsage(address: string) {
  return useQuery({
    queryKey: mailKeys.usage(address),
    queryFn: () =>
      unwrap(api.GET("/api/mail/mailboxes/{address}/usage", { params: { path: { address } } })),
    retry: false,
    staleTime: 60_000,
  });
}
