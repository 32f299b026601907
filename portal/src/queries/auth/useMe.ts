import { useQuery } from "@tanstack/react-query";

import { api, rememberCsrfToken, unwrap } from "../../api/client";
import { authKeys } from "./keys";

/** The signed-in admin, their scopes and CSRF token; a 401 leads to login. */
export function useMe() {
  return useQuery({
    queryKey: authKeys.me(),
    queryFn: async () => {
      const me = await unwrap(api.GET("/api/auth/me"));
      rememberCsrfToken(me.csrf_token);
      return me;
    },
    staleTime: 60_000,
    retry: false,
  });
}
