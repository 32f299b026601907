import type { ClientSetup } from "../api/types";

const UNITS = ["B", "KB", "MB", "GB", "TB"] as const;

/** Bytes in the largest binary unit that keeps the number ≥ 1: "1.5 GB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) {
    return "0 B";
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Megabytes as a form takes them, to bytes. */
export function megabytesToBytes(megabytes: number): number {
  return Math.round(megabytes * 1024 * 1024);
}

/** Bytes to whole megabytes, for a form's initial value. */
export function bytesToMegabytes(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}

/** The usage bar's colour band: ok under 80 %, warning to 95 %, full above. */
export function usageTone(percent: number): "ok" | "warning" | "full" {
  if (percent >= 95) {
    return "full";
  }
  return percent >= 80 ? "warning" : "ok";
}

/** The bar's width in percent, clamped to 0..100. */
export function usageWidth(percent: number): number {
  return Math.min(100, Math.max(0, percent));
}

/**
 * A quick strength hint for a typed password, 0 (weak) to 4 (strong):
 * length and variety of characters. The mailbox service makes the real
 * check (zxcvbn) and its refusal lands on the field.
 */
export function passwordStrength(password: string): 0 | 1 | 2 | 3 | 4 {
  if (password.length < 10) {
    return 0;
  }
  const kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((kind) =>
    kind.test(password),
  ).length;
  const unique = new Set(password).size;
  let score = 1;
  if (password.length >= 14) score += 1;
  if (kinds >= 3) score += 1;
  if (password.length >= 20 || (kinds === 4 && password.length >= 12)) score += 1;
  if (unique < password.length / 3) score = 1;
  return Math.min(4, score) as 0 | 1 | 2 | 3 | 4;
}

/** Destinations typed one per line or separated by commas, trimmed, no blanks. */
export function parseDestinations(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\n,;]/)
        .map((part) => part.trim())
        .filter((part) => part !== ""),
    ),
  ];
}

/** Labels the client setup text uses, in the portal's language. */
export interface SetupLabels {
  email: string;
  username: string;
  incoming: string;
  outgoing: string;
  security: Record<"none" | "starttls" | "ssl", string>;
}

/** The client setup card as plain text, for the copy button. */
export function clientSetupText(setup: ClientSetup, labels: SetupLabels): string {
  const server = (entry: ClientSetup["incoming"][number]) =>
    `  ${entry.protocol.toUpperCase()}  ${entry.host}:${entry.port}  ${labels.security[entry.security]}`;
  const lines = [
    ...(setup.email_address ? [`${labels.email}: ${setup.email_address}`] : []),
    `${labels.username}: ${setup.username}`,
    `${labels.incoming}:`,
    ...setup.incoming.map(server),
    `${labels.outgoing}:`,
    ...setup.outgoing.map(server),
    ...setup.notes.map((note) => `- ${note}`),
  ];
  return lines.join("\n");
}
