import { useMutation } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";

/** Sets a mailbox's password: the typed one, or a generated one when null. */
export function useResetMailboxPassword() {
  return useMutation({
    mutationFn: ({ address, password }: { address: string; password: string | null }) =>
      unwrap(
        api.POST("/api/mail/mailboxes/{address}/password", {
          params: { path: { address } },
          body: password === null ? {} : { password },
        }),
      ),
  });
}
