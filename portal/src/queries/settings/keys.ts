/** Query keys of the gateway's settings. */
export const settingsKeys = {
  all: ["settings"] as const,
  security: () => [...settingsKeys.all, "security"] as const,
};
