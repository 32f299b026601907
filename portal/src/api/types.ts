// Names for the gateway's shapes, taken from the generated client by route,
// so they follow the spec whatever the backend calls its models.
import type { paths } from "./schema";

type JsonOf<T> = T extends { content: { "application/json": infer Body } } ? Body : never;

/** The JSON body of a route's 200 or 201 answer. */
export type ResponseOf<
  Path extends keyof paths,
  Method extends "get" | "post" | "put" | "patch" | "delete",
> = paths[Path][Method] extends { responses: infer Responses }
  ? Responses extends { 200: infer Ok }
    ? JsonOf<Ok>
    : Responses extends { 201: infer Created }
      ? JsonOf<Created>
      : never
  : never;

/** The JSON body a route takes. */
export type RequestOf<
  Path extends keyof paths,
  Method extends "post" | "put" | "patch" | "delete",
> = paths[Path][Method] extends { requestBody?: infer Body } ? JsonOf<NonNullable<Body>> : never;

export type SystemHealth = ResponseOf<"/api/health", "get">;
export type ServiceHealthView = SystemHealth["services"][number];
export type LoginAnswer = ResponseOf<"/api/auth/login", "post">;
export type Me = ResponseOf<"/api/auth/me", "get">;
export type AdminPublic = Me["admin"];
export type TotpEnrolment = ResponseOf<"/api/auth/totp/enroll", "post">;
export type RecoveryCodes = ResponseOf<"/api/auth/totp/confirm", "post">;
export type SecuritySettings = ResponseOf<"/api/settings/security", "get">;
export type TokenPublic = ResponseOf<"/api/tokens", "get">[number];
export type TokenCreated = ResponseOf<"/api/tokens", "post">;
export type TokenCreate = RequestOf<"/api/tokens", "post">;
export type AdminCreate = RequestOf<"/api/admins", "post">;
export type AuditPage = ResponseOf<"/api/audit", "get">;
export type AuditEntry = AuditPage["items"][number];
export type Scope = TokenPublic["scopes"][number];
export type Role = AdminPublic["role"];

export type MailDomain = ResponseOf<"/api/mail/domains", "get">["domains"][number];
export type MailDomainCreate = RequestOf<"/api/mail/domains", "post">;
export type MailboxPage = ResponseOf<"/api/mail/mailboxes", "get">;
export type Mailbox = MailboxPage["mailboxes"][number];
export type MailboxCreate = RequestOf<"/api/mail/mailboxes", "post">;
export type MailboxChange = RequestOf<"/api/mail/mailboxes/{address}", "patch">;
export type MailboxUsage = ResponseOf<"/api/mail/mailboxes/{address}/usage", "get">;
export type MailAlias = ResponseOf<"/api/mail/aliases", "get">["aliases"][number];
export type MailDnsPlan = ResponseOf<"/api/mail/domains/{name}/dns-plan", "get">;
export type DkimKeys = ResponseOf<"/api/mail/domains/{name}/dkim", "get">;
export type ClientSetup = ResponseOf<"/api/mail/client-setup", "get">;
export type DnsZone = ResponseOf<"/api/dns/zones", "get">["zones"][number];
export type DnsRecord = ResponseOf<"/api/dns/zones/{zone}/records", "get">["records"][number];
export type RecordSpec = RequestOf<"/api/dns/zones/{zone}/records", "post">["record"];
export type RecordType = RecordSpec["type"];
export type DnsPlan = ResponseOf<"/api/dns/zones/{zone}/plan", "post">;
export type PlanChange = DnsPlan["changes"][number];
export type DesiredApply = RequestOf<"/api/dns/zones/{zone}/apply", "post">;
export type ApplyResult = ResponseOf<"/api/dns/zones/{zone}/apply", "post">;
export type ZoneImport = RequestOf<"/api/dns/zones/{zone}/import", "post">;
export type EdgeSecurity = ResponseOf<"/api/dns/zones/{zone}/edge", "get">;
export type EdgeSetting = EdgeSecurity["settings"][number];
export type EdgeSettingId = EdgeSetting["id"];
export type MailMessageList = ResponseOf<"/api/mail/messages", "get">;
export type MailMessage = MailMessageList["messages"][number];
export type MailDelivery = MailMessage["deliveries"][number];
export type MailVerdict = NonNullable<MailMessage["verdict"]>;
export type MailMessageState = MailMessage["state"];
export type HourlyCount = ResponseOf<"/api/mail/messages/hourly", "get">["counts"][number];
export type RetryScheduled = ResponseOf<"/api/mail/messages/retry", "post">;
