import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { tokenKeys } from "./keys";

/** The signed-in admin's API tokens. */
export function useTokens() {
  return useQuery({
    queryKey: tokenKeys.list(),
    queryFn: () => unwrap(api.GET("/api/tokens")),
  });
}
