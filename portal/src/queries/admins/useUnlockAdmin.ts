import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { adminKeys } from "./keys";

/** Lifts a lockout from an admin account. */
export function useUnlockAdmin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (adminId: number) =>
      unwrap(
        api.POST("/api/admins/{admin_id}/unlock", { params: { path: { admin_id: adminId } } }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: adminKeys.all }),
  });
}
