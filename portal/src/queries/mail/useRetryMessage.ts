import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** Tries a message's deferred deliveries now instead of at their next attempt. */
export function useRetryMessage() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (messageId: string) =>
      unwrap(
        api.POST("/api/mail/messages/{message_id}/retry", {
          params: { path: { message_id: messageId } },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: mailKeys.messages() }),
  });
}
