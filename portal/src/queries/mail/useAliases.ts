import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** A domain's aliases. */
export function useAliases(domain: string) {
  return useQuery({
    queryKey: mailKeys.aliases(domain),
    queryFn: () => unwrap(api.GET("/api/mail/aliases", { params: { query: { domain } } })),
  });
}
