/**
 * The agent's task definitions: one retained revision per release (a rollback only moves the
 * service's pointer), each with one hardened container whose environment says what the agent is,
 * which model and approval alias it uses and where its sandbox runs; secrets come from Secrets
 * Manager only.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { sanitizeTagValue, type AgentModel, type ResolvedBedrockModel } from "@airlock/core";
import { encodeApprovalTiers, encodeList, TAGS, TASK_ENV } from "@airlock/core/contracts";
import { stackScopedName } from "../naming.ts";
import { recordPlanFinding } from "../registry.ts";
import { fargateTaskDefinition, hardenedContainer } from "./container.ts";
import { releaseModelHash, type ReleaseSpec } from "./releases.ts";

/** Name of the agent's container in every task definition. */
export const AGENT_CONTAINER = "agent";

/** What the agent's environment names besides its model: resources made for it. */
export interface AgentEnvironmentRefs {
  /** The stack, as the tracer's `Stack` dimension. */
  readonly stack: string;
  readonly bedrock?: ResolvedBedrockModel;
  readonly approvalAliasArn?: pulumi.Input<string>;
  readonly sandbox?: {
    readonly clusterArn: pulumi.Input<string>;
    readonly taskDefinitionArn: pulumi.Input<string>;
    readonly subnetIds: pulumi.Output<string[]>;
    readonly securityGroupId: pulumi.Input<string>;
    /** Where the sandbox's container writes its output (the runner reads it back). */
    readonly logGroupName: pulumi.Input<string>;
  };
}

/** The environment every release of the agent starts with (the manifest's, then Airlock's `TASK_ENV`). */
export function agentEnvironment(model: AgentModel, refs: AgentEnvironmentRefs): Record<string, pulumi.Input<string>> {
  const { bedrock, sandbox } = refs;
  return {
    ...model.runtime.environment,
    [TASK_ENV.agent]: model.name,
    // The tracer's `Stack` dimension: the alarms read {Stack, Agent}.
    [TASK_ENV.stack]: refs.stack,
    [TASK_ENV.model]: `${model.model.provider}/${model.model.id}`,
    // Each release's own: the hash of the model its image ships (releaseTaskDefinitions).
    [TASK_ENV.modelHash]: model.hash,
    // The id to pass to Bedrock's InvokeModel or Converse: the inference profile.
    ...(bedrock !== undefined ? { [TASK_ENV.bedrockModelId]: bedrock.profile.id } : {}),
    [TASK_ENV.approvalTiers]: encodeApprovalTiers(Object.fromEntries(model.riskLines.map((a) => [a.actionType, a.tier]))),
    ...(model.github.length > 0 ? { [TASK_ENV.githubScope]: JSON.stringify(model.github) } : {}),
    ...(refs.approvalAliasArn !== undefined ? { [TASK_ENV.approvalFunction]: refs.approvalAliasArn } : {}),
    ...(sandbox
      ? {
          [TASK_ENV.sandboxCluster]: sandbox.clusterArn,
          [TASK_ENV.sandboxTaskDefinition]: sandbox.taskDefinitionArn,
          [TASK_ENV.sandboxSubnets]: sandbox.subnetIds.apply(encodeList),
          [TASK_ENV.sandboxSecurityGroup]: sandbox.securityGroupId,
          [TASK_ENV.sandboxLogGroup]: sandbox.logGroupName,
        }
      : {}),
  };
}

/** Arguments of {@link releaseTaskDefinitions}. */
export interface ReleaseTaskDefinitionsArgs {
  readonly model: AgentModel;
  readonly releases: Readonly<Record<string, ReleaseSpec>>;
  /** The image each release runs. */
  readonly imageOf: (id: string) => pulumi.Output<string>;
  /** Every release's environment before its own (`agentEnvironment`). */
  readonly environment: Record<string, pulumi.Input<string>>;
  /** Secret ARNs by environment variable name. */
  readonly secretRefs: Record<string, pulumi.Output<string>>;
  readonly logGroupName: pulumi.Output<string>;
  readonly region: string;
  readonly stack: string;
  readonly scratchPaths: readonly string[];
  readonly executionRoleArn: pulumi.Input<string>;
  readonly taskRoleArn: pulumi.Input<string>;
  readonly tags: Record<string, string>;
}

/**
 * One task definition per release (in id order), named `${name}-release-<id>`, children of `parent`;
 * their ARNs by release id. Each release's `AIRLOCK_MODEL_HASH` is the hash of the model its image
 * ships (`releaseModelHash`); a release whose model is not the current compile's is a plan finding
 * (AIR-I110), since its task role, egress and approval routes are the current compile's.
 */
export function releaseTaskDefinitions(name: string, args: ReleaseTaskDefinitionsArgs, parent: pulumi.Resource): Record<string, pulumi.Output<string>> {
  const { model, releases } = args;
  const releaseArns: Record<string, pulumi.Output<string>> = {};
  for (const id of Object.keys(releases).sort()) {
    const r = releases[id]!;
    const modelHash = releaseModelHash(model, r);
    if (modelHash !== model.hash) olderModelFinding(model, id, modelHash);
    const containerDefinitions = pulumi
      .all([args.imageOf(id), pulumi.output(args.environment), pulumi.output(args.secretRefs), args.logGroupName])
      .apply(([image, env, secretArns, logGroupName]) =>
        JSON.stringify([
          hardenedContainer({
            name: AGENT_CONTAINER,
            image,
            user: model.runtime.user,
            ...(model.runtime.command ? { command: model.runtime.command } : {}),
            environment: { ...env, ...r.environment, [TASK_ENV.release]: id, [TASK_ENV.modelHash]: modelHash },
            secrets: secretArns,
            logGroupName,
            region: args.region,
            streamPrefix: id,
            scratchPaths: args.scratchPaths,
          }),
        ]),
      );
    const td: aws.ecs.TaskDefinition = fargateTaskDefinition(
      `${name}-release-${id}`,
      {
        family: stackScopedName([model.name], 255, "-", args.stack),
        containerDefinitions,
        cpu: model.runtime.cpu,
        memory: model.runtime.memory,
        architecture: model.runtime.architecture,
        executionRoleArn: args.executionRoleArn,
        taskRoleArn: args.taskRoleArn,
        scratchPaths: args.scratchPaths,
        tags: { ...args.tags, [TAGS.release]: id, ...(r.description ? { [TAGS.releaseDescription]: sanitizeTagValue(r.description) } : {}) },
      },
      { parent },
    );
    releaseArns[id] = td.arn;
  }
  return releaseArns;
}

/** AIR-I110: release `id` runs a model other than the one the plan's IAM, egress and approvals are compiled from. */
function olderModelFinding(model: AgentModel, id: string, modelHash: string): void {
  recordPlanFinding({
    rule: "AIR-I110",
    severity: "info",
    subject: `${model.name}: releases.${id}`,
    message:
      `release \`${id}\` runs the model its image ships (hash ${modelHash.slice(0, 12)}…), not the one compiled from agent.yaml now (${model.hash.slice(0, 12)}…): ` +
      `its prompt, tools and argument policies are its image's; its task role, egress, approval routes and ${TASK_ENV.approvalTiers} are the current compile's. ` +
      `Its eval report is judged by its image digest alone. ` +
      // Review 2 S-A: the shared task role describes and stops only sandbox tasks tagged with the agent (not loosened for old runtimes).
      (model.sandbox !== undefined
        ? `If its runtime predates the sandbox task tags (@airlock/runtime before b5030a9), it loses its sandbox tool under this task role: its sandbox tasks start untagged, and the role describes and stops only tagged ones. `
        : "") +
      `To run the current model, declare an image built from agent.yaml as a new release, its modelHash the \`hash\` its agent-model.json carries (${model.hash} for a build of agent.yaml now)`,
  });
}
