import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { adminKeys } from "../admins/keys";
import { authKeys } from "./keys";

/** Confirms enrolment with a first code; answers the recovery codes, once. */
export function useConfirmTotp() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (code: string) => unwrap(api.POST("/api/auth/totp/confirm", { body: { code } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: authKeys.all });
      void queryClient.invalidateQueries({ queryKey: adminKeys.all });
    },
  });
}
