/**
 * Build time only (`npm run build`; never imported by the package's code, and esbuild is not one of
 * its dependencies): bundles the approval gateway's Lambda (packages/approvals/src/gateway/lambda.ts) into
 * one ES module with esbuild, for the Node.js version of Airlock's Lambda runtime (`LAMBDA_RUNTIME`).
 * The bundle ships prebuilt in the package's `assets/` (see `writeAssets`), so a program never
 * bundles anything at `pulumi up` time.
 * The AWS SDK v3 comes with the Lambda runtime (left external); the embedded store is replaced by
 * a stub, since a Lambda always uses the connection string.
 *
 * The bundle depends on source files only (the agents' routes travel beside it in
 * `gateway.json`), so it is cached on disk between runs: the cache records every input file
 * esbuild read with its content hash, and is used only while every one of them is unchanged (and
 * esbuild and the options are the same). A plan then costs a few hundred file stats instead of a
 * bundle. `BUILD_ENV.cacheDir` (`AIRLOCK_CACHE_DIR`) moves the cache; deleting the directory is always safe.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync, version as esbuildVersion, type BuildOptions } from "esbuild";
import { BUILD_ENV } from "@airlock/core/contracts";
import { LAMBDA_NODE_TARGET } from "../src/secrets/lambda-runtime.ts";
import { ASSETS, type AssetManifest } from "../src/assets.ts";

const ENTRY = fileURLToPath(new URL("../../approvals/src/gateway/lambda.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const LAMBDA_SOURCES = fileURLToPath(new URL("../src/secrets/lambda/", import.meta.url));

const OPTIONS: BuildOptions = {
  entryPoints: [ENTRY],
  absWorkingDir: ROOT,
  bundle: true,
  platform: "node",
  format: "esm",
  target: LAMBDA_NODE_TARGET,
  external: ["@aws-sdk/*", "pg-native"],
  alias: { "@electric-sql/pglite": "./packages/pulumi/build/pglite-stub.mjs" },
  legalComments: "none",
  // CommonJS dependencies bundled into ESM need require().
  banner: { js: "import { createRequire as __airlockCreateRequire } from 'node:module'; const require = __airlockCreateRequire(import.meta.url);" },
  logLevel: "silent",
};

/** The esbuild options of the gateway's bundle (a copy). */
export function bundleOptions(): BuildOptions {
  return structuredClone(OPTIONS);
}

/** What the cache remembers of one build. */
interface CacheEntry {
  readonly key: string;
  /** Input files (relative to the repository root) and their sha256. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Their size and modification time when hashed: while both are the same, the hash is not recomputed. */
  readonly stats?: Readonly<Record<string, readonly [number, number]>>;
  /** The bundle's file name in the cache directory. */
  readonly output: string;
}

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/** esbuild's version and the options: a change to either is a different bundle. */
const CACHE_KEY = sha256(JSON.stringify({ esbuild: esbuildVersion, options: OPTIONS }));

function cacheDir(): string {
  return process.env[BUILD_ENV.cacheDir] ?? join(tmpdir(), "airlock-build");
}

function readEntry(file: string): CacheEntry | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, "utf8")) as CacheEntry;
    return entry.key === CACHE_KEY && typeof entry.inputs === "object" && typeof entry.output === "string" ? entry : undefined;
  } catch {
    return undefined;
  }
}

function statOf(path: string): [number, number] | undefined {
  try {
    const st = statSync(join(ROOT, path));
    return [st.size, st.mtimeMs];
  } catch {
    return undefined;
  }
}

/**
 * True when every input esbuild read last time still has the same content: a file whose size and
 * modification time are as recorded is taken as unchanged (as make and ccache do); any other is
 * hashed and compared.
 */
function inputsUnchanged(entry: CacheEntry): { readonly unchanged: boolean; readonly stats: Record<string, [number, number]>; readonly restatted: boolean } {
  const stats: Record<string, [number, number]> = {};
  let restatted = false;
  for (const [path, hash] of Object.entries(entry.inputs)) {
    const now = statOf(path);
    if (now === undefined) return { unchanged: false, stats, restatted };
    stats[path] = now;
    const then = entry.stats?.[path];
    if (then !== undefined && then[0] === now[0] && then[1] === now[1]) continue;
    if (sha256(readFileSync(join(ROOT, path))) !== hash) return { unchanged: false, stats, restatted };
    restatted = true; // same content, new time (a fresh checkout): remember it, so the next plan skips the hash
  }
  return { unchanged: true, stats, restatted };
}

/** Writes `data` to `file` so a concurrent reader sees the old file or the new one, never half. */
function writeAtomically(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/**
 * The bundle in `dir`: the cached one while every input is unchanged, else a fresh build (which
 * then becomes the cache). `built` says which.
 */
export function bundleApprovalGateway(dir: string = cacheDir()): { readonly file: string; readonly built: boolean } {
  const entryFile = join(dir, "approval-gateway.cache.json");
  const entry = readEntry(entryFile);
  if (entry !== undefined && existsSync(join(dir, entry.output))) {
    const check = inputsUnchanged(entry);
    if (check.unchanged) {
      if (check.restatted) writeAtomically(entryFile, JSON.stringify({ ...entry, stats: check.stats } satisfies CacheEntry));
      return { file: join(dir, entry.output), built: false };
    }
  }
  const result = buildSync({ ...OPTIONS, write: false, metafile: true });
  const source = Buffer.from(result.outputFiles[0]!.contents);
  const output = `approval-gateway-${sha256(source).slice(0, 16)}.mjs`;
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, output))) writeAtomically(join(dir, output), source.toString("utf8"));
  const inputs: Record<string, string> = {};
  const stats: Record<string, [number, number]> = {};
  for (const path of Object.keys(result.metafile.inputs).sort()) {
    const st = statOf(path);
    if (st !== undefined) stats[path] = st;
    inputs[path] = sha256(readFileSync(join(ROOT, path)));
  }
  writeAtomically(entryFile, JSON.stringify({ key: CACHE_KEY, inputs, stats, output } satisfies CacheEntry));
  return { file: join(dir, output), built: true };
}

/**
 * One of the secret functions (`src/secrets/lambda/`) as the Lambda runs it: its own code with the
 * names it shares with the components (`@airlock/core/contracts`) inlined, the AWS SDK left to the
 * runtime. Small and quick, so not cached.
 */
function bundleSecretFunction(file: string): string {
  const result = buildSync({
    entryPoints: [join(LAMBDA_SOURCES, file)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    target: LAMBDA_NODE_TARGET,
    external: ["@aws-sdk/*"],
    legalComments: "none",
    logLevel: "silent",
    write: false,
  });
  return Buffer.from(result.outputFiles[0]!.contents).toString("utf8");
}

/**
 * Writes the package's prebuilt Lambda code into `dir` (the package's `assets/`): the approval
 * gateway's bundle and the two secret functions, each under its name in `ASSETS`, and
 * `assets.json` with every file's sha256 and size (the same digests the plan shows for the code).
 */
export function writeAssets(dir: string): AssetManifest {
  mkdirSync(dir, { recursive: true });
  const sources: Record<keyof typeof ASSETS, string> = {
    approvalGateway: readFileSync(bundleApprovalGateway().file, "utf8"),
    rotation: bundleSecretFunction("rotate.mjs"),
    secretAge: bundleSecretFunction("secret-age.mjs"),
  };
  const manifest: Record<string, { sha256: string; bytes: number }> = {};
  for (const [key, file] of Object.entries(ASSETS) as [keyof typeof ASSETS, string][]) {
    const text = sources[key];
    const path = join(dir, file);
    if (!existsSync(path) || readFileSync(path, "utf8") !== text) writeAtomically(path, text);
    manifest[file] = { sha256: sha256(text), bytes: Buffer.byteLength(text) };
  }
  const out: AssetManifest = { files: manifest };
  writeAtomically(join(dir, "assets.json"), `${JSON.stringify(out, null, 2)}\n`);
  return out;
}
