import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { settingsKeys } from "./keys";

/** The security settings: whether 2FA is enforced for every admin. */
export function useSecuritySettings() {
  return useQuery({
    queryKey: settingsKeys.security(),
    queryFn: () => unwrap(api.GET("/api/settings/security")),
  });
}
