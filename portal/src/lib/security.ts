import type { EdgeSetting } from "../api/types";

/** How the Security page shows an edge setting: a choice, a value, or why not. */
export function edgeSettingMode(setting: EdgeSetting): "editable" | "readOnly" | "unreadable" {
  if (!setting.readable) {
    return "unreadable";
  }
  return setting.writable && setting.allowed_values.length > 0 ? "editable" : "readOnly";
}

/** A certificate status's colour band, from Cloudflare's status words. */
export function certificateTone(status: string): "ok" | "pending" | "problem" {
  const word = status.toLowerCase();
  if (word === "active" || word === "issued") {
    return "ok";
  }
  if (word.startsWith("pending") || word === "initializing" || word === "validating") {
    return "pending";
  }
  return "problem";
}
