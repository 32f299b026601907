import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { adminKeys } from "../admins/keys";
import { authKeys } from "./keys";

/** Turns 2FA off for the signed-in admin, proven by a current code. */
export function useDisableTotp() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (code: string) => unwrap(api.DELETE("/api/auth/totp", { body: { code } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: authKeys.all });
      void queryClient.invalidateQueries({ queryKey: adminKeys.all });
    },
  });
}
