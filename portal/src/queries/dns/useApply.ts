import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import type { DesiredApply } from "../../api/types";
import { dnsKeys } from "./keys";

/** Applies a previewed desired record set in all-or-nothing batches. */
export function useApply() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ zone, ...body }: DesiredApply & { zone: string }) =>
      unwrap(api.POST("/api/dns/zones/{zone}/apply", { params: { path: { zone } }, body })),
    onSuccess: (_, { zone }) => queryClient.invalidateQueries({ queryKey: dnsKeys.records(zone) }),
  });
}
