/**
 * Bundles the approval gateway's Lambda (packages/approvals/src/lambda.ts) into one ES module with
 * esbuild, at program time. The AWS SDK comes with the Lambda runtime; the embedded store is
 * replaced by a stub, since a Lambda always uses the connection string.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("../../../approvals/src/lambda.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

let cached: string | undefined;

/** The bundled handler source (cached per process; deterministic for the same sources). */
export function approvalLambdaSource(): string {
  if (cached !== undefined) return cached;
  const result = buildSync({
    entryPoints: [ENTRY],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["@aws-sdk/*", "pg-native"],
    alias: { "@electric-sql/pglite": "./packages/pulumi/src/approvals/pglite-stub.mjs" },
    legalComments: "none",
    // CommonJS dependencies bundled into ESM need require().
    banner: { js: "import { createRequire as __airlockCreateRequire } from 'node:module'; const require = __airlockCreateRequire(import.meta.url);" },
    logLevel: "silent",
  });
  cached = result.outputFiles[0]!.text;
  return cached;
}

let cachedFile: string | undefined;

/**
 * The bundle written to a content-addressed file, for a `FileAsset`: Pulumi then hashes a file
 * instead of carrying two megabytes of source through every registration.
 */
export function approvalLambdaFile(): string {
  if (cachedFile !== undefined) return cachedFile;
  const source = approvalLambdaSource();
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), "airlock-build");
  const file = join(dir, `approval-gateway-${hash}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, source);
  }
  cachedFile = file;
  return file;
}
