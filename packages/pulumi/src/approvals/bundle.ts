/**
 * Bundles the approval gateway's Lambda (packages/approvals/src/lambda.ts) into one ES module with
 * esbuild, at program time. The AWS SDK comes with the Lambda runtime; the embedded store is
 * replaced by a stub, since a Lambda always uses the connection string.
 */
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
