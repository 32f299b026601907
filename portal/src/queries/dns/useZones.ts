import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { dnsKeys } from "./keys";

/** Every zone the Cloudflare API token can see. */
export function useZones() {
  return useQuery({
    queryKey: dnsKeys.zones(),
    queryFn: () => unwrap(api.GET("/api/dns/zones")),
  });
}
