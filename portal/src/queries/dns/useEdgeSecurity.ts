import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { dnsKeys } from "./keys";

/** A zone's edge settings and each hostname's certificate status. */
export function useEdgeSecurity(zone: string) {
  return useQuery({
    queryKey: dnsKeys.edge(zone),
    queryFn: () => unwrap(api.GET("/api/dns/zones/{zone}/edge", { params: { path: { zone } } })),
  });
}
