import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** The DNS records a mail domain needs (MX, SPF, DKIM, DMARC). */
export function useMailDnsPlan(domain: string) {
  return useQuery({
    queryKey: mailKeys.dnsPlan(domain),
    queryFn: () =>
      unwrap(api.GET("/api/mail/domains/{name}/dns-plan", { params: { path: { name: domain } } })),
  });
}
