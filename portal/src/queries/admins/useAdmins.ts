import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { adminKeys } from "./keys";

/** Every admin account. */
export function useAdmins(enabled = true) {
  return useQuery({
    queryKey: adminKeys.list(),
    queryFn: () => unwrap(api.GET("/api/admins")),
    enabled,
  });
}
