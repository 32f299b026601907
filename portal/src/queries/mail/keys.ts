import type { MailFilters } from "../../lib/mailMessages";

/** Query keys of mail domains, mailboxes, aliases, their details, and inbound messages. */
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
  /** Everything about inbound messages: the list, the queue and the hourly counts. */
  messages: () => [...mailKeys.all, "messages"] as const,
  messageList: (filters: MailFilters) => [...mailKeys.messages(), "list", filters] as const,
  deferredQueue: () => [...mailKeys.messages(), "deferred"] as const,
  hourly: (hours: number) => [...mailKeys.messages(), "hourly", hours] as const,
};
