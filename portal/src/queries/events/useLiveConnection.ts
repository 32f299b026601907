import { useSyncExternalStore } from "react";

import { type FeedConnection, currentConnection, subscribeToConnection } from "./eventStream";

/** Where the shared event stream's connection stands. */
export function useLiveConnection(): FeedConnection {
  return useSyncExternalStore(subscribeToConnection, currentConnection);
}
