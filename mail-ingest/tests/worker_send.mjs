// Sends messages through the real Email Worker code (deploy/cloudflare/
// email-worker/src/index.js) to a running mail-ingest. Reads a JSON list
// of {file, from, to} on stdin; prints one JSON outcome per message.
import { readFileSync } from "node:fs";
import { forward } from "../../deploy/cloudflare/email-worker/src/index.js";

const jobs = JSON.parse(readFileSync(0, "utf8"));
const env = { INGEST_URL: process.env.INGEST_URL, INGEST_SECRET: process.env.INGEST_SECRET };
const outcomes = new Array(jobs.length);
const CONCURRENCY = Number(process.env.WORKER_CONCURRENCY ?? 8);
let next = 0;

async function sendOne(index) {
  const job = jobs[index];
  const bytes = readFileSync(job.file);
  const message = {
    from: job.from,
    to: job.to,
    rawSize: bytes.length,
    raw: new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array(bytes));
        controller.close();
      },
    }),
    rejected: null,
    setReject(reason) {
      this.rejected = reason;
    },
  };
  try {
    const outcome = await forward(message, env);
    outcomes[index] = { file: job.file, outcome, rejected: message.rejected };
  } catch (error) {
    outcomes[index] = { file: job.file, outcome: "thrown", error: error.message };
  }
}

async function lane() {
  while (next < jobs.length) {
    await sendOne(next++);
  }
}

await Promise.all(Array.from({ length: CONCURRENCY }, lane));
process.stdout.write(JSON.stringify(outcomes));
