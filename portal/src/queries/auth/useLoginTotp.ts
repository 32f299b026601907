import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { signedIn } from "./useLogin";

/** Completes a login with a TOTP code or a recovery code. */
export function useLoginTotp() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { login_token: string; code: string }) =>
      unwrap(api.POST("/api/auth/login/totp", { body })),
    onSuccess: (answer) => signedIn(queryClient, answer),
  });
}
