/**
 * Writes the JSON Schema of `agent.yaml` (`manifestJsonSchema()` from @airlock/core) to
 * packages/core/schema/agent.schema.json, the file the package ships and the examples' first
 * line (`# yaml-language-server: $schema=…`) points at.
 *
 *   node --import tsx scripts/gen-schema.ts           writes the file
 *   node --import tsx scripts/gen-schema.ts --check   exit 1 if the committed file differs from a fresh generation
 *
 * Run it after changing packages/core/src/manifest/schema.ts and commit the result.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { MANIFEST_SCHEMA_FILE, manifestJsonSchemaText } from "../packages/core/src/manifest/json-schema.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCHEMA_PATH = fileURLToPath(new URL(`../packages/core/${MANIFEST_SCHEMA_FILE}`, import.meta.url));
const shown = relative(ROOT, SCHEMA_PATH);

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== "--check");
if (unknown.length > 0) {
  console.error(`gen-schema: unknown argument ${unknown.join(" ")}; usage: node --import tsx scripts/gen-schema.ts [--check]`);
  process.exit(2);
}

const text = manifestJsonSchemaText();
if (args.includes("--check")) {
  const committed = existsSync(SCHEMA_PATH) ? readFileSync(SCHEMA_PATH, "utf8") : undefined;
  if (committed !== text) {
    console.error(`gen-schema: ${shown} ${committed === undefined ? "is missing" : "is out of date"}; run \`node --import tsx scripts/gen-schema.ts\` and commit it`);
    process.exit(1);
  }
  console.log(`gen-schema: ${shown} is up to date`);
} else {
  mkdirSync(dirname(SCHEMA_PATH), { recursive: true });
  writeFileSync(SCHEMA_PATH, text);
  console.log(`gen-schema: wrote ${shown}`);
}
