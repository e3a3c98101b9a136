/**
 * Tag keys Airlock writes on AWS resources and reads back: the guardrails read them in `pulumi
 * preview` (which has no compiled model), the CLI and the runbook read them from plans, and the
 * secret functions read them from Secrets Manager at run time. A renamed key orphans every
 * deployed resource's tag. Add, never rename.
 */
export const TAGS = {
  /** The agent a resource belongs to (its manifest's `agent.name`). */
  agent: "airlock:agent",
  /** The agent's owner (`agent.owner`). */
  owner: "airlock:owner",
  /** Always {@link MANAGED_BY}. */
  managedBy: "airlock:managed-by",
  /** The platform a resource belongs to. */
  platform: "airlock:platform",
  /** The stack label (`<project>/<stack>`) on secrets, so two stacks' monitors keep apart. */
  stack: "airlock:stack",
  /** What an IAM role is for: one of {@link ROLE_KINDS}. */
  role: "airlock:role",
  /** A subnet's tier: `public`, `private` or `isolated`. */
  tier: "airlock:tier",
  /** The secret's name in the manifest. */
  secret: "airlock:secret",
  /** Where a secret's value comes from (`generated`, `external`). */
  secretSource: "airlock:source",
  /** How a secret is rotated, in words. */
  rotation: "airlock:rotation",
  /** A generated secret's length; the rotation function reads it. */
  secretLength: "airlock:length",
  /** A hand-rotated secret's limit in days; the age monitor reads it. */
  maxAgeDays: "airlock:max-age-days",
  /** The redeploy hook of a rotated secret; the rotation function reads it. */
  redeploy: "airlock:redeploy",
  /** A task definition's release id. */
  release: "airlock:release",
  /** A release's description. */
  releaseDescription: "airlock:release-description",
  /** On the sandbox's resources: `true`. */
  sandbox: "airlock:sandbox",
  /** On the agent's service: the eval gate's state (`on: …`, or {@link OPT_OUT_PREFIX} and the reason). */
  evalGate: "airlock:eval-gate",
  /** On the agent's service: `gateway`, `none needed`, or {@link OPT_OUT_PREFIX} and the reason. */
  approvals: "airlock:approvals",
  /** On a security group whose egress is opened on purpose: the reason. */
  egressOptOut: "airlock:egress-opt-out",
  /** On EvalGate's GitHub resources: `owner/repo`. */
  repository: "airlock:repository",
  /** On an agent's CloudWatch alarm: the signal it watches, one of {@link ALARM_SIGNALS} (with `:<tool>` for a per-tool alarm). */
  alarm: "airlock:alarm",
} as const;

export type TagKey = (typeof TAGS)[keyof typeof TAGS];

/** Tag keys with a suffix: one tag per opt-out, the value its reason. */
export const TAG_PREFIXES = {
  /** On the agent's task role: `airlock:wildcard:<Sid>` = the tool's `allowWildcard.reason`. */
  wildcardReason: "airlock:wildcard:",
  /** On a VPC: `airlock:route-elsewhere:<cidr>` = the private route's `managedElsewhere.reason`. */
  routeElsewhere: "airlock:route-elsewhere:",
} as const;

/**
 * The tags a sandbox task carries, set by the sandbox runner at RunTask (`tags`) and required by the
 * agent's task role: only a task tagged with the agent's name and `airlock:sandbox` = `true` may the
 * agent describe or stop, and the runner may tag the tasks it starts with exactly these.
 */
export function sandboxTaskTags(agent: string): { readonly [TAGS.agent]: string; readonly [TAGS.sandbox]: "true" } {
  return { [TAGS.agent]: agent, [TAGS.sandbox]: "true" };
}

/** The value of {@link TAGS}.managedBy. */
export const MANAGED_BY = "airlock";

/** How an opt-out's tag value starts (`OFF: <reason>`). */
export const OPT_OUT_PREFIX = "OFF: ";

/** An opt-out tag value: `OFF: <reason>`. */
export function optOutValue(reason: string): string {
  return `${OPT_OUT_PREFIX}${reason}`;
}

/** The reason of an opt-out tag value (`OFF: <reason>`, spaces after the colon optional), or undefined. */
export function optOutReason(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^OFF:\s*(\S[\s\S]*)$/.exec(value);
  return m === null ? undefined : m[1];
}

/** The values of the `airlock:role` tag: what an IAM role Airlock makes is for. */
export const ROLE_KINDS = ["task", "execution", "sandbox-task", "sandbox-execution", "rotation", "monitor", "approvals", "chatbot", "github-deploy"] as const;
export type RoleKind = (typeof ROLE_KINDS)[number];

/**
 * The signals an agent's alarms watch (the value of `airlock:alarm`; a per-tool alarm's value is
 * `<signal>:<tool>`): the Pulumi components write them, the plan and the runbook read them.
 */
export const ALARM_SIGNALS = {
  /** Errors over calls, all of the agent's tool and model calls. */
  errorRate: "error-rate",
  /** Errors over calls of one tool. */
  toolErrorRate: "tool-error-rate",
  /** Calls of one tool in an hour. */
  toolCalls: "tool-calls",
  /** Model spend in an hour. */
  costPerHour: "cost-per-hour",
  /** Hourly spend above its learned band. */
  costAnomaly: "cost-anomaly",
  /** Fewer tasks running than desired. */
  taskRestarts: "task-restarts",
} as const;
export type AlarmSignal = (typeof ALARM_SIGNALS)[keyof typeof ALARM_SIGNALS];
