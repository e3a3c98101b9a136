/**
 * AgentDeployment: one agent on an AgentPlatform. The task role holds exactly the compiled
 * statements; the execution role reads exactly this agent's secrets; every release is a retained
 * task definition revision and the service runs the active one, in private subnets with no public
 * IP, no ingress and egress only to the allowlist. Code-executing tools run in a separate sandbox
 * task with no route out of the VPC.
 */
import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_EVAL_POLICY,
  IAM_POLICY_LIMITS,
  INFERENCE_PROFILE_CONDITION,
  assertEvalGate,
  bedrockInvokeResources,
  findSecrets,
  imageDigestOf,
  policySize,
  releaseFingerprint,
  resolveBedrockModel,
  sanitizeSecurityGroupDescription,
  sanitizeTagValue,
  toolsNeedingApproval,
  type AgentModel,
  type EvalGateResult,
  type EvalPolicy,
  type ResolvedBedrockModel,
} from "@airlock/core";
import type { AgentPlatform } from "../platform/agent-platform.ts";
import { arnSpec, checkArn, KMS_KEY_ARN, LOG_GROUP_ARN, requirement, SECRET_ARN } from "../interop.ts";
import { policyJson, type StatementInput } from "../policy.ts";
import { ECS_TASKS_SERVICE, ecrPullStatements, ecrRepositoryArn, logStatement, RoleStatements, serviceTrustPolicy } from "../iam/index.ts";
import { agentTags, reasonTagValue, ROLE_TAG, validateTags, withOptOutTags } from "../tags.ts";
import { AgentSecrets } from "../secrets/agent-secrets.ts";
import { AgentObservability } from "../observability/agent-observability.ts";
import { AlertChannel, taskStoppedRule, validateAlerts, type AlertTargets } from "../observability/alert-channel.ts";
import { resolveAlarmSettings, type AlarmSettings } from "../observability/alarms.ts";
import { checkRetention } from "../observability/secure-log-group.ts";
import { recordAgentModel } from "../registry.ts";
import { stackLabel, stackScopedName } from "../naming.ts";
import { pendingApprovalsAlarm } from "../approvals/approval-gateway.ts";
import { DEFAULT_SCRATCH_PATHS, fargateTaskDefinition, hardenedContainer, parseEcrImage, validateScratchPaths } from "./container.ts";
import { scratchImageProblems } from "./dockerfile.ts";

/** Pulumi type token of {@link AgentDeployment}. */
export const AGENT_DEPLOYMENT_TOKEN = "airlock:agent:AgentDeployment";
/** Name of the agent's container in every task definition. */
export const AGENT_CONTAINER = "agent";
/** Name of the container in the sandbox task definition (code-executing tools). */
export const SANDBOX_CONTAINER = "sandbox";

/** One release: an image by digest plus its release-specific configuration. */
export interface ReleaseSpec {
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<digest>`. @default - the manifest's image (or the image built from its context) */
  readonly image?: string;
  /** Plain, non-secret environment added for this release. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** What changed, for people reading the plan. @default - none */
  readonly description?: string;
  /** Marks a release that must not run again (the reason); `airlock rollback` skips it. @default - a good release */
  readonly bad?: string;
  /**
   * The eval report made for this release (promptfoo results or Airlock's native format), a path
   * relative to `evalGate.baseDir`. The active release must have one that passes the gate.
   * @default - none (the active release then fails the gate unless it is disabled)
   */
  readonly evalReport?: string;
}

/** The eval gate: the active release runs only with a passing, current eval report. */
export type ReleaseEvalGate =
  | {
      /** Pass rate, regression margin and N-of-N cases. @default - 90% pass rate, no regression from the last good release */
      readonly policy?: EvalPolicy;
      /** Directory relative `evalReport` paths resolve against. @default - the working directory (the Pulumi project) */
      readonly baseDir?: string;
    }
  | {
      /** Opt-out: deploy without an eval gate. The reason is tagged on the service, so it shows in every plan. */
      readonly disabled: string;
    };

/** An existing CloudWatch Logs group for the agent's logs, instead of the one Airlock makes. */
export interface ExistingLogGroup {
  /**
   * The group's ARN (`aws.cloudwatch.LogGroup.arn`), in the platform's account and region. Its
   * retention, encryption and other readers are its owner's; Airlock grants the execution role
   * `logs:CreateLogStream` and `logs:PutLogEvents` on its streams and puts its credential-masking
   * data protection policy on it (a group has one: it replaces any the group had).
   */
  readonly logGroupArn: pulumi.Input<string>;
}

/**
 * An agent's credential that already exists in Secrets Manager (a vendor key your team keeps),
 * instead of the secret Airlock makes. Only for a secret the manifest declares `out-of-band`:
 * Airlock writes the value of generated and config secrets. Airlock then makes no secret, no
 * resource policy (one would replace the secret's own), no rotation and no age alarm; the
 * execution role gets exactly `secretsmanager:GetSecretValue` on this ARN and `kms:Decrypt` on its
 * key through Secrets Manager only. Yours: the value, its rotation (or age watch), the secret's
 * resource policy (deny GetSecretValue to all but the agent's execution role, as Airlock's own
 * secrets do) and the key policy of a customer managed key.
 */
export interface ExistingSecret {
  /** The secret's full ARN (`aws.secretsmanager.Secret.arn`, ending in the six characters Secrets Manager appends). */
  readonly secretArn: pulumi.Input<string>;
  /**
   * ARN of the KMS key the secret is encrypted with; `"aws/secretsmanager"` for the AWS managed
   * key (its key policy already lets this account's principals decrypt through Secrets Manager,
   * so no KMS grant is added). @default - the platform's key
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
}

/** The AWS managed key of Secrets Manager, as `ExistingSecret.kmsKeyArn` names it. */
export const AWS_MANAGED_SECRETS_KEY = "aws/secretsmanager";

/** Arguments of {@link AgentDeployment}. */
export interface AgentDeploymentArgs {
  /** The platform the agent runs on; it must have been built with this agent's model among its `agents`. */
  readonly platform: AgentPlatform;
  /** The agent's compiled model (`await compile(manifest)` or `await loadManifest("agent.yaml")`). */
  readonly model: AgentModel;
  /**
   * Releases to keep, by id. Each keeps its own task definition revision (never deleted), so a
   * rollback only moves the service's pointer.
   * @default - one release `current` running the manifest's image
   */
  readonly releases?: Readonly<Record<string, ReleaseSpec>>;
  /** The release the service runs. @default - the only release; required when there are several */
  readonly activeRelease?: string;
  /** Tasks to run. @default - the manifest's `agent.runtime.desiredCount` */
  readonly desiredCount?: number;
  /** Agent log retention in days (of the group Airlock makes; not with `logGroup`). @default 90 */
  readonly logRetentionDays?: number;
  /** Write the agent's logs to an existing log group. @default - a new KMS-encrypted group `/airlock/<stack>/agents/<agent>` */
  readonly logGroup?: ExistingLogGroup;
  /**
   * Out-of-band secrets that exist already, by the manifest's secret name (see ExistingSecret for
   * what stays yours). @default - none: Airlock makes every secret of the manifest
   */
  readonly existingSecrets?: Readonly<Record<string, ExistingSecret>>;
  /** Alarm thresholds. @default - 10% errors over 2×5 min, $20/hour, a 3σ cost anomaly band */
  readonly alarms?: AlarmSettings;
  /** The agent's own alert channel (Slack through AWS Chatbot, email). @default - the platform's channel */
  readonly alerts?: AlertTargets;
  /**
   * Opt-out: leave the error-rate alarm off the service's deployment alarms (no automatic rollback
   * of a release that trips it). @default false
   */
  readonly disableAlarmRollback?: boolean;
  /** The eval gate on the active release. @default - on, with a 90% pass rate and no regression */
  readonly evalGate?: ReleaseEvalGate;
  /** Tags merged into every taggable child. @default - agent, owner, managed-by */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Writable directories on the agent's read-only root filesystem, each its own bind mount (a plain
   * list: it decides the task's volumes). On Fargate a bind mount is owned by root with mode 0755
   * unless the image declares the path as a `VOLUME` and, before that, makes it the agent user's
   * (`RUN mkdir -p /tmp && chown 10001:10001 /tmp` … `VOLUME ["/tmp"]`). When Airlock builds the
   * image (`agent.image.build`) the plan checks the Dockerfile's final stage for exactly that; an
   * image given by digest cannot be read offline and must do the same.
   * @default ["/tmp"]
   */
  readonly scratchPaths?: readonly string[];
  /**
   * Roles besides the agent's that must read a generated secret's value, by secret name: the
   * service that accepts the token Airlock generates (the billing API checking the agent's
   * token). Each secret's resource policy lets them read it; each still needs `kms:Decrypt` on the
   * platform key through Secrets Manager in its own IAM policy. After a rotation the platform's
   * rotation function redeploys this agent's service (so running tasks pick up the new value), and
   * may update exactly that service.
   * @default - only the agent (and the platform's functions) read any value
   */
  readonly secretConsumers?: Readonly<Record<string, pulumi.Input<string>[]>>;
}

const RELEASE_ID = /^[a-z0-9][a-z0-9.-]{0,30}$/;
const RELEASE_FIELDS = ["image", "environment", "description", "bad", "evalReport"];

/** Everything `validateDeploymentArgs` checks. */
export type DeploymentChecks = ReleaseArgs &
  Pick<AgentDeploymentArgs, "alarms" | "alerts" | "logRetentionDays" | "evalGate" | "scratchPaths" | "secretConsumers" | "tags" | "logGroup" | "existingSecrets">;

/**
 * All pure checks of an AgentDeployment's arguments. The component runs them before creating
 * anything; a program can run them before creating the platform, so bad config makes nothing.
 */
export function validateDeploymentArgs(
  model: AgentModel,
  args: DeploymentChecks,
  region: string,
): { releases: Record<string, ReleaseSpec>; active: string; gate: EvalGateResult | undefined; bedrock: ResolvedBedrockModel | undefined; scratchPaths: string[] } {
  const result = validateReleases(model, args, region);
  validateTags(args.tags);
  const scratchPaths = validateScratchPaths(args.scratchPaths ?? DEFAULT_SCRATCH_PATHS);
  if (model.image.kind === "build") checkBuiltImage(model, scratchPaths);
  checkSecretConsumers(model, args.secretConsumers);
  checkExistingResources(model, args, region);
  // A Bedrock model is called through an inference profile Airlock knows the routing of.
  const bedrock = model.model.provider === "bedrock" ? resolveBedrockModel(model.model.id, region) : undefined;
  checkTaskPolicySize(model, region);
  resolveAlarmSettings(args.alarms);
  validateAlerts(args.alerts);
  if (args.logRetentionDays !== undefined) checkRetention(args.logRetentionDays, "logRetentionDays");
  rejectMovedApprovals(args);
  const gate = checkActiveReleaseEvals(model, result.releases, result.active, args.evalGate);
  return { ...result, gate, bedrock, scratchPaths };
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** `logGroup` and `existingSecrets`: plain ARNs in the platform's region, only out-of-band secrets of the manifest. */
function checkExistingResources(model: AgentModel, args: DeploymentChecks, region: string): void {
  if (args.logGroup !== undefined) {
    if (args.logRetentionDays !== undefined) {
      throw new Error("`logRetentionDays`: only applies to the log group Airlock makes; with `logGroup`, set the retention on your group");
    }
    if (args.logGroup.logGroupArn === undefined) throw new Error("`logGroup.logGroupArn`: give the group's ARN (`aws.cloudwatch.LogGroup.arn`)");
    if (typeof args.logGroup.logGroupArn === "string") checkArn(args.logGroup.logGroupArn, arnSpec(LOG_GROUP_ARN, "logGroup.logGroupArn"), region);
  }
  if (args.existingSecrets === undefined) return;
  const outOfBand = model.secrets.filter((s) => s.source === "out-of-band").map((s) => s.name);
  const listed = outOfBand.length > 0 ? `its out-of-band secrets are ${outOfBand.join(", ")}` : "it has no out-of-band secrets";
  for (const [name, existing] of Object.entries(args.existingSecrets)) {
    const field = `existingSecrets.${name}`;
    const secret = model.secrets.find((s) => s.name === name);
    if (secret === undefined) throw new Error(`\`${field}\`: agent \`${model.name}\` has no secret named \`${name}\`; ${listed}`);
    if (secret.source !== "out-of-band") {
      throw new Error(`\`${field}\`: \`${name}\` is a ${secret.source} secret, whose value Airlock writes; only an out-of-band secret can be one that exists already (${listed})`);
    }
    if (existing === null || typeof existing !== "object" || existing.secretArn === undefined) throw new Error(`\`${field}.secretArn\`: give the secret's ARN (\`aws.secretsmanager.Secret.arn\`)`);
    if (typeof existing.secretArn === "string") checkArn(existing.secretArn, arnSpec(SECRET_ARN, `${field}.secretArn`), region);
    if (typeof existing.kmsKeyArn === "string" && existing.kmsKeyArn !== AWS_MANAGED_SECRETS_KEY) {
      checkArn(existing.kmsKeyArn, { ...arnSpec(KMS_KEY_ARN, `${field}.kmsKeyArn`), hint: `not an alias; \`"${AWS_MANAGED_SECRETS_KEY}"\` for the AWS managed key` }, region);
    }
  }
}

/**
 * The options of an AgentDeployment of `platform`: on the platform's AWS provider unless they name
 * another (`provider`, `providers.aws`, or a parent with one), so an agent deploys where its platform does.
 */
export function onPlatformProvider(platform: AgentPlatform, opts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions | undefined {
  const provider = platform.getProvider("aws::");
  if (provider === undefined) return opts;
  const isAws = (p: pulumi.ProviderResource | undefined) => p !== undefined && (p as unknown as { getPackage(): string }).getPackage() === "aws";
  const given = opts?.providers;
  const named = Array.isArray(given) ? given.some(isAws) : given !== undefined && (given as Record<string, pulumi.ProviderResource>).aws !== undefined;
  if (isAws(opts?.provider) || named || opts?.parent?.getProvider("aws::") !== undefined) return opts;
  const providers = Array.isArray(given) ? [...given, provider] : { ...(given as Record<string, pulumi.ProviderResource> | undefined), aws: provider };
  return { ...opts, providers };
}

/** `secretConsumers` names generated secrets of the agent, each with role ARNs (checked here when they are plain strings). */
function checkSecretConsumers(model: AgentModel, consumers: AgentDeploymentArgs["secretConsumers"]): void {
  if (consumers === undefined) return;
  if (consumers === null || typeof consumers !== "object" || Array.isArray(consumers)) {
    throw new Error("`secretConsumers`: give a map of generated secret name → list of IAM role ARNs that may read its value");
  }
  const generated = model.secrets.filter((s) => s.source === "generated").map((s) => s.name);
  const listed = generated.length > 0 ? `its generated secrets are ${generated.join(", ")}` : "it has no generated secrets";
  for (const [name, roles] of Object.entries(consumers)) {
    const secret = model.secrets.find((s) => s.name === name);
    if (secret === undefined) throw new Error(`\`secretConsumers.${name}\`: agent \`${model.name}\` has no secret named \`${name}\`; ${listed}`);
    if (secret.source !== "generated") {
      throw new Error(
        `\`secretConsumers.${name}\`: \`${name}\` is not a value Airlock generates (source ${secret.source}): its issuer already knows it; only a generated secret has a consumer that must read it from Secrets Manager (${generated.length > 0 ? `its generated secrets: ${generated.join(", ")}` : "it has no generated secrets"})`,
      );
    }
    if (!Array.isArray(roles) || roles.length === 0) throw new Error(`\`secretConsumers.${name}\`: give a non-empty list of IAM role ARNs that may read the value`);
    roles.forEach((role, i) => {
      if (typeof role === "string" && !ROLE_ARN.test(role)) {
        throw new Error(`\`secretConsumers.${name}[${i}]\`: ${JSON.stringify(role)} is not an IAM role ARN; give the ARN of the role that must read the value (arn:aws:iam::<account>:role/<name>)`);
      }
    });
  }
}

/** What the task role's statements name besides the compiled ones: outputs when deploying, placeholders when bounding the size. */
interface TaskPolicyRefs {
  readonly bedrock?: { readonly inferenceProfileArn: pulumi.Input<string>; readonly foundationModelArns: pulumi.Input<pulumi.Input<string>[]> };
  readonly approvalAliasArn?: pulumi.Input<string>;
  readonly sandbox?: {
    readonly taskDefinitionArn: pulumi.Input<string>;
    readonly taskRoleArn: pulumi.Input<string>;
    readonly executionRoleArn: pulumi.Input<string>;
    readonly clusterArn: pulumi.Input<string>;
  };
}

const BEDROCK_INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];

/**
 * The task role's statements: exactly the compiled ones, then the model (a Bedrock profile and
 * the model in the Regions it routes to, reachable only through it: `bedrock:InferenceProfileArn`),
 * the agent's own approval alias and the sandbox it may start.
 */
function taskRoleStatements(model: AgentModel, refs: TaskPolicyRefs): StatementInput[] {
  const statements: StatementInput[] = model.taskRoleStatements.map((s) => ({ Sid: s.Sid, Effect: s.Effect, Action: s.Action, Resource: [...s.Resource], ...(s.Condition ? { Condition: s.Condition as StatementInput["Condition"] } : {}) }));
  if (refs.bedrock) {
    statements.push(
      { Sid: "ModelInvokeBedrockProfile", Effect: "Allow", Action: BEDROCK_INVOKE, Resource: [refs.bedrock.inferenceProfileArn] },
      {
        Sid: "ModelInvokeBedrockThroughProfile",
        Effect: "Allow",
        Action: BEDROCK_INVOKE,
        Resource: refs.bedrock.foundationModelArns,
        Condition: { ArnEquals: { [INFERENCE_PROFILE_CONDITION.key]: refs.bedrock.inferenceProfileArn } },
      },
    );
  }
  if (refs.approvalAliasArn !== undefined) {
    statements.push({ Sid: "ApprovalsInvokeOwnAlias", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [refs.approvalAliasArn] });
  }
  if (refs.sandbox) {
    statements.push(
      { Sid: "SandboxRunTask", Effect: "Allow", Action: ["ecs:RunTask"], Resource: [refs.sandbox.taskDefinitionArn], Condition: { ArnEquals: { "ecs:cluster": refs.sandbox.clusterArn } } },
      {
        Sid: "SandboxPassRoles",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: [refs.sandbox.taskRoleArn, refs.sandbox.executionRoleArn],
        Condition: { StringEquals: { "iam:PassedToService": ECS_TASKS_SERVICE } },
      },
    );
  }
  return statements;
}

/**
 * Tag on an agent's task role, one per statement the manifest allows a wildcard in:
 * `airlock:wildcard:<Sid>` = `sanitizeTagValue(reason)`. The guardrails read it back
 * (@airlock/guardrails' `WILDCARD_REASON_TAG_PREFIX`; AIR-G002 then accepts the statement's
 * wildcard, AIR-G006 reports it with the reason) when they have no compiled model, as in
 * `pulumi preview --policy-pack`, which sees only resources.
 */
export const WILDCARD_REASON_TAG_PREFIX = "airlock:wildcard:";

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/**
 * The task role's wildcard tags: for each compiled statement that holds a `*` (in an action or a
 * resource) and comes from a tool with `allowWildcard.reason` (its permission row carries the
 * reason, with the statement's actions and resources), `airlock:wildcard:<Sid>` = the reason as a
 * tag value. Statements of other tools, and those of the tool without a wildcard, get none.
 * Throws when a reason would not read as one on the tag (`reasonTagValue`).
 */
export function wildcardReasonTags(model: AgentModel): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of model.permissions) {
    if (p.wildcardReason === undefined) continue;
    for (const st of model.taskRoleStatements) {
      if (st.Effect !== "Allow" || !sameSet(st.Action, p.actions) || !sameSet(st.Resource, p.resources)) continue;
      if (![...st.Action, ...st.Resource].some((x) => x.includes("*"))) continue;
      out[`${WILDCARD_REASON_TAG_PREFIX}${st.Sid}`] = reasonTagValue(p.wildcardReason, `tools.${p.tool}.allowWildcard.reason`);
    }
  }
  return out;
}

/**
 * The task role's tags: the agent's, `airlock:role` = `task`, and its wildcard tags
 * (`wildcardReasonTags`). Throws, naming `tools`, when they would not fit on the role (50 tags, AIR-D003).
 */
export function taskRoleTags(model: AgentModel, tags: Readonly<Record<string, string>>): Record<string, string> {
  return withOptOutTags("aws:iam/role:Role", { ...tags, [ROLE_TAG]: "task" }, wildcardReasonTags(model), {
    field: "tools",
    what: "statements with a wildcard the manifest allows (`allowWildcard`: one tag `airlock:wildcard:<Sid>` each)",
    resource: `agent \`${model.name}\`'s task role`,
  });
}

/**
 * An upper bound of the size IAM counts for the task role's inline policy (its only one): the
 * document `policyJson` writes, with every name not known before deploying at its longest (the
 * approval function's name 64 characters, role names 64, the cluster's name 255, a task definition
 * revision 10 digits) and the account's 12 digits.
 */
export function taskPolicySizeBound(model: AgentModel, region: string): number {
  const partition = region.startsWith("us-gov-") ? "aws-us-gov" : region.startsWith("cn-") ? "aws-cn" : "aws";
  const account = "0".repeat(12);
  const name = (c: string, n: number) => c.repeat(n);
  const grant = model.model.provider === "bedrock" ? bedrockInvokeResources(model.model.id, region, partition, account) : undefined;
  const statements = taskRoleStatements(model, {
    ...(grant ? { bedrock: { inferenceProfileArn: grant.inferenceProfileArn, foundationModelArns: [...grant.foundationModelArns] } } : {}),
    ...(toolsNeedingApproval(model).length > 0 ? { approvalAliasArn: `arn:${partition}:lambda:${region}:${account}:function:${name("f", 64)}:${model.name}` } : {}),
    ...(model.sandbox
      ? {
          sandbox: {
            taskDefinitionArn: `arn:${partition}:ecs:${region}:${account}:task-definition/${name("t", 255)}:${name("9", 10)}`,
            taskRoleArn: `arn:${partition}:iam::${account}:role/${name("r", 64)}`,
            executionRoleArn: `arn:${partition}:iam::${account}:role/${name("e", 64)}`,
            clusterArn: `arn:${partition}:ecs:${region}:${account}:cluster/${name("c", 255)}`,
          },
        }
      : {}),
  });
  if (statements.length === 0) return 0;
  // The document as policyJson writes it: actions sorted, resources deduplicated and sorted.
  const doc = {
    Version: "2012-10-17",
    Statement: statements.map((s) => ({
      Sid: s.Sid,
      Effect: s.Effect,
      Action: [...s.Action].sort(),
      ...(s.Resource !== undefined ? { Resource: Array.isArray(s.Resource) ? [...new Set(s.Resource as string[])].sort() : s.Resource } : {}),
      ...(s.Condition !== undefined ? { Condition: s.Condition } : {}),
    })),
  };
  return policySize(JSON.stringify(doc));
}

/**
 * IAM caps the sum of a role's inline policies at 10,240 characters (white space not counted);
 * past it `pulumi up` fails on PutRolePolicy with half the stack made. Checked before any resource.
 */
function checkTaskPolicySize(model: AgentModel, region: string): void {
  const size = taskPolicySizeBound(model, region);
  const max = IAM_POLICY_LIMITS.roleInlineAggregate.max;
  if (size > max) {
    throw new Error(
      `\`tools\`: agent \`${model.name}\`'s task role would hold ${size} characters of inline policy (IAM counts no white space), and IAM allows at most ${max} over all inline policies of a role; split the tools between two agents, or name fewer resources (a table's indexes by one \`table/<name>/index/*\` ARN with \`allowWildcard\`, one ARN per bucket prefix)`,
    );
  }
}

/** The Dockerfile an image is built from: `image.build.dockerfile` (default `Dockerfile`) in the build context, which is relative to the manifest. */
export function dockerfileOf(model: AgentModel): { context: string; dockerfile: string } {
  if (model.image.kind !== "build") throw new Error("unreachable: dockerfileOf without a build context");
  const context = resolve(model.manifestDir ?? process.cwd(), model.image.context);
  return { context, dockerfile: resolve(context, model.image.dockerfile ?? "Dockerfile") };
}

/**
 * The image Airlock builds must prepare every scratch path for the agent user (see ./dockerfile.ts):
 * its Dockerfile's final stage owns each as `runtime.user` and declares it a VOLUME, or the plan
 * fails here, before any resource.
 */
function checkBuiltImage(model: AgentModel, scratchPaths: readonly string[]): void {
  if (scratchPaths.length === 0) return;
  const { dockerfile } = dockerfileOf(model);
  const shown = relative(process.cwd(), dockerfile) || dockerfile;
  if (!existsSync(dockerfile)) {
    throw new Error(`\`agent.image.build.dockerfile\`: ${shown} does not exist; give the Dockerfile's path relative to the build context (\`agent.image.build.context\`)`);
  }
  const problems = scratchImageProblems(readFileSync(dockerfile, "utf8"), { user: model.runtime.user, scratchPaths, file: shown });
  if (problems.length > 0) {
    throw new Error(
      `\`agent.image.build\`: the image's Dockerfile must make the scratch paths writable by the agent user: on Fargate a bind mount is owned by root (0755) unless the image declares the path a VOLUME it owns; ${problems.join("; ")} (or change \`scratchPaths\`)`,
    );
  }
}

/**
 * The service's `airlock:eval-gate` tag: `on: pass rate at least 90 percent`, or `OFF: <reason>`
 * for an opt-out, as a value every service accepts (no `%`, free text cleaned, at most 256).
 */
export function evalGateTag(settings: ReleaseEvalGate | undefined): string {
  if (settings !== undefined && "disabled" in settings) return sanitizeTagValue(`OFF: ${settings.disabled}`);
  return `on: pass rate at least ${Math.round((settings?.policy ?? DEFAULT_EVAL_POLICY).minPassRate * 100)} percent`;
}

/** Approvals moved to the platform (one gateway for all agents); say so to a caller still passing them here. */
function rejectMovedApprovals(args: object): void {
  if ("approvals" in args && (args as { approvals?: unknown }).approvals !== undefined) {
    throw new Error("`approvals`: approvals are set on the platform now (one gateway for all its agents); move this to the AgentPlatform's `approvals.agents.<agent name>`");
  }
}

/**
 * Runs the eval gate on the active release: its report must exist, be made for exactly this
 * release (image digest, prompt, tools, model), reach the pass rate, and not regress from the
 * last good release declared before it. Throws with the field path; returns undefined when the
 * gate is disabled.
 */
export function checkActiveReleaseEvals(
  model: AgentModel,
  releases: Readonly<Record<string, ReleaseSpec>>,
  active: string,
  settings: ReleaseEvalGate | undefined,
): EvalGateResult | undefined {
  if (settings !== undefined && "disabled" in settings) {
    if (typeof settings.disabled !== "string" || settings.disabled.trim().length < 10) {
      throw new Error("`evalGate.disabled`: give the reason the gate is off (at least 10 characters); it is tagged on the service for reviewers");
    }
    return undefined;
  }
  const release = releases[active]!;
  const image = release.image ?? (model.image.kind === "digest" ? model.image.ref : undefined);
  if (image === undefined) {
    throw new Error(`\`releases.${active}.image\`: the eval gate needs the digest of the image the evals ran against; build and push it in CI and give its digest here (or disable the gate with \`evalGate.disabled\`)`);
  }
  const ids = Object.keys(releases);
  const previousId = ids
    .slice(0, ids.indexOf(active))
    .reverse()
    .find((id) => releases[id]!.bad === undefined && releases[id]!.evalReport !== undefined);
  return assertEvalGate({
    releaseId: active,
    fingerprint: releaseFingerprint(model, image),
    report: release.evalReport,
    policy: settings?.policy ?? DEFAULT_EVAL_POLICY,
    ...(previousId !== undefined ? { previous: releases[previousId]!.evalReport!, previousReleaseId: previousId, previousField: `releases.${previousId}.evalReport` } : {}),
    ...(settings?.baseDir !== undefined ? { baseDir: settings.baseDir } : {}),
    policyField: "evalGate.policy",
  });
}

/** What `validateReleases` checks: the release-related arguments of an AgentDeployment. */
export interface ReleaseArgs {
  readonly releases?: Readonly<Record<string, ReleaseSpec>>;
  readonly activeRelease?: string;
  readonly desiredCount?: number;
}

/**
 * Pure checks of the releases, run before any resource is created. Call it at the top of a
 * program (before the platform) so bad config fails the preview with nothing made.
 */
export function validateReleases(model: AgentModel, args: ReleaseArgs, region: string): { releases: Record<string, ReleaseSpec>; active: string } {
  const releases: Record<string, ReleaseSpec> = { ...(args.releases ?? { current: {} }) };
  const ids = Object.keys(releases).sort();
  if (ids.length === 0) throw new Error("`releases`: declare at least one release, e.g. `{ v1: { image: \"…@sha256:…\" } }`");
  for (const id of ids) {
    if (!RELEASE_ID.test(id)) throw new Error(`\`releases.${id}\`: release ids are lowercase letters, digits, \`.\` and \`-\` (at most 31 characters), e.g. \`v2\` or \`2026-11-25.1\``);
    const r = releases[id];
    if (r === null || typeof r !== "object") throw new Error(`\`releases.${id}\`: must be a mapping with \`image\` (and optionally \`environment\`, \`description\`)`);
    const unknown = Object.keys(r).filter((k) => !RELEASE_FIELDS.includes(k));
    if (unknown.length > 0) throw new Error(`\`releases.${id}.${unknown[0]}\`: unknown field; a release has ${RELEASE_FIELDS.map((f) => `\`${f}\``).join(", ")}`);
    if (r.evalReport !== undefined && (typeof r.evalReport !== "string" || r.evalReport === "")) throw new Error(`\`releases.${id}.evalReport\`: must be the path of the release's eval report`);
    if (r.bad !== undefined && (typeof r.bad !== "string" || r.bad.trim().length < 3)) throw new Error(`\`releases.${id}.bad\`: say why the release is bad, e.g. "doubled refund amounts"`);
    if (r.image !== undefined) {
      if (typeof r.image !== "string" || imageDigestOf(r.image) === undefined) {
        throw new Error(`\`releases.${id}.image\`: "${String(r.image)}" is not pinned by digest; use <repository>@sha256:<digest> (tags move)`);
      }
      checkEcr(r.image, `releases.${id}.image`, region);
    } else if (model.image.kind === "digest") {
      checkEcr(model.image.ref, "agent.image.digest", region);
    }
    for (const [k, v] of Object.entries(r.environment ?? {})) {
      if (!/^[A-Z][A-Z0-9_]*$/.test(k)) throw new Error(`\`releases.${id}.environment.${k}\`: environment names are SCREAMING_SNAKE_CASE`);
      if (k.startsWith("AIRLOCK_")) throw new Error(`\`releases.${id}.environment.${k}\`: AIRLOCK_* variables are set by Airlock; rename it`);
      if (model.secrets.some((s) => s.envName === k)) throw new Error(`\`releases.${id}.environment.${k}\`: ${k} is a secret's variable; secrets come from Secrets Manager only`);
      if (typeof v !== "string") throw new Error(`\`releases.${id}.environment.${k}\`: must be a string`);
      if (findSecrets(v).length > 0) {
        throw new Error(`\`releases.${id}.environment.${k}\`: the value looks like a credential; put it in Secrets Manager and declare it under \`secrets\` in the manifest`);
      }
    }
  }
  let active = args.activeRelease;
  if (active === undefined) {
    if (ids.length > 1) throw new Error(`\`activeRelease\`: there are ${ids.length} releases (${ids.join(", ")}); say which one the service runs`);
    active = ids[0]!;
  }
  if (!(active in releases)) throw new Error(`\`activeRelease\`: "${active}" is not a declared release; declared: ${ids.join(", ")}`);
  if (releases[active]!.bad !== undefined) throw new Error(`\`activeRelease\`: "${active}" is marked bad (${releases[active]!.bad}); run another release (\`airlock rollback\`)`);
  if (model.sandbox) checkEcr(model.sandbox.image, "sandbox.image", region);
  if (args.desiredCount !== undefined && (!Number.isInteger(args.desiredCount) || args.desiredCount < 0)) {
    throw new Error("`desiredCount`: must be a whole number of tasks, 0 or more");
  }
  return { releases, active };
}

function checkEcr(ref: string, field: string, region: string): void {
  const ecr = parseEcrImage(ref);
  if (ecr === undefined) {
    throw new Error(`\`${field}\`: "${ref}" is not an ECR image by digest; agents pull only from ECR through the VPC endpoint (<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<digest>)`);
  }
  if (ecr.region !== region) {
    throw new Error(`\`${field}\`: the image is in ${ecr.region} but the platform is in ${region}; replicate the repository to ${region}`);
  }
}

/**
 * AgentDeployment: one agent on an {@link AgentPlatform}. The task role holds exactly the compiled
 * statements; the execution role reads exactly this agent's secrets; every release is a retained
 * task definition revision and the service runs the active one, in private subnets with no public
 * IP, no ingress and egress only to the allowlist. Code-executing tools run in a separate sandbox
 * task with no route out of the VPC.
 *
 * Arguments are validated before any resource is created.
 *
 * @example
 * ```ts
 * const model = await loadManifest("agent.yaml");
 * const platform = new AgentPlatform("agents", { agents: [model] });
 * new AgentDeployment(model.name, { platform, model });
 * ```
 */
export class AgentDeployment extends pulumi.ComponentResource {
  /** Name of the ECS service (unique to the stack). */
  readonly serviceName: pulumi.Output<string>;
  /** ARN of the ECS service. */
  readonly serviceArn: pulumi.Output<string>;
  /** ARN of the task role (the agent's tools); resolves only once its policies are attached. */
  readonly taskRoleArn: pulumi.Output<string>;
  /**
   * ARN of the execution role (image pull, logs, the agent's secrets); resolves only once its policies are attached.
   */
  readonly executionRoleArn: pulumi.Output<string>;
  /** The agent's security group: no ingress, egress only to the allowlist. */
  readonly securityGroupId: pulumi.Output<string>;
  /** Task definition ARN (with revision) of each release. */
  readonly releaseTaskDefinitionArns: Readonly<Record<string, pulumi.Output<string>>>;
  /** Id of the release the service runs. */
  readonly activeRelease: string;
  /** Task definition ARN (with revision) of the active release. */
  readonly activeTaskDefinitionArn: pulumi.Output<string>;
  /** ARN of each of the agent's secrets, by the manifest's secret name. */
  readonly secretArns: Readonly<Record<string, pulumi.Output<string>>>;
  /** The log group the agent's logs go to (Airlock's, or the existing `logGroup`). */
  readonly logGroupName: pulumi.Output<string>;
  /** The SNS topic the agent's alarms notify: its own `alerts` channel, else the platform's. */
  readonly alarmTopicArn: pulumi.Output<string>;
  /** Task definition ARN of the sandbox, when the manifest has one. */
  readonly sandboxTaskDefinitionArn?: pulumi.Output<string>;
  /** The agent's compiled model. */
  readonly model: AgentModel;

  constructor(name: string, args: AgentDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component registers: bad arguments leave nothing behind.
    args.platform.assertHosts(args.model);
    const { releases, active, bedrock, scratchPaths } = validateDeploymentArgs(args.model, args, args.platform.aws.region);
    const tags = agentTags(args.model, { ...args.platform.tags, ...args.tags });
    const roleTags = taskRoleTags(args.model, tags);
    super(AGENT_DEPLOYMENT_TOKEN, name, {}, onPlatformProvider(args.platform, opts));
    const { model, platform } = args;
    const ctx = platform.aws;
    // Physical names are unique to the stack, so dev and prod of one program share an account.
    const stack = stackLabel();
    const serviceName = stackScopedName([model.name], 255, "-", stack);
    this.model = model;
    this.activeRelease = active;
    recordAgentModel(model);

    let alarmTopicArn = platform.alertTopicArn;
    if (args.alerts) {
      const channel = new AlertChannel(`${name}-alerts`, { topicName: model.name, aws: ctx, kmsKeyArn: platform.kmsKeyArn, targets: args.alerts, tags }, { parent: this });
      taskStoppedRule(`${name}-task-stopped`, { clusterArn: platform.clusterArn, group: `service:${serviceName}`, topicArn: channel.topicArn, label: model.name, tags }, this);
      alarmTopicArn = channel.topicArn;
    }
    this.alarmTopicArn = alarmTopicArn;

    const observability = new AgentObservability(
      `${name}-observability`,
      {
        model,
        aws: ctx,
        kmsKeyArn: platform.kmsKeyArn,
        clusterArn: platform.clusterArn,
        clusterName: platform.clusterName,
        serviceName,
        stack,
        ...(args.logRetentionDays !== undefined ? { logRetentionDays: args.logRetentionDays } : {}),
        ...(args.logGroup !== undefined ? { logGroupArn: args.logGroup.logGroupArn } : {}),
        ...(args.alarms ? { alarms: args.alarms } : {}),
        alarmTopicArn,
        tags,
      },
      { parent: this },
    );
    this.logGroupName = observability.logGroupName;

    // --- Roles (policies attach below, once the resources they name exist) -------------------
    const taskRole = new aws.iam.Role(
      `${name}-task`,
      { description: `${model.name}: what the agent's tools may do`, assumeRolePolicy: serviceTrustPolicy(ECS_TASKS_SERVICE, ctx.accountId), maxSessionDuration: 3600, tags: roleTags },
      { parent: this },
    );
    const executionRole = new aws.iam.Role(
      `${name}-execution`,
      { description: `${model.name}: pull the image, write logs, read the agent's secrets`, assumeRolePolicy: serviceTrustPolicy(ECS_TASKS_SERVICE, ctx.accountId), tags: { ...tags, [ROLE_TAG]: "execution" } },
      { parent: this },
    );

    const rotated = model.secrets.some((s) => s.rotation.kind === "builtin" || s.rotation.kind === "lambda");
    const secrets = new AgentSecrets(
      `${name}-secrets`,
      {
        model,
        aws: ctx,
        kmsKeyArn: platform.kmsKeyArn,
        readerRoleArns: [executionRole.arn],
        ...(args.secretConsumers !== undefined ? { consumers: args.secretConsumers } : {}),
        ...(args.existingSecrets !== undefined ? { existing: Object.fromEntries(Object.entries(args.existingSecrets).map(([k, v]) => [k, v.secretArn])) } : {}),
        // The service is named before it exists, so the tag does not wait for it.
        ...(rotated ? { redeploy: { clusterName: platform.clusterName, serviceName } } : {}),
        ...(platform.rotation ? { rotation: platform.rotation } : {}),
        ...(platform.ageMonitor ? { ageMonitor: platform.ageMonitor } : {}),
        alarmTopicArn,
        tags,
      },
      { parent: this },
    );
    this.secretArns = secrets.arns;
    // After rotating one of this agent's generated values the platform's function redeploys its
    // service; its role may update exactly this service (the ARN is known before the service is).
    if (platform.rotation && model.secrets.some((s) => s.rotation.kind === "builtin")) {
      new aws.iam.RolePolicy(
        `${name}-rotation-redeploy`,
        {
          role: platform.rotation.roleName,
          policy: policyJson([
            {
              Sid: "RedeployAfterRotation",
              Effect: "Allow",
              Action: ["ecs:UpdateService"],
              Resource: [pulumi.interpolate`arn:${ctx.partition}:ecs:${ctx.region}:${ctx.accountId}:service/${platform.clusterName}/${serviceName}`],
            },
          ]),
        },
        { parent: this },
      );
    }
    const runtimeSecrets = model.secrets.filter((s) => s.consumers.length > 0);
    // The keys the execution role decrypts the runtime secrets with, through Secrets Manager only:
    // the platform's, and those of existing secrets (none for the AWS managed key).
    const secretKeys: pulumi.Input<string>[] = [];
    for (const s of runtimeSecrets) {
      const existing = args.existingSecrets?.[s.name];
      const key = existing === undefined ? platform.kmsKeyArn : existing.kmsKeyArn ?? platform.kmsKeyArn;
      if (key === AWS_MANAGED_SECRETS_KEY || secretKeys.includes(key)) continue;
      secretKeys.push(
        key === platform.kmsKeyArn
          ? key
          : pulumi.all([pulumi.output(key), ctx.accountId]).apply(([k, account]) => {
              if (k === AWS_MANAGED_SECRETS_KEY) return k;
              const parsed = checkArn(k, arnSpec(KMS_KEY_ARN, `existingSecrets.${s.name}.kmsKeyArn`), ctx.region);
              if (parsed.account !== account) {
                throw new Error(`\`existingSecrets.${s.name}.kmsKeyArn\`: the key is in account ${parsed.account} but the stack deploys to account ${account}; give the key the secret is encrypted with, of account ${account}`);
              }
              return k;
            }),
      );
    }
    for (const [secretName, existing] of Object.entries(args.existingSecrets ?? {})) {
      requirement(
        `${name}-secret-${secretName}-required`,
        {
          rule: "AIR-I104",
          subject: `${model.name}: existingSecrets.${secretName}`,
          message:
            "the secret is yours: Airlock grants the execution role GetSecretValue on it and kms:Decrypt through Secrets Manager, and makes no secret, resource policy, rotation or age alarm; keep its value current and let only the execution role read it",
        },
        { secretArn: secrets.arns[secretName]!, kmsKeyArn: existing.kmsKeyArn ?? platform.kmsKeyArn, readers: [executionRole.arn] },
        this,
      );
    }

    // --- Image: by digest, or built from the manifest's context and pushed to ECR --------------
    const builtImage = model.image.kind === "build" ? this.buildImage(name, model, tags) : undefined;
    const imageOf = (id: string): pulumi.Output<string> => {
      const explicit = releases[id]!.image;
      if (explicit !== undefined) return pulumi.output(explicit);
      if (model.image.kind === "digest") return pulumi.output(model.image.ref);
      return builtImage!.image;
    };
    const repositoryArns = Object.keys(releases).map((id) => {
      const explicit = releases[id]!.image ?? (model.image.kind === "digest" ? model.image.ref : undefined);
      if (explicit !== undefined) {
        return ecrRepositoryArn(ctx.partition, parseEcrImage(explicit)!);
      }
      return builtImage!.repositoryArn;
    });

    // --- Network: no ingress, egress only to the allowlist --------------------------------
    const sg = new aws.ec2.SecurityGroup(
      `${name}-agent`,
      {
        vpcId: platform.vpcId,
        description: sanitizeSecurityGroupDescription(`${model.name}: no ingress; egress only to the allowlist`),
        ingress: [],
        egress: agentEgressRules(model, platform),
        tags: { ...tags, Name: `${model.name}-agent` },
      },
      { parent: this },
    );
    this.securityGroupId = sg.id;

    // --- Human approvals: this agent's alias of the platform's gateway ---------------------
    // The gateway knows the agent by the alias it is invoked through, and this role may invoke
    // only this alias: the agent cannot ask, or read decisions, as another agent.
    const approvals = platform.approvalsFor(model);
    const approvalAlias =
      approvals !== undefined && "gateway" in approvals
        ? new aws.lambda.Alias(
            `${name}-approvals`,
            {
              name: model.name,
              description: `${model.name}: its approval requests (its task role is the only Airlock role granted invoke on this alias)`,
              functionName: approvals.gateway.functionName,
              functionVersion: approvals.gateway.functionVersion,
            },
            { parent: this },
          )
        : undefined;
    if (approvals !== undefined && "gateway" in approvals) {
      pendingApprovalsAlarm(`${name}-approvals-pending`, { agent: model.name, minutes: approvals.settings.pendingAlarmMinutes ?? 30, alarmTopicArn, tags }, this);
    }

    // --- Sandbox for code-executing tools --------------------------------------------------
    const sandbox = model.sandbox ? this.sandbox(name, model, platform, observability.logGroupName, observability.logGroupArn, tags) : undefined;
    this.sandboxTaskDefinitionArn = sandbox?.taskDefinitionArn;

    // --- Policies --------------------------------------------------------------------------
    // The inference profile, and the model in every Region it routes to (see taskStatements).
    const grant = bedrock !== undefined ? pulumi.all([ctx.partition, ctx.accountId]).apply(([partition, account]) => bedrockInvokeResources(model.model.id, ctx.region, partition, account)) : undefined;
    const taskStatements = taskRoleStatements(model, {
      ...(grant ? { bedrock: { inferenceProfileArn: grant.inferenceProfileArn, foundationModelArns: grant.apply((g) => [...g.foundationModelArns]) } } : {}),
      ...(approvalAlias ? { approvalAliasArn: approvalAlias.arn } : {}),
      ...(sandbox ? { sandbox: { ...sandbox, clusterArn: platform.clusterArn } } : {}),
    });
    const policies: pulumi.Resource[] = [];
    if (taskStatements.length > 0) {
      policies.push(new aws.iam.RolePolicy(`${name}-task`, { role: taskRole.name, policy: policyJson(taskStatements) }, { parent: this }));
    }
    const execution = new RoleStatements(...ecrPullStatements("PullAgentImage", repositoryArns), logStatement(observability.logGroupArn));
    if (runtimeSecrets.length > 0) secrets.grantRead(execution, runtimeSecrets.map((s) => s.name), { sid: "ReadAgentSecrets", kmsKeyArns: secretKeys });
    policies.push(new aws.iam.RolePolicy(`${name}-execution`, { role: executionRole.name, policy: policyJson(execution.statements) }, { parent: this }));
    // Role outputs resolve only once their policies are attached.
    this.taskRoleArn = pulumi.all([taskRole.arn, ...policies.map((p) => p.urn)]).apply(([a]) => a as string);
    this.executionRoleArn = pulumi.all([executionRole.arn, ...policies.map((p) => p.urn)]).apply(([a]) => a as string);

    // --- One retained task definition per release ------------------------------------------
    const baseEnv: Record<string, pulumi.Input<string>> = {
      ...model.runtime.environment,
      AIRLOCK_AGENT: model.name,
      // The tracer's `Stack` dimension: the alarms read {Stack, Agent}.
      AIRLOCK_STACK: stack,
      AIRLOCK_MODEL: `${model.model.provider}/${model.model.id}`,
      AIRLOCK_MODEL_HASH: model.hash,
      // The id to pass to Bedrock's InvokeModel or Converse: the inference profile.
      ...(bedrock !== undefined ? { AIRLOCK_BEDROCK_MODEL_ID: bedrock.profile.id } : {}),
      AIRLOCK_APPROVAL_TIERS: JSON.stringify(Object.fromEntries(model.approvals.map((a) => [a.actionType, a.tier]))),
      ...(model.github.length > 0 ? { AIRLOCK_GITHUB_SCOPE: JSON.stringify(model.github) } : {}),
      ...(approvalAlias ? { AIRLOCK_APPROVAL_FUNCTION: approvalAlias.arn } : {}),
      ...(sandbox
        ? {
            AIRLOCK_SANDBOX_CLUSTER: platform.clusterArn,
            AIRLOCK_SANDBOX_TASK_DEFINITION: sandbox.taskDefinitionArn,
            AIRLOCK_SANDBOX_SUBNETS: platform.isolatedSubnetIds.apply((ids) => ids.join(",")),
            AIRLOCK_SANDBOX_SECURITY_GROUP: sandbox.securityGroupId,
          }
        : {}),
    };
    const secretRefs: Record<string, pulumi.Output<string>> = Object.fromEntries(runtimeSecrets.map((s) => [s.envName, secrets.arns[s.name]!]));
    const releaseArns: Record<string, pulumi.Output<string>> = {};
    for (const id of Object.keys(releases).sort()) {
      const r = releases[id]!;
      const containerDefinitions = pulumi
        .all([imageOf(id), pulumi.output(baseEnv), pulumi.output(secretRefs), observability.logGroupName])
        .apply(([image, env, secretArns, logGroupName]) =>
          JSON.stringify([
            hardenedContainer({
              name: AGENT_CONTAINER,
              image,
              user: model.runtime.user,
              ...(model.runtime.command ? { command: model.runtime.command } : {}),
              environment: { ...env, ...r.environment, AIRLOCK_RELEASE: id },
              secrets: secretArns,
              logGroupName,
              region: ctx.region,
              streamPrefix: id,
              scratchPaths,
            }),
          ]),
        );
      const td = fargateTaskDefinition(
        `${name}-release-${id}`,
        {
          family: stackScopedName([model.name], 255, "-", stack),
          containerDefinitions,
          cpu: model.runtime.cpu,
          memory: model.runtime.memory,
          architecture: model.runtime.architecture,
          executionRoleArn: this.executionRoleArn,
          taskRoleArn: this.taskRoleArn,
          scratchPaths,
          tags: { ...tags, "airlock:release": id, ...(r.description ? { "airlock:release-description": sanitizeTagValue(r.description) } : {}) },
        },
        { parent: this },
      );
      releaseArns[id] = td.arn;
    }
    this.releaseTaskDefinitionArns = releaseArns;
    this.activeTaskDefinitionArn = releaseArns[active]!;

    // --- The service ------------------------------------------------------------------------
    const service = new aws.ecs.Service(
      `${name}-service`,
      {
        name: serviceName,
        cluster: platform.clusterArn,
        taskDefinition: this.activeTaskDefinitionArn,
        desiredCount: args.desiredCount ?? model.runtime.desiredCount,
        launchType: "FARGATE",
        platformVersion: "LATEST",
        networkConfiguration: { subnets: platform.privateSubnetIds, securityGroups: [sg.id], assignPublicIp: false },
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: { alarmNames: [observability.errorRateAlarmName], enable: !(args.disableAlarmRollback ?? false), rollback: !(args.disableAlarmRollback ?? false) },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        enableExecuteCommand: false,
        enableEcsManagedTags: true,
        propagateTags: "SERVICE",
        // Nothing here may depend on the active release: a rollback moves only taskDefinition.
        tags: {
          ...tags,
          // Opt-out reasons are free text: written as values every service accepts.
          "airlock:eval-gate": evalGateTag(args.evalGate),
          "airlock:approvals": approvals === undefined ? "none needed" : "disabled" in approvals ? sanitizeTagValue(`OFF: ${approvals.disabled}`) : "gateway",
        },
      },
      { parent: this },
    );
    this.serviceName = service.name;
    this.serviceArn = service.arn;

    this.registerOutputs({
      serviceName: this.serviceName,
      taskRoleArn: this.taskRoleArn,
      executionRoleArn: this.executionRoleArn,
      securityGroupId: this.securityGroupId,
      releaseTaskDefinitionArns: this.releaseTaskDefinitionArns,
      activeRelease: this.activeRelease,
      secretArns: this.secretArns,
      logGroupName: this.logGroupName,
      alarmTopicArn: this.alarmTopicArn,
      sandboxTaskDefinitionArn: this.sandboxTaskDefinitionArn,
      permissions: model.permissions,
    });
  }

  private buildImage(name: string, model: AgentModel, tags: Record<string, string>): { image: pulumi.Output<string>; repositoryArn: pulumi.Output<string> } {
    if (model.image.kind !== "build") throw new Error("unreachable: buildImage without a build context");
    const { context, dockerfile } = dockerfileOf(model);
    const repo = new aws.ecr.Repository(
      `${name}-image`,
      { name: ecrRepositoryName(model.name), imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true }, encryptionConfigurations: [{ encryptionType: "KMS" }], tags },
      { parent: this },
    );
    const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, { parent: this });
    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: pulumi.interpolate`${repo.repositoryUrl}:${model.hash.slice(0, 12)}`,
        build: {
          // Relative to the manifest, written relative to where Pulumi runs (the project directory);
          // the provider reads a relative `dockerfile` from there too, not from the context. It is
          // the file the plan checked.
          context: relative(process.cwd(), context) || ".",
          dockerfile: relative(process.cwd(), dockerfile),
          platform: model.image.platform ?? (model.runtime.architecture === "ARM64" ? "linux/arm64" : "linux/amd64"),
        },
        registry: { server: repo.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) },
      },
      { parent: this },
    );
    return { image: image.repoDigest, repositoryArn: repo.arn };
  }

  private sandbox(
    name: string,
    model: AgentModel,
    platform: AgentPlatform,
    logGroupName: pulumi.Output<string>,
    logGroupArn: pulumi.Output<string>,
    tags: Record<string, string>,
  ): { taskDefinitionArn: pulumi.Output<string>; taskRoleArn: pulumi.Output<string>; executionRoleArn: pulumi.Output<string>; securityGroupId: pulumi.Output<string> } {
    const spec = model.sandbox!;
    const ctx = platform.aws;
    const ecr = parseEcrImage(spec.image)!;
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sandbox`,
      {
        vpcId: platform.vpcId,
        description: sanitizeSecurityGroupDescription(`${model.name} sandbox: no ingress; egress only to the AWS endpoints it needs to start`),
        ingress: [],
        egress: endpointEgressRules(platform, ["s3"]),
        tags: { ...tags, Name: `${model.name}-sandbox` },
      },
      { parent: this },
    );
    // The sandbox's own task role holds no policy: sandboxed code gets no AWS access at all.
    const taskRole = new aws.iam.Role(
      `${name}-sandbox-task`,
      { description: `${model.name} sandbox: no permissions`, assumeRolePolicy: serviceTrustPolicy(ECS_TASKS_SERVICE, ctx.accountId), tags: { ...tags, [ROLE_TAG]: "sandbox-task" } },
      { parent: this },
    );
    const executionRole = new aws.iam.Role(
      `${name}-sandbox-execution`,
      { description: `${model.name} sandbox: pull the image, write logs`, assumeRolePolicy: serviceTrustPolicy(ECS_TASKS_SERVICE, ctx.accountId), tags: { ...tags, [ROLE_TAG]: "sandbox-execution" } },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-sandbox-execution`,
      {
        role: executionRole.name,
        policy: policyJson([...ecrPullStatements("PullSandboxImage", [ecrRepositoryArn(ctx.partition, ecr)]), logStatement(logGroupArn)]),
      },
      { parent: this },
    );
    const td = fargateTaskDefinition(
      `${name}-sandbox`,
      {
        family: stackScopedName([model.name, "sandbox"], 255),
        containerDefinitions: logGroupName.apply((lg) =>
          JSON.stringify([
            hardenedContainer({
              name: SANDBOX_CONTAINER,
              image: spec.image,
              user: model.runtime.user,
              environment: { AIRLOCK_AGENT: model.name, AIRLOCK_SANDBOX: "true" },
              secrets: {},
              logGroupName: lg,
              region: ctx.region,
              streamPrefix: "sandbox",
            }),
          ]),
        ),
        cpu: spec.cpu,
        memory: spec.memory,
        architecture: model.runtime.architecture,
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        tags: { ...tags, "airlock:sandbox": "true" },
      },
      { parent: this, dependsOn: [policy] },
    );
    return { taskDefinitionArn: td.arn, taskRoleArn: taskRole.arn, executionRoleArn: executionRole.arn, securityGroupId: sg.id };
  }
}

/**
 * The ECR repository of an image Airlock builds: `airlock/<stack>/<agent>`, at most 256 characters,
 * with no two separators in a row (ECR's repository name pattern).
 */
export function ecrRepositoryName(agent: string, stack: string = stackLabel()): string {
  return stackScopedName(["airlock", agent], 256, "/", stack.replace(/-{2,}/g, "-"));
}

type EgressRule = aws.types.input.ec2.SecurityGroupEgress;

/** HTTPS to the interface endpoints and the given gateway endpoints, and DNS to the VPC resolver. */
function endpointEgressRules(platform: AgentPlatform, gateways: readonly string[]): EgressRule[] {
  const rules: EgressRule[] = [
    { protocol: "tcp", fromPort: 443, toPort: 443, securityGroups: [platform.endpointSecurityGroupId], description: "HTTPS to the AWS interface endpoints" },
  ];
  for (const g of gateways) {
    const pl = platform.gatewayPrefixListIds[g];
    if (pl) rules.push({ protocol: "tcp", fromPort: 443, toPort: 443, prefixListIds: [pl], description: `HTTPS to the ${g} gateway endpoint` });
  }
  const resolver = `${platform.resolverAddress}/32`;
  rules.push(
    { protocol: "udp", fromPort: 53, toPort: 53, cidrBlocks: [resolver], description: "DNS to the VPC resolver (filtered by the DNS firewall)" },
    { protocol: "tcp", fromPort: 53, toPort: 53, cidrBlocks: [resolver], description: "DNS over TCP to the VPC resolver" },
  );
  return rules;
}

/** The agent's egress: the endpoints, each allowed host's published ranges on 443, DNS. */
export function agentEgressRules(model: AgentModel, platform: AgentPlatform): EgressRule[] {
  const gateways = model.egress.awsServices.filter((s) => s === "s3" || s === "dynamodb");
  const rules = endpointEgressRules(platform, gateways);
  for (const [host, ranges] of Object.entries(model.egress.rangesByHost).sort(([a], [b]) => a.localeCompare(b))) {
    const v4 = ranges.filter((c) => !c.includes(":"));
    const v6 = ranges.filter((c) => c.includes(":"));
    rules.push({
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      ...(v4.length > 0 ? { cidrBlocks: v4 } : {}),
      ...(v6.length > 0 ? { ipv6CidrBlocks: v6 } : {}),
      description: sanitizeSecurityGroupDescription(`HTTPS to ${host}`),
    });
  }
  if (model.egress.anyIpOn443) {
    rules.push({
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrBlocks: ["0.0.0.0/0"],
      ipv6CidrBlocks: ["::/0"],
      // EC2 takes 255 characters of a-z A-Z 0-9 and ._-:/()#,@[]+=&;{}!$* only; the reason is free text.
      description: sanitizeSecurityGroupDescription(`OPT-OUT anyIpOn443 (DNS firewall only): ${model.egress.anyIpOn443.reason}`),
    });
  }
  return rules;
}
