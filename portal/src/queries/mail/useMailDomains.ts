import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** Every hosted mail domain. */
export function useMailDomains() {
  return useQuery({
    queryKey: mailKeys.domains(),
    queryFn: () => unwrap(api.GET("/api/mail/domains")),
  });
}
