/** Query keys of DNS zones, their records and edge security. */
export const dnsKeys = {
  all: ["dns"] as const,
  zones: () => [...dnsKeys.all, "zones"] as const,
  records: (zone: string) => [...dnsKeys.all, "records", zone] as const,
  edge: (zone: string) => [...dnsKeys.all, "edge", zone] as const,
};
