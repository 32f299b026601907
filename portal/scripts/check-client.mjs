// Fails when portal/openapi.json or the generated client in src/api/schema.d.ts
// no longer match what the gateway's code produces: regenerates both into a
// temporary folder and compares them with the committed files.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const portal = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const checkout = resolve(portal, "..");
const scratch = mkdtempSync(join(tmpdir(), "homehost-client-"));

try {
  const spec = join(scratch, "openapi.json");
  const schema = join(scratch, "schema.d.ts");
  // `UV` names the uv binary where it is not on PATH (deploy/bootstrap.sh).
  execFileSync(process.env.UV ?? "uv", ["run", "python", "portal/scripts/dump_openapi.py", spec], {
    cwd: checkout,
    stdio: ["ignore", "ignore", "inherit"],
  });
  execFileSync(join(portal, "node_modules", ".bin", "openapi-typescript"), [spec, "-o", schema], {
    cwd: portal,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const stale = [
    [spec, join(portal, "openapi.json")],
    [schema, join(portal, "src", "api", "schema.d.ts")],
  ].filter(([fresh, committed]) => read(fresh) !== read(committed));
  if (stale.length > 0) {
    for (const [, committed] of stale) {
      console.error(`stale: ${committed}`);
    }
    console.error("The typed client is stale: run `npm run generate-client`.");
    process.exit(1);
  }
  console.log("The typed client matches the gateway's OpenAPI spec.");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

function read(path) {
  try {
    return readFileSync(path, "utf-8");
  } catch {
    return null;
  }
}
