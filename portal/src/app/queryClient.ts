import { QueryClient } from "@tanstack/react-query";

import { ApiError } from "../api/errors";

/** Retries a failed read twice, but never one the gateway refused (4xx). */
export function shouldRetry(failures: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status < 500) {
    return false;
  }
  return failures < 2;
}

/** The one query cache of the portal. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: shouldRetry, refetchOnWindowFocus: true },
    mutations: { retry: false },
  },
});
