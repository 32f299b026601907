import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import { healthKeys } from "./keys";

/** How often the dashboard asks again, in milliseconds. */
export const HEALTH_REFRESH_MS = 10_000;

/** Every service's health, asked again every few seconds. */
export function useSystemHealth() {
  return useQuery({
    queryKey: healthKeys.system(),
    queryFn: () => unwrap(api.GET("/api/health")),
    refetchInterval: HEALTH_REFRESH_MS,
  });
}
