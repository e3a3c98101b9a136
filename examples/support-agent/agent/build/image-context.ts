/**
 * The image's build context (`agent.image.build.context: agent`, this workspace), made of two
 * parts, both generated into `image/` (ignored by git) and nothing else copied in:
 *
 * - the release's files, {@link writeReleaseFiles}: the compiled model as `agent-model.json` (what
 *   the runtime checks against the task's `AIRLOCK_MODEL_HASH`) and the system prompt it was
 *   compiled with. The Pulumi program writes them from the very model it deploys, every time it
 *   runs, so the image and the task definition cannot disagree; cheap, and byte-identical for the
 *   same manifest.
 * - the code, {@link bundleAgent}: `src/main.ts`, the sandbox entry and its handler bundled by
 *   esbuild (the repository's devDependency) with `@airlock/*` compiled in from the workspace's
 *   sources (the root tsconfig's paths), and the Cedar WebAssembly the runtime loads beside them.
 *   The libraries are not published, so nothing of Airlock is fetched at image build time and the
 *   image runs exactly the code the repository's lock and tests pinned. Run before `pulumi up`:
 *   `npm run image:context -w @airlock-examples/support-agent`.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, decodeUtf8, parseYaml, type AgentModel } from "@airlock/core";
import { sha256 } from "@airlock/core/hash";

/** This workspace: the image's build context. */
export const AGENT_DIR = fileURLToPath(new URL("../", import.meta.url));
/** Where the generated context lives (the Dockerfile copies only from here). */
export const IMAGE_DIR = join(AGENT_DIR, "image");
const REPO_ROOT = join(AGENT_DIR, "../../..");

/** The Dockerfile's stage the sandbox image is (`sandbox.image` in agent.yaml pins a build of it). */
export const SANDBOX_TARGET = "sandbox";

/**
 * The manifest compiled as the image built from this workspace runs it: `agent.yaml` with its
 * `agent.image` replaced by `build: { context: <this workspace> }` (the platform from
 * `runtime.architecture`) and its `sandbox.image` by `build: { target: sandbox }`, the same
 * Dockerfile's stage that the pinned sandbox digest was built from. The manifest itself pins
 * reviewed images by digest, which other stacks deploy; a stack that builds from source deploys
 * this model, builds both images, and ships the model in them. The model's hash leaves the image
 * references out, so it is the same as the pinned manifest's.
 */
export async function loadManifestBuildingImage(manifest: string): Promise<AgentModel> {
  const path = resolve(manifest);
  const raw = parseYaml(decodeUtf8(readFileSync(path), manifest), manifest) as { agent?: Record<string, unknown> };
  if (raw === null || typeof raw !== "object" || typeof raw.agent !== "object" || raw.agent === null) return compile(raw, { baseDir: dirname(path), source: manifest });
  const context = relative(dirname(path), AGENT_DIR).replace(/\\/g, "/").replace(/\/$/, "") || ".";
  const sandbox = (raw as { sandbox?: Record<string, unknown> }).sandbox;
  const built = typeof sandbox === "object" && sandbox !== null && typeof sandbox.image === "string" ? { sandbox: { ...sandbox, image: { build: { target: SANDBOX_TARGET } } } } : {};
  return compile({ ...raw, agent: { ...raw.agent, image: { build: { context } } }, ...built }, { baseDir: dirname(path), source: manifest });
}

/**
 * The runtime's `MODEL_FILE` (@airlock/runtime), the name the runtime reads in its working
 * directory. Not imported: the runtime's index compiles the Cedar WebAssembly when loaded (over a
 * second here), and the program writes this file on every plan; test/example-agent-image.test.ts
 * checks that the two names agree.
 */
export const SHIPPED_MODEL_FILE = "agent-model.json";

/** Fields of the compiled model that name places on the machine that compiled it (outside its hash). */
const HOST_FIELDS = ["promptFile", "manifestDir"];

/** The model as the image ships it: the compiled model without the compiling machine's paths (its hash is unchanged). */
export function shippedModelJson(model: AgentModel): string {
  return JSON.stringify(model, (key, value: unknown) => (key !== "" && HOST_FIELDS.includes(key) ? undefined : value));
}

/** Writes `text` to `path` only if it differs, through a rename (programs planned at once write the same bytes). */
function writeIfChanged(path: string, text: string | Buffer): void {
  if (existsSync(path) && readFileSync(path).equals(Buffer.from(text))) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export interface ReleaseFiles {
  readonly modelFile: string;
  readonly promptFile: string;
}

/**
 * Writes the release's `agent-model.json` and `prompts/system.md` into `dir`. Throws, naming the
 * file, when the model's prompt cannot be read or no longer hashes to its `promptHash`.
 */
export function writeReleaseFiles(model: AgentModel, dir: string = IMAGE_DIR): ReleaseFiles {
  if (model.promptFile === undefined || model.promptHash === undefined) throw new Error("`agent.prompt`: the support agent's image ships its system prompt; declare it in agent.yaml");
  const prompt = readFileSync(model.promptFile);
  if (sha256(prompt) !== model.promptHash) throw new Error(`\`agent.prompt\`: ${model.promptFile} changed after the model was compiled; compile again`);
  const modelFile = join(dir, SHIPPED_MODEL_FILE);
  const promptFile = join(dir, "prompts/system.md");
  writeIfChanged(modelFile, shippedModelJson(model));
  writeIfChanged(promptFile, prompt);
  return { modelFile, promptFile };
}

/** The bundles: entry name → source, relative to this workspace. */
export const BUNDLES = {
  main: "src/main.ts",
  sandbox: "src/sandbox/entry.ts",
  "analyze-ticket-history": "src/sandbox/analyze-ticket-history.ts",
} as const;

/** What an ES module bundle needs for the CommonJS code it holds (require, __dirname: the Cedar build reads its .wasm from there). */
const ESM_BANNER = [
  'import { createRequire as __airlockRequire } from "node:module";',
  'import { fileURLToPath as __airlockPath } from "node:url";',
  'import { dirname as __airlockDir } from "node:path";',
  "const require = __airlockRequire(import.meta.url);",
  "const __filename = __airlockPath(import.meta.url);",
  "const __dirname = __airlockDir(__filename);",
].join(" ");

/** Bundles the agent's code into `dir`/dist (one .mjs per entry of {@link BUNDLES}) with the Cedar WebAssembly beside it. */
export async function bundleAgent(dir: string = IMAGE_DIR): Promise<string[]> {
  const { build } = await import("esbuild");
  const outdir = join(dir, "dist");
  const result = await build({
    absWorkingDir: AGENT_DIR,
    entryPoints: Object.fromEntries(Object.entries(BUNDLES).map(([name, src]) => [name, join(AGENT_DIR, src)])),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    outdir,
    outExtension: { ".js": ".mjs" },
    tsconfig: join(REPO_ROOT, "tsconfig.json"),
    banner: { js: ESM_BANNER },
    legalComments: "eof",
    logLevel: "warning",
    metafile: true,
  });
  if (result.errors.length > 0) throw new Error(`bundling the agent failed: ${result.errors.map((e) => e.text).join("; ")}`);
  const require = createRequire(join(REPO_ROOT, "packages/runtime/package.json"));
  const wasm = join(dirname(require.resolve("@cedar-policy/cedar-wasm/nodejs")), "cedar_wasm_bg.wasm");
  copyFileSync(wasm, join(outdir, "cedar_wasm_bg.wasm"));
  return [...Object.keys(result.metafile.outputs).map((f) => join(AGENT_DIR, f)), join(outdir, "cedar_wasm_bg.wasm")];
}
