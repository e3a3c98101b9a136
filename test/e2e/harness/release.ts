/**
 * The release the agent runs, as the image and the task definition carry it: the model compiled
 * from the example's `agent.yaml` (shipped as `agent-model.json` in the working directory, and in
 * the gateway's `gateway.json`), and the task's environment exactly as `AgentDeployment` writes it
 * (`agentEnvironment` of @airlock/pulumi, the same function the task definition is built from),
 * plus what ECS adds: the secrets it injects by their variable names, the task role's credentials
 * and region.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadManifest, type AgentModel } from "@airlock/core";
import { encodeList, TASK_ENV } from "@airlock/core/contracts";
import { MODEL_FILE } from "@airlock/runtime";
import { agentEnvironment } from "../../../packages/pulumi/src/agent/task-definitions.ts";
import { REPO_ROOT } from "./agent-process.ts";

export const EXAMPLE_DIR = join(REPO_ROOT, "examples/support-agent");
export const MANIFEST = join(EXAMPLE_DIR, "agent.yaml");
export const RELEASE_ID = "rel-e2e-0001";
export const STACK = "support-agent/e2e";

let compiled: Promise<AgentModel> | undefined;

/** The example's compiled model (compiled once per process). */
export function exampleModel(): Promise<AgentModel> {
  compiled ??= loadManifest(MANIFEST);
  return compiled;
}

/** The release's files: a directory holding `agent-model.json`, as the image's working directory does. */
export interface ReleaseFiles {
  readonly dir: string;
  readonly modelFile: string;
  remove(): void;
}

export function releaseFiles(model: AgentModel): ReleaseFiles {
  const dir = mkdtempSync(join(tmpdir(), "airlock-e2e-release-"));
  const modelFile = join(dir, MODEL_FILE);
  writeFileSync(modelFile, JSON.stringify(model));
  return { dir, modelFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Where the task's sandbox runs (what `AgentDeployment` sets when a tool executes code). */
export interface SandboxRefs {
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
}

/**
 * The task's environment for this release: `agentEnvironment` (the manifest's variables and
 * `TASK_ENV`), the release id, the sandbox's variables when the model has a code-executing tool,
 * and each secret's value under its `envName` (ECS reads them from Secrets Manager).
 */
export function taskEnvironment(
  model: AgentModel,
  refs: { readonly approvalAliasArn: string; readonly sandbox?: SandboxRefs; readonly secrets: Readonly<Record<string, string>> },
): Record<string, string> {
  const env = agentEnvironment(model, { stack: STACK, approvalAliasArn: refs.approvalAliasArn }) as Record<string, string>;
  const out: Record<string, string> = { ...env, [TASK_ENV.release]: RELEASE_ID };
  if (refs.sandbox !== undefined && model.tools.some((t) => t.sandbox)) {
    // agentEnvironment takes the subnets as a Pulumi Output; the values it writes are these.
    out[TASK_ENV.sandboxCluster] = refs.sandbox.clusterArn;
    out[TASK_ENV.sandboxTaskDefinition] = refs.sandbox.taskDefinitionArn;
    out[TASK_ENV.sandboxSubnets] = encodeList(refs.sandbox.subnetIds);
    out[TASK_ENV.sandboxSecurityGroup] = refs.sandbox.securityGroupId;
  }
  for (const s of model.secrets) {
    const value = refs.secrets[s.name];
    if (value === undefined) throw new Error(`the e2e release has no value for secret ${s.name} (${s.envName}); add one to the scenario's secrets`);
    out[s.envName] = value;
  }
  for (const [k, v] of Object.entries(out)) if (typeof v !== "string") throw new Error(`task environment ${k} is not a plain string (${String(v)})`);
  return out;
}
