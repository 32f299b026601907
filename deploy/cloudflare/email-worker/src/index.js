// The homehost Email Worker: Cloudflare Email Routing hands it each
// inbound message; it POSTs the raw bytes, signed, through the Tunnel to
// mail-ingest, and maps the answer:
//   2xx                      -> accepted, nothing more to do;
//   401, 403, 408, 429, 5xx  -> throw: Cloudflare answers the sender with a
//                               temporary failure and the sender retries;
//   any other 4xx            -> message.setReject(reason): a permanent
//                               refusal at SMTP time (unknown user, virus,
//                               spam, too large).
// A timeout or network error throws too, so no message is ever dropped.

const encoder = new TextEncoder();

export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
export const INBOUND_PATH = "/v1/inbound";

function hex(buffer) {
  return [...new Uint8Array(buffer)]
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join("");
}

function base64url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The envelope header: base64url of compact JSON, as mail-ingest reads it. */
export function encodeEnvelope(from, to) {
  return base64url(encoder.encode(JSON.stringify({ from, to })));
}

/** The headers of a signed POST: timestamp, envelope, body digest, HMAC. */
export async function signedHeaders({ secret, body, from, to, now }) {
  const timestamp = String(Math.floor((now ?? Date.now()) / 1000));
  const envelope = encodeEnvelope(from, to);
  const digest = hex(await crypto.subtle.digest("SHA-256", body));
  const text = ["v1", timestamp, "POST", INBOUND_PATH, envelope, digest].join("\n");
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = hex(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
  return {
    "X-Homehost-Timestamp": timestamp,
    "X-Homehost-Envelope": envelope,
    "X-Homehost-Body-Sha256": digest,
    "X-Homehost-Signature": `v1=${signature}`,
  };
}

/** Why mail-ingest refused, in words the sender's MTA shows. */
async function reasonOf(response) {
  try {
    const answer = await response.json();
    return answer.reason || answer.message || `refused (HTTP ${response.status})`;
  } catch {
    return `refused (HTTP ${response.status})`;
  }
}

const TEMPORARY = new Set([401, 403, 408, 429]);

/**
 * Forward one message; resolves when it is accepted or refused for good,
 * throws when the sender should retry later.
 */
export async function forward(message, env, { fetchImpl = fetch } = {}) {
  if (!env.INGEST_URL || !env.INGEST_SECRET) {
    throw new Error("INGEST_URL and the INGEST_SECRET secret must be set");
  }
  if (message.rawSize > MAX_MESSAGE_BYTES) {
    message.setReject(`552 5.3.4 message larger than ${MAX_MESSAGE_BYTES} bytes`);
    return "rejected";
  }
  const body = await new Response(message.raw).arrayBuffer();
  const to = Array.isArray(message.to) ? message.to : [message.to];
  const headers = await signedHeaders({
    secret: env.INGEST_SECRET,
    body,
    from: message.from,
    to,
  });
  const timeoutMs = Number(env.INGEST_TIMEOUT_MS ?? 60000);
  let response;
  try {
    response = await fetchImpl(new URL(INBOUND_PATH, env.INGEST_URL), {
      method: "POST",
      body,
      headers: { ...headers, "Content-Type": "message/rfc822" },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(`mail-ingest did not answer: ${error.message}`);
  }
  if (response.ok) {
    return "accepted";
  }
  if (TEMPORARY.has(response.status) || response.status >= 500) {
    throw new Error(`mail-ingest answered ${response.status}; try again later`);
  }
  message.setReject(await reasonOf(response));
  return "rejected";
}

export default {
  async email(message, env) {
    await forward(message, env);
  },
};
