import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { dnsKeys } from "./keys";

/** Every record of a zone. */
export function useRecords(zone: string) {
  return useQuery({
    queryKey: dnsKeys.records(zone),
    queryFn: () => unwrap(api.GET("/api/dns/zones/{zone}/records", { params: { path: { zone } } })),
  });
}
