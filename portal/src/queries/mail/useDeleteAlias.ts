import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** Removes an alias. */
export function useDeleteAlias() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (source: string) =>
      unwrap(api.DELETE("/api/mail/aliases/{source}", { params: { path: { source } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: mailKeys.all }),
  });
}
