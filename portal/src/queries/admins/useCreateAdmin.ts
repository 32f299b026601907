import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import type { AdminCreate } from "../../api/types";
import { adminKeys } from "./keys";

/** Creates an admin account. */
export function useCreateAdmin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: AdminCreate) => unwrap(api.POST("/api/admins", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: adminKeys.all }),
  });
}
