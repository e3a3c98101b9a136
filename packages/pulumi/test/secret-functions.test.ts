/**
 * The platform's Lambda functions (secret rotation, secret age monitor, approval gateway) as the
 * example plan deploys them: a runtime AWS still lets us create functions on, and code that runs on
 * it (ES modules that import only what the runtime ships).
 */
import { strict as assert } from "node:assert";
import { isBuiltin } from "node:module";
import { buildSync } from "esbuild";
import { before, describe, it } from "node:test";
import { lambdaRuntimeStatus } from "@airlock/core";
import type { Recording } from "../src/plan/record.ts";
import { bundleOptions } from "../build/bundle.ts";
import { assetText } from "../src/assets.ts";
import { LAMBDA_RUNTIME } from "../src/secrets/lambda-runtime.ts";
import { all, exampleModel, recordDeployment } from "./harness.ts";

const FN = "aws:lambda/function:Function";

/** Module specifiers a source file imports (static and dynamic). */
function importsOf(source: string): string[] {
  const specs = new Set<string>();
  for (const m of source.matchAll(/(?:^|[\s;}])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']/g)) specs.add(m[1]!);
  for (const m of source.matchAll(/(?:^|[\s;}])import\s*["']([^"']+)["']/g)) specs.add(m[1]!);
  for (const m of source.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) specs.add(m[1]!);
  return [...specs].sort();
}

/** What the Node.js Lambda runtime provides: Node's own modules and the AWS SDK for JavaScript v3. */
const runtimeProvides = (spec: string) => spec.startsWith("node:") || spec.startsWith("@aws-sdk/client-");

describe("Airlock's Lambda functions: runtime", () => {
  let rec: Recording;
  before(async () => {
    rec = await recordDeployment(await exampleModel());
  });

  it("runs every function of the plan on a runtime AWS lets us create functions on today", () => {
    const fns = all(rec, FN);
    assert.deepEqual(fns.map((f) => f.name).sort(), ["platform-approvals-function", "platform-secret-fn-age-monitor", "platform-secret-fn-rotation"]);
    for (const f of fns) {
      const status = lambdaRuntimeStatus(String(f.inputs.runtime), new Date());
      assert.ok(status.phase === "supported" || status.phase === "deprecated", `${f.name}: ${f.inputs.runtime} is ${status.phase}${status.replacement ? `; use ${status.replacement}` : ""}`);
      assert.equal(f.inputs.runtime, LAMBDA_RUNTIME, `${f.name} uses Airlock's one Lambda runtime`);
    }
    // The newest Node.js runtime, with the longest support window.
    assert.equal(LAMBDA_RUNTIME, "nodejs24.x");
    assert.equal(lambdaRuntimeStatus(LAMBDA_RUNTIME, new Date()).phase, "supported");
  });

  it("ships ES modules (index.mjs, handler index.handler) that import only Node's modules and the runtime's AWS SDK v3", () => {
    for (const f of all(rec, FN)) {
      assert.equal(f.inputs.handler, "index.handler", f.name);
      assert.ok("index.mjs" in (f.inputs.code as { archive: Record<string, unknown> }).archive, f.name);
    }
    // The secret functions as shipped: their sources import the contracts, which the build inlines.
    for (const asset of ["rotation", "secretAge"] as const) {
      const source = assetText(asset);
      assert.match(source, /export\s*\{[^}]*\bhandler\b[^}]*\}/, `${asset} exports handler`);
      const outside = importsOf(source).filter((s) => !runtimeProvides(s));
      assert.deepEqual(outside, [], `${asset} imports what the runtime does not ship`);
    }
    // The gateway's bundle: what esbuild left external (everything else is inside the one file).
    const meta = buildSync({ ...bundleOptions(), write: false, metafile: true }).metafile;
    const external = [...new Set(Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)))].sort();
    // Optional requires inside try blocks of dependencies: pg loads pg-native only in its native
    // mode (never used here), debug colours its output with supports-color when present.
    const optional = new Set(["pg-native", "supports-color"]);
    assert.deepEqual(external.filter((s) => !runtimeProvides(s) && !isBuiltin(s) && !optional.has(s)), [], `the gateway bundle leaves external: ${external.join(", ")}`);
    assert.ok(external.includes("@aws-sdk/client-secrets-manager"), "the SDK is the runtime's, not bundled");
    assert.match(assetText("approvalGateway"), /export\s*\{[^}]*\bhandler\b[^}]*\}/, "the bundle is an ES module exporting handler");
  });

  it("bundles the gateway for the Node.js version of that runtime", () => {
    assert.equal(bundleOptions().target, `node${/^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME)![1]}`);
    assert.equal(bundleOptions().format, "esm");
  });
});
