import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { dnsKeys } from "./keys";

/** Deletes one record; one homehost does not own needs `force`. */
export function useDeleteRecord() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ zone, id, force }: { zone: string; id: string; force: boolean }) =>
      unwrap(
        api.DELETE("/api/dns/zones/{zone}/records/{record_id}", {
          params: { path: { zone, record_id: id }, query: { force } },
        }),
      ),
    onSuccess: (_, { zone }) => queryClient.invalidateQueries({ queryKey: dnsKeys.records(zone) }),
  });
}
