import { useMutation } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import type { RecordSpec } from "../../api/types";

/** Previews what a desired record set would change in a zone; changes nothing. */
export function usePlan() {
  return useMutation({
    mutationFn: ({ zone, records }: { zone: string; records: RecordSpec[] }) =>
      unwrap(
        api.POST("/api/dns/zones/{zone}/plan", {
          params: { path: { zone } },
          body: { records, scope: "names", delete_unowned: false },
        }),
      ),
  });
}
