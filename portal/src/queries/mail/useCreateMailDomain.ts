import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import type { MailDomainCreate } from "../../api/types";
import { mailKeys } from "./keys";

/** Adds a mail domain (its first DKIM key is made at once). */
export function useCreateMailDomain() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: MailDomainCreate) => unwrap(api.POST("/api/mail/domains", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: mailKeys.all }),
  });
}
