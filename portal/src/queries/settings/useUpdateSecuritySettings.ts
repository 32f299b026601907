import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import type { SecuritySettings } from "../../api/types";
import { settingsKeys } from "./keys";

/** Changes the security settings. */
export function useUpdateSecuritySettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SecuritySettings) => unwrap(api.PUT("/api/settings/security", { body })),
    onSuccess: (saved) => queryClient.setQueryData(settingsKeys.security(), saved),
  });
}
