/**
 * The Lambda code this package deploys, built when the package is built (`npm run build`, see
 * build/bundle.ts) and shipped in its `assets/` directory: nothing is bundled or compiled while a
 * program runs, so a `pulumi up` in a user's project needs no esbuild and reads no sources.
 *
 * `assets/assets.json` records each file's sha256 and size; a file that no longer matches it (edited
 * or truncated inside node_modules) is refused, and the plan shows the same digest for the code.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import PACKAGE_ROOT from "./package-root.cts";

/** The prebuilt files, by use. */
export const ASSETS = {
  /** The approval gateway: packages/approvals/src/gateway/lambda.ts bundled into one ES module. */
  approvalGateway: "approval-gateway.mjs",
  /** The rotation function of generated secrets (src/secrets/lambda/rotate.mjs). */
  rotation: "rotate.mjs",
  /** The age monitor of hand-rotated secrets (src/secrets/lambda/secret-age.mjs). */
  secretAge: "secret-age.mjs",
} as const;

/** `assets/assets.json`: every prebuilt file with its digest. */
export interface AssetManifest {
  readonly files: Readonly<Record<string, { readonly sha256: string; readonly bytes: number }>>;
}

/** Where the prebuilt files are: `<package>/assets`. */
export const ASSETS_DIR = join(PACKAGE_ROOT, "assets");

let manifest: AssetManifest | undefined;

function readManifest(): AssetManifest {
  if (manifest !== undefined) return manifest;
  const file = join(ASSETS_DIR, "assets.json");
  if (!existsSync(file)) {
    throw new Error(`@airlock/pulumi: its prebuilt Lambda code is missing (${file}); in the Airlock repository run \`npm run build\`, elsewhere reinstall @airlock/pulumi`);
  }
  manifest = JSON.parse(readFileSync(file, "utf8")) as AssetManifest;
  return manifest;
}

const verified = new Map<string, string>();

/**
 * The path of a prebuilt file, checked once per process against `assets.json`: a missing file or one
 * whose content differs from the recorded digest is an error naming the file and the fix.
 */
export function assetFile(key: keyof typeof ASSETS): string {
  const name = ASSETS[key];
  const known = verified.get(name);
  if (known !== undefined) return known;
  const expected = readManifest().files[name];
  const path = join(ASSETS_DIR, name);
  if (expected === undefined || !existsSync(path)) {
    throw new Error(`@airlock/pulumi: the prebuilt ${name} is missing from ${ASSETS_DIR}; in the Airlock repository run \`npm run build\`, elsewhere reinstall @airlock/pulumi`);
  }
  const digest = createHash("sha256").update(readFileSync(path)).digest("hex");
  if (digest !== expected.sha256) {
    throw new Error(`@airlock/pulumi: ${path} does not match the digest recorded at build time (sha256 ${digest}, expected ${expected.sha256}); it was changed after the package was built: rebuild (\`npm run build\`) or reinstall @airlock/pulumi`);
  }
  verified.set(name, path);
  return path;
}

/** A prebuilt file's text. */
export function assetText(key: keyof typeof ASSETS): string {
  return readFileSync(assetFile(key), "utf8");
}
