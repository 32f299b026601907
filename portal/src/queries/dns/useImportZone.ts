import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import type { ZoneImport } from "../../api/types";
import { dnsKeys } from "./keys";

/** Previews a YAML or BIND zone file as a plan, or with `apply`, applies it. */
export function useImportZone() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ zone, ...body }: ZoneImport & { zone: string }) =>
      unwrap(api.POST("/api/dns/zones/{zone}/import", { params: { path: { zone } }, body })),
    onSuccess: (result, { zone }) => {
      if (result.applied) {
        void queryClient.invalidateQueries({ queryKey: dnsKeys.records(zone) });
      }
    },
  });
}
