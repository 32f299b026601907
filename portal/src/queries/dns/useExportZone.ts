import { useMutation } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";

/** Fetches a zone as a YAML or BIND file's text. */
export function useExportZone() {
  return useMutation({
    mutationFn: ({ zone, format }: { zone: string; format: "yaml" | "bind" }) =>
      unwrap(
        api.GET("/api/dns/zones/{zone}/export", {
          params: { path: { zone }, query: { format } },
          parseAs: "text",
        }),
      ) as Promise<string>,
  });
}
