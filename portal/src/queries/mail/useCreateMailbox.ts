import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import type { MailboxCreate } from "../../api/types";
import { mailKeys } from "./keys";

/** Creates a mailbox; without a password the service generates one. */
export function useCreateMailbox() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: MailboxCreate) => unwrap(api.POST("/api/mail/mailboxes", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: mailKeys.all }),
  });
}
