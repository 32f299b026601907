// The Worker against a real local HTTP server that checks what it sends.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { createServer } from "node:http";

import worker, { forward } from "../src/index.js";

const SECRET = "worker-test-secret-0123456789";
const RAW = "From: a@example.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nbody\r\n";

let server;
let baseUrl;
let answer = { status: 200, body: { id: "m1", state: "delivered" } };
let received = [];

before(async () => {
  server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ request, body: Buffer.concat(chunks) });
      if (answer.hang) return;
      response.writeHead(answer.status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

function fakeMessage({ raw = RAW, from = "sender@elsewhere.test", to = "b@example.test" } = {}) {
  const bytes = new TextEncoder().encode(raw);
  return {
    from,
    to,
    rawSize: bytes.length,
    raw: new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    }),
    rejected: null,
    setReject(reason) {
      this.rejected = reason;
    },
  };
}

function env(extra = {}) {
  return { INGEST_URL: baseUrl, INGEST_SECRET: SECRET, ...extra };
}

test("accepted: the raw bytes, the envelope and a valid signature arrive", async () => {
  received = [];
  answer = { status: 200, body: { id: "m1", state: "delivered" } };
  const message = fakeMessage({ to: "δοκιμή@example.test" });

  await worker.email(message, env());

  assert.equal(message.rejected, null);
  assert.equal(received.length, 1);
  const { request, body } = received[0];
  assert.equal(request.method, "POST");
  assert.equal(request.url, "/v1/inbound");
  assert.equal(body.toString("utf8"), RAW);
  const headers = request.headers;
  const envelope = JSON.parse(
    Buffer.from(headers["x-homehost-envelope"], "base64url").toString("utf8"),
  );
  assert.deepEqual(envelope, { from: "sender@elsewhere.test", to: ["δοκιμή@example.test"] });
  const digest = createHash("sha256").update(body).digest("hex");
  assert.equal(headers["x-homehost-body-sha256"], digest);
  const text = [
    "v1",
    headers["x-homehost-timestamp"],
    "POST",
    "/v1/inbound",
    headers["x-homehost-envelope"],
    digest,
  ].join("\n");
  const expected = createHmac("sha256", SECRET).update(text).digest("hex");
  assert.equal(headers["x-homehost-signature"], `v1=${expected}`);
  assert.ok(Math.abs(Number(headers["x-homehost-timestamp"]) - Date.now() / 1000) < 60);
});

test("a permanent refusal rejects the message with mail-ingest's reason", async () => {
  answer = { status: 422, body: { state: "rejected", reason: "5.7.1 virus found: Eicar" } };
  const message = fakeMessage();

  const outcome = await forward(message, env());

  assert.equal(outcome, "rejected");
  assert.equal(message.rejected, "5.7.1 virus found: Eicar");
});

test("too large for mail-ingest (413) is a permanent refusal", async () => {
  answer = { status: 413, body: { code: "too_large", message: "552 5.3.4 too large" } };
  const message = fakeMessage();

  await forward(message, env());

  assert.equal(message.rejected, "552 5.3.4 too large");
});

for (const status of [503, 500, 401, 429]) {
  test(`HTTP ${status} throws so that the sender retries`, async () => {
    answer = { status, body: { code: "unavailable", message: "later" } };
    const message = fakeMessage();

    await assert.rejects(forward(message, env()), {
      message: `mail-ingest answered ${status}; try again later`,
    });
    assert.equal(message.rejected, null);
  });
}

test("a timeout throws", async () => {
  answer = { hang: true };
  const message = fakeMessage();

  await assert.rejects(forward(message, env({ INGEST_TIMEOUT_MS: "300" })), /did not answer/);
  assert.equal(message.rejected, null);
  server.closeAllConnections();
});

test("a network error throws", async () => {
  const closed = createServer();
  await new Promise((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = closed.address().port;
  await new Promise((resolve) => closed.close(resolve));
  const message = fakeMessage();

  await assert.rejects(
    forward(message, env({ INGEST_URL: `http://127.0.0.1:${port}` })),
    /did not answer/,
  );
  assert.equal(message.rejected, null);
});

test("a message over 25 MiB is refused without a request", async () => {
  received = [];
  const message = fakeMessage();
  message.rawSize = 25 * 1024 * 1024 + 1;

  await forward(message, env());

  assert.equal(received.length, 0);
  assert.equal(message.rejected, "552 5.3.4 message larger than 26214400 bytes");
});
