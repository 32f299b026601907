import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** A mail domain's DKIM keys, the active one and any still retiring. */
export function useDkimKeys(domain: string) {
  return useQuery({
    queryKey: mailKeys.dkim(domain),
    queryFn: () =>
      unwrap(api.GET("/api/mail/domains/{name}/dkim", { params: { path: { name: domain } } })),
  });
}
