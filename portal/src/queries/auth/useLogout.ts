import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, rememberCsrfToken, unwrap } from "../../api/client";

/** Ends the session and forgets everything cached for it. */
export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/auth/logout")),
    onSettled: () => {
      rememberCsrfToken(null);
      queryClient.clear();
    },
  });
}
