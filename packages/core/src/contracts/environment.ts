/**
 * Environment variables that cross a process boundary: what the Pulumi components set on the
 * agent's task, the sandbox task and the Lambda functions, and what the code inside reads (the
 * agent runtime, the tracer, the approval gateway, the secret functions), plus the ones the CLI
 * and the approval service read from an operator's shell. A rename breaks every deployed task
 * that reads the old name. Add, never rename.
 */

/** Every variable Airlock sets starts with this; a release's own environment may not use it. */
export const AIRLOCK_ENV_PREFIX = "AIRLOCK_";

/** The agent's task: set by `AgentDeployment`, read by the agent runtime and the tracer. */
export const TASK_ENV = {
  /** The agent's name. */
  agent: "AIRLOCK_AGENT",
  /** The stack label (`<project>/<stack>`): the `Stack` dimension of every metric. */
  stack: "AIRLOCK_STACK",
  /** `<provider>/<model id>`. */
  model: "AIRLOCK_MODEL",
  /** The compiled model's hash: the runtime checks its shipped model against it. */
  modelHash: "AIRLOCK_MODEL_HASH",
  /** The Bedrock inference profile id, for Bedrock models. */
  bedrockModelId: "AIRLOCK_BEDROCK_MODEL_ID",
  /** `{ <actionType>: <tier> }` as JSON ({@link encodeApprovalTiers}). */
  approvalTiers: "AIRLOCK_APPROVAL_TIERS",
  /** The tools' GitHub scopes as JSON, when any tool has one. */
  githubScope: "AIRLOCK_GITHUB_SCOPE",
  /** ARN of the agent's alias of the approval gateway, when a tool needs approval. */
  approvalFunction: "AIRLOCK_APPROVAL_FUNCTION",
  /** The release the task runs. */
  release: "AIRLOCK_RELEASE",
  /** The sandbox's cluster ARN, when a tool runs code. */
  sandboxCluster: "AIRLOCK_SANDBOX_CLUSTER",
  /** The sandbox's task definition ARN. */
  sandboxTaskDefinition: "AIRLOCK_SANDBOX_TASK_DEFINITION",
  /** The sandbox's isolated subnets, comma-separated ({@link encodeList}). */
  sandboxSubnets: "AIRLOCK_SANDBOX_SUBNETS",
  /** The sandbox's security group id. */
  sandboxSecurityGroup: "AIRLOCK_SANDBOX_SECURITY_GROUP",
  /** The log group the sandbox's container writes to (the runner reads its output there). */
  sandboxLogGroup: "AIRLOCK_SANDBOX_LOG_GROUP",
} as const;

/** The sandbox task: set by `AgentDeployment`. */
export const SANDBOX_ENV = {
  agent: TASK_ENV.agent,
  /** `true`: the process runs inside the sandbox. */
  sandbox: "AIRLOCK_SANDBOX",
  /** One run's input, set per task by the runner (RunTask `containerOverrides`): {@link SandboxInput} as JSON. */
  input: "AIRLOCK_SANDBOX_INPUT",
} as const;

/**
 * The sandbox task's container and its log streams: the awslogs driver names each task's stream
 * `<streamPrefix>/<container>/<task id>`, where the runner reads the run's output back.
 */
export const SANDBOX_TASK = { container: "sandbox", streamPrefix: "sandbox" } as const;

/** What the runner passes to the sandbox entry in {@link SANDBOX_ENV}.input. */
export interface SandboxInput {
  /** {@link SANDBOX_FRAME}.version. */
  readonly v: number;
  /** The code-executing tool to run (a tool of the manifest with `sandbox: true`). */
  readonly tool: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  /** The run's nonce: every frame line the entry writes carries it. */
  readonly nonce: string;
}

/**
 * The sandbox entry's stdout framing (one JSON object per line, each with `frame` = `marker` and
 * the run's nonce): `begin`, `data` chunks (base64 of the result's JSON), then `end` with its status,
 * exit code, size and digest. The runner reads the frames back from the task's log stream.
 */
export const SANDBOX_FRAME = { marker: "airlock.sandbox.frame", version: 1 } as const;

/** The approval gateway's Lambda: set by `ApprovalGateway`, read by `@airlock/approvals`' handler. */
export const GATEWAY_ENV = {
  botTokenArn: "AIRLOCK_SLACK_BOT_TOKEN_SECRET_ARN",
  signingSecretArn: "AIRLOCK_SLACK_SIGNING_SECRET_ARN",
  databaseUrlArn: "AIRLOCK_DATABASE_URL_SECRET_ARN",
  /** Namespace of the pending-approvals metric. */
  namespace: "AIRLOCK_NAMESPACE",
  /** The stack the gateway belongs to: the metric's `Stack` dimension. */
  stack: TASK_ENV.stack,
  /** The audit anchor's bucket, key prefix and signing key (`AUDIT_ANCHOR_ENV`). */
  anchorBucket: "AIRLOCK_AUDIT_ANCHOR_BUCKET",
  anchorPrefix: "AIRLOCK_AUDIT_ANCHOR_PREFIX",
  anchorKeyId: "AIRLOCK_AUDIT_ANCHOR_KEY_ID",
} as const;

/** Where the audit anchor is, for the gateway that writes it and `airlock audit verify` that reads it. */
export const AUDIT_ANCHOR_ENV = {
  bucket: GATEWAY_ENV.anchorBucket,
  prefix: GATEWAY_ENV.anchorPrefix,
  keyId: GATEWAY_ENV.anchorKeyId,
} as const;

/** The secret age monitor's Lambda: set by `SecretFunctions`. */
export const SECRET_AGE_ENV = {
  platform: "AIRLOCK_PLATFORM",
  stack: TASK_ENV.stack,
  namespace: GATEWAY_ENV.namespace,
} as const;

/** The approval service run as a process of its own (`@airlock/approvals` `readApprovalEnv`) and the CLI's audit commands. */
export const APPROVALS_ENV = {
  /** postgres:// URL of the audit store; without it, the embedded store. */
  databaseUrl: "AIRLOCK_APPROVALS_DATABASE_URL",
  dataDir: "AIRLOCK_APPROVALS_DATA_DIR",
  botToken: "SLACK_BOT_TOKEN",
  signingSecret: "SLACK_SIGNING_SECRET",
  appToken: "SLACK_APP_TOKEN",
  channel: "AIRLOCK_SLACK_CHANNEL",
  approvers: "AIRLOCK_SLACK_APPROVERS",
  release: TASK_ENV.release,
  slackApiUrl: "AIRLOCK_SLACK_API_URL",
} as const;

/** What an eval run is tagged with (the example promptfoo config reads these). */
export const EVAL_ENV = {
  imageDigest: "AIRLOCK_IMAGE_DIGEST",
  promptHash: "AIRLOCK_PROMPT_HASH",
  toolsHash: "AIRLOCK_TOOLS_HASH",
  model: TASK_ENV.model,
} as const;

/** The CLI: print the stack of an unexpected error. */
export const CLI_ENV = { debug: "AIRLOCK_DEBUG" } as const;

/** {@link TASK_ENV}.approvalTiers's value. */
export function encodeApprovalTiers(tiers: Readonly<Record<string, string>>): string {
  return JSON.stringify(tiers);
}

/**
 * {@link TASK_ENV}.approvalTiers read back (the JSON text, or the object a preview already
 * parsed): the tier of each action type, or undefined when the value is not such an object.
 */
export function decodeApprovalTiers(value: unknown): Record<string, string> | undefined {
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== "string") return undefined;
    out[k] = v;
  }
  return out;
}

/** A list as one variable's value (the sandbox's subnets): comma-separated. */
export function encodeList(items: readonly string[]): string {
  return items.join(",");
}

/** {@link encodeList} read back; an empty or missing value is no items. */
export function decodeList(value: string | undefined): string[] {
  return value === undefined || value === "" ? [] : value.split(",");
}

/** GitHub Actions variables `EvalGate` writes and the deploy workflow reads (`vars.<name>`). */
export const GITHUB_VARIABLES = {
  /** The OIDC deploy role's ARN, for `aws-actions/configure-aws-credentials`. */
  deployRoleArn: "AIRLOCK_DEPLOY_ROLE_ARN",
} as const;

/** Building the packages (`npm run build`): where the gateway bundle's cache lives. */
export const BUILD_ENV = { cacheDir: "AIRLOCK_CACHE_DIR" } as const;
