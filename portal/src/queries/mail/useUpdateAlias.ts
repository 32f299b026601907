import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** Replaces an alias's destinations. */
export function useUpdateAlias() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ source, destinations }: { source: string; destinations: string[] }) =>
      unwrap(
        api.PUT("/api/mail/aliases/{source}", {
          params: { path: { source } },
          body: { destinations },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: mailKeys.all }),
  });
}
