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
