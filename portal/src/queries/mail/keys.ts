/** Query keys of mail domains, mailboxes, aliases and their details. */
export const mailKeys = {
  all: ["mail"] as const,
  domains: () => [...mailKeys.all, "domains"] as const,
  dnsPlan: (domain: string) => [...mailKeys.all, "dns-plan", domain] as const,
  dkim: (domain: string) => [...mailKeys.all, "dkim", domain] as const,
  mailboxes: (domain: string, search: string, page: number) =>
    [...mailKeys.all, "mailboxes", domain, search, page] as const,
  usage: (address: string) => [...mailKeys.all, "usage", address] as const,
  aliases: (domain: string) => [...mailKeys.all, "aliases", domain] as const,
  clientSetup: (address: string | null) => [...mailKeys.all, "client-setup", address] as const,
};
