import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import type { EdgeSettingId } from "../../api/types";
import { dnsKeys } from "./keys";

/** Changes one edge setting of a zone. */
export function useSetEdgeSetting() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({
      zone,
      setting,
      value,
    }: {
      zone: string;
      setting: EdgeSettingId;
      value: string;
    }) =>
      unwrap(
        api.PUT("/api/dns/zones/{zone}/edge/{setting}", {
          params: { path: { zone, setting } },
          body: { value },
        }),
      ),
    onSuccess: (_, { zone }) => queryClient.invalidateQueries({ queryKey: dnsKeys.edge(zone) }),
  });
}
