/**
 * `npm run build`: every package to JavaScript with declarations, then the prebuilt Lambda code.
 * 1. dist/package.json in each library package says `"type": "commonjs"`: the libraries build to
 *    CommonJS, which `require()` and `import` both load on every Node.js 20 and later (one copy of
 *    each module whichever way a program loads it, as the Pulumi SDK itself is shipped). The CLI
 *    builds to ES modules (it is run, not required).
 * 2. @airlock/pulumi's assets/: the approval gateway bundled by esbuild and the secret functions,
 *    with their digests (packages/pulumi/build/bundle.ts).
 * 3. `tsc -b tsconfig.build.json`: incremental, in dependency order (the packages' tsconfig.build.json).
 * `--clean` removes dist/ and assets/ first, so nothing of a deleted source survives (the packer
 * and CI use it).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeAssets } from "../packages/pulumi/build/bundle.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const LIBRARIES = ["core", "trace", "approvals", "runtime", "guardrails", "pulumi"] as const;
export const PACKAGES = [...LIBRARIES, "cli"] as const;

export function build(options: { readonly clean?: boolean } = {}): void {
  if (options.clean) {
    for (const p of PACKAGES) rmSync(join(ROOT, "packages", p, "dist"), { recursive: true, force: true });
    rmSync(join(ROOT, "packages/pulumi/assets"), { recursive: true, force: true });
  }
  for (const p of LIBRARIES) {
    mkdirSync(join(ROOT, "packages", p, "dist"), { recursive: true });
    writeFileSync(join(ROOT, "packages", p, "dist/package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
  }
  writeAssets(join(ROOT, "packages/pulumi/assets"));
  const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-b", join(ROOT, "tsconfig.build.json")], { stdio: "inherit" });
  if (tsc.status !== 0) throw new Error(`tsc -b failed (exit ${tsc.status ?? tsc.signal})`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    build({ clean: process.argv.includes("--clean") });
  } catch (e) {
    console.error(`build: ${(e as Error).message}`);
    process.exit(1);
  }
}
