/** Query keys of the services' health. */
export const healthKeys = {
  all: ["health"] as const,
  system: () => [...healthKeys.all, "system"] as const,
};
