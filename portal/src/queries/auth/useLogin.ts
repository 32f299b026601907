import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, rememberCsrfToken, unwrap } from "../../api/client";
import type { LoginAnswer } from "../../api/types";
import { resetUnauthorized } from "../../api/unauthorized";
import { authKeys } from "./keys";

/** Signs in with a name and password; the answer may ask for a TOTP code. */
export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { username: string; password: string }) =>
      unwrap(api.POST("/api/auth/login", { body })),
    onSuccess: (answer) => signedIn(queryClient, answer),
  });
}

/** Records a completed login: CSRF token, the 401 rule, the cached admin. */
export function signedIn(
  queryClient: ReturnType<typeof useQueryClient>,
  answer: LoginAnswer,
): void {
  if (answer.status === "totp_required") {
    return;
  }
  rememberCsrfToken(answer.csrf_token);
  resetUnauthorized();
  void queryClient.invalidateQueries({ queryKey: authKeys.all });
}
