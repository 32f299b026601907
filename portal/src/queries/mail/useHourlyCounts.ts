import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { mailKeys } from "./keys";

/** Messages per hour and verdict over the last `hours`, oldest first. */
export function useHourlyCounts(hours: number) {
  return useQuery({
    queryKey: mailKeys.hourly(hours),
    queryFn: () => unwrap(api.GET("/api/mail/messages/hourly", { params: { query: { hours } } })),
    // Mail events refetch the counts; this also moves the bars on when an
    // hour passes without mail.
    refetchInterval: 300_000,
  });
}
