import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import type { MailboxChange } from "../../api/types";
import { mailKeys } from "./keys";

/** Changes a mailbox's quota, display name or enabled state. */
export function useUpdateMailbox() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ address, ...body }: MailboxChange & { address: string }) =>
      unwrap(api.PATCH("/api/mail/mailboxes/{address}", { params: { path: { address } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: mailKeys.all }),
  });
}
