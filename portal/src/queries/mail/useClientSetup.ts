import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** The servers, ports and security a mail client needs, for one mailbox or any. */
export function useClientSetup(address: string | null) {
  return useQuery({
    queryKey: mailKeys.clientSetup(address),
    queryFn: () =>
      unwrap(
        api.GET("/api/mail/client-setup", {
          params: { query: address === null ? {} : { address } },
        }),
      ),
  });
}
