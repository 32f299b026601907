import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** Deletes a mailbox, confirmed by its address typed again; the maildir is archived. */
export function useDeleteMailbox() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ address, confirm }: { address: string; confirm: string }) =>
      unwrap(
        api.DELETE("/api/mail/mailboxes/{address}", {
          params: { path: { address } },
          body: { confirm_address: confirm },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: mailKeys.all }),
  });
}
