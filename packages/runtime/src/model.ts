/**
 * The compiled model an agent ships with its release, and the check that it is the model the
 * running task was deployed with.
 *
 * The release's image carries the `AgentModel` JSON (what `compile` / `loadManifest` return,
 * `JSON.stringify`'d) as {@link MODEL_FILE} beside the agent's code: the build that makes the
 * image writes it from the same `agent.yaml` the Pulumi program deploys. `AgentDeployment` puts
 * the hash of the model each release's image ships in that release's task environment
 * (`TASK_ENV.modelHash`: the release's `modelHash`, or the current compile's for the image the
 * program builds), so a model file from another release, or one edited after it was compiled, does
 * not start, while a release pinned to an older image still does.
 */
import { readFileSync } from "node:fs";
import type { AgentModel, ToolSummary } from "@airlock/core";
import { TASK_ENV } from "@airlock/core/contracts";
import { modelContentHash } from "@airlock/core/hash";
import { AirlockRuntimeError } from "./errors.ts";

/** The model file's name in the release (beside the agent's code, the working directory by default). */
export const MODEL_FILE = "agent-model.json";

/**
 * A tool of the shipped model as the runtime reads it: its summary, and its declared `input`
 * JSON Schema when the manifest gives one.
 */
export type GuardedTool = ToolSummary & {
  /** JSON Schema of the tool's arguments (an object schema); absent when the manifest declares none. */
  readonly input?: Record<string, unknown>;
};

/** The shipped model as the runtime reads it. */
export type ShippedModel = Omit<AgentModel, "tools"> & { readonly tools: readonly GuardedTool[] };

/**
 * The hash of a model's content, as `compile` computes `AgentModel.hash`: without where it was
 * compiled, its findings, the hash itself and its image references (`image`, `sandbox.image`), so
 * the same model hashes alike in an image built from source and in the image pinned by digest.
 */
export { modelContentHash };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads the shipped model (a path to its JSON, or the parsed object) and checks its shape and that
 * its content still hashes to its `hash`. Throws `AirlockRuntimeError` naming what is wrong.
 */
export function readShippedModel(source: string | unknown): ShippedModel {
  let raw: unknown = source;
  let where = "the model";
  if (typeof source === "string") {
    where = source;
    let text: string;
    try {
      text = readFileSync(source, "utf8");
    } catch (e) {
      throw new AirlockRuntimeError(`cannot read the agent's model ${source} (${(e as Error).message}); ship the compiled model (${MODEL_FILE}) with the release`);
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new AirlockRuntimeError(`${source} is not JSON (${(e as Error).message}); ship the compiled model as JSON.stringify(await loadManifest("agent.yaml"))`);
    }
  }
  if (!isObject(raw) || typeof raw.name !== "string" || !Array.isArray(raw.tools) || !Array.isArray(raw.riskLines) || typeof raw.hash !== "string") {
    throw new AirlockRuntimeError(`${where} is not a compiled agent model (it needs \`name\`, \`tools\`, \`riskLines\` and \`hash\`); ship what \`compile\` or \`loadManifest\` returns`);
  }
  const problems: string[] = [];
  raw.tools.forEach((t: unknown, i) => {
    if (!isObject(t) || typeof t.name !== "string" || t.name === "") problems.push(`\`tools[${i}]\`: has no name`);
    else if (t.input !== undefined && !isObject(t.input)) problems.push(`\`tools[${i}].input\` (${t.name}): must be a JSON Schema object`);
  });
  if (problems.length > 0) throw new AirlockRuntimeError(`${where} is not a compiled agent model:\n  ${problems.join("\n  ")}`);
  const computed = modelContentHash(raw);
  if (computed !== raw.hash) {
    throw new AirlockRuntimeError(
      `${where}: its content hashes to ${computed.slice(0, 12)}…, not to its \`hash\` ${raw.hash.slice(0, 12)}…; the model was changed after it was compiled. Ship the model exactly as compiled`,
    );
  }
  return raw as unknown as ShippedModel;
}

/** What the running task says its model is: `expected`, or the task's environment. */
export interface ModelHashSource {
  /**
   * The hash the task was deployed with, or `false` to skip the check (a local run outside a task).
   * @default - the task's `AIRLOCK_MODEL_HASH` (`TASK_ENV.modelHash`), which AgentDeployment sets
   */
  readonly modelHash?: string | false;
  /** @default - `process.env` */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Refuses a shipped model that is not the running task's: its hash must equal the task's
 * `TASK_ENV.modelHash`. Throws `AirlockRuntimeError`; a missing variable is an error too (pass
 * `modelHash: false` to run outside a task).
 */
export function checkModelHash(model: Pick<ShippedModel, "name" | "hash">, source: ModelHashSource = {}): void {
  if (source.modelHash === false) return;
  const expected = source.modelHash ?? (source.env ?? process.env)[TASK_ENV.modelHash];
  if (expected === undefined || expected === "") {
    throw new AirlockRuntimeError(
      `\`${TASK_ENV.modelHash}\` is not set, so the shipped model of ${model.name} cannot be checked against the task's release; AgentDeployment sets it in the task definition (pass \`modelHash: false\` only to run outside a task)`,
    );
  }
  if (expected !== model.hash) {
    throw new AirlockRuntimeError(
      `the shipped model of ${model.name} (hash ${model.hash.slice(0, 12)}…) is not the model this task was deployed with (\`${TASK_ENV.modelHash}\` ${expected.slice(0, 12)}…); ship the model compiled from this release's agent.yaml, or deploy the release that matches it`,
    );
  }
}
