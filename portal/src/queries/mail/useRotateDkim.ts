import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** Rotates a domain's DKIM key to a new selector; the old one retires later. */
export function useRotateDkim() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (domain: string) =>
      unwrap(
        api.POST("/api/mail/domains/{name}/dkim/rotate", {
          params: { path: { name: domain } },
          body: {},
        }),
      ),
    onSuccess: (_, domain) => {
      void queryClient.invalidateQueries({ queryKey: mailKeys.dkim(domain) });
      void queryClient.invalidateQueries({ queryKey: mailKeys.dnsPlan(domain) });
    },
  });
}
