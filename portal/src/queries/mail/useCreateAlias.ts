import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** Adds an alias from one address to one or more destinations. */
export function useCreateAlias() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { source: string; destinations: string[] }) =>
      unwrap(api.POST("/api/mail/aliases", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: mailKeys.all }),
  });
}
