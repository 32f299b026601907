import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** Tries every deferred delivery now instead of at its next attempt. */
export function useRetryAll() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/mail/messages/retry")),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: mailKeys.messages() }),
  });
}
