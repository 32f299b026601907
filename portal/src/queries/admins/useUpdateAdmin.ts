import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import type { Role } from "../../api/types";
import { adminKeys } from "./keys";

/** Changes an admin's role, or disables or enables the account. */
export function useUpdateAdmin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ adminId, ...body }: { adminId: number; role?: Role; disabled?: boolean }) =>
      unwrap(
        api.PATCH("/api/admins/{admin_id}", { params: { path: { admin_id: adminId } }, body }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: adminKeys.all }),
  });
}
