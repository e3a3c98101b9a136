/**
 * ApprovalGateway: the human checkpoint for the outward actions of every agent on a platform. One
 * Slack app, one audit database, one Lambda (`@airlock/approvals`'s gateway handler, bundled at
 * deploy time, with each agent's model, Slack channel and approvers in `gateway.json` beside it):
 * - each agent invokes it through its own alias (named like the agent; AgentDeployment creates it)
 *   with IAM, through the Lambda VPC endpoint, to request an approval and to read the decision.
 *   The function takes the agent from the alias it was invoked through, and an agent's role may
 *   invoke only its own alias, so an agent cannot speak for another. The agents hold no Slack
 *   token and no database credentials and need no egress to either;
 * - Slack posts button clicks to its function URL. The URL is public (auth type NONE, and the
 *   function's resource policy lets anyone invoke it through the URL: Slack has no AWS identity),
 *   so the function itself authenticates every request by Slack's v0 signature and refuses the
 *   rest; each click is decided against the approvers of the agent whose request it is;
 * - a schedule retries Slack posts and writes each agent's oldest pending approval, for the
 *   agents' pending-approval alarms.
 * Its credentials (Slack bot token, signing secret, database URL) live in Secrets Manager, readable
 * by the function alone, with one age alarm. The function runs outside the VPC: it reaches Slack
 * and the database (Supabase, or RDS through its public endpoint with TLS) directly.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AgentModel, SecretBinding } from "@airlock/core";
import { APPROVAL_METRICS, APPROVALS_ENV, AUDIT_ANCHOR_ENV, COMPONENT_TOKENS, DIMENSIONS, GATEWAY_CONFIG, GATEWAY_ENV, type GatewayConfigFile, type GatewaySlackRoute } from "@airlock/core/contracts";
import type { AwsContext } from "../aws-context.ts";
import { stackLabel, stackScopedName } from "../naming.ts";
import { policyJson } from "../policy.ts";
import { LAMBDA_SERVICE, logStatement, RoleStatements, serviceTrustPolicy } from "../iam/index.ts";
import { roleTag } from "../tags.ts";
import { AgentSecrets } from "../secrets/agent-secrets.ts";
import type { SharedFunction } from "../secrets/secret-functions.ts";
import { LAMBDA_RUNTIME } from "../secrets/lambda-runtime.ts";
import { resolveLogRetention, secureLogGroup, type ResolvedLogRetention } from "../observability/secure-log-group.ts";
import { checkCredentialMaxAgeDays, checkReservedConcurrency, DEFAULT_CREDENTIAL_MAX_AGE_DAYS, DEFAULT_RESERVED_CONCURRENCY, resolveApprovalRoutes, type ResolvedApprovalSettings } from "../platform/approvals.ts";
import { assetFile } from "../assets.ts";
import { anchorSchedule, anchorWriterStatements, auditAnchor, resolveAnchorRetentionDays } from "./audit-anchor.ts";

/** Pulumi type token of {@link ApprovalGateway}. */
export const APPROVAL_GATEWAY_TOKEN = COMPONENT_TOKENS.approvalGateway;
/**
 * Namespace of the metric the pending-approvals alarms read (`OldestPendingSeconds`, dimensions
 * `Stack` and `Agent`), written by the gateway's scheduled run.
 */
export const PENDING_APPROVALS_NAMESPACE = APPROVAL_METRICS.namespace;

// The routes' checks and defaults live with the platform, which resolves them once (platform/approvals.ts).
export {
  DEFAULT_CREDENTIAL_MAX_AGE_DAYS,
  DEFAULT_PENDING_ALARM_MINUTES,
  DEFAULT_RESERVED_CONCURRENCY,
  resolveApprovalSettings,
  validateApprovalSettings,
  validatePlatformApprovals,
  type ResolvedApprovalRoute,
  type ResolvedApprovalSettings,
} from "../platform/approvals.ts";

/** Where one agent's approval requests go: its route. */
export interface ApprovalSettings {
  /** Slack channel approval requests go to, and who may decide. */
  readonly slack: { readonly channelId: string; readonly approverIds: readonly string[] };
  /** Alarm when one of the agent's approvals has waited longer than this. @default 30 */
  readonly pendingAlarmMinutes?: number;
}

/** Opt-out for one agent: its outward tools run without a person. The reason is tagged on its service. */
export interface ApprovalsDisabled {
  /** Why the agent's outward tools run without a person; tagged on its service. */
  readonly disabled: string;
}

/** A platform's approvals: one gateway, and each agent's route (or reasoned opt-out). */
export interface PlatformApprovals {
  /**
   * By agent name: its Slack channel and approvers, or `{ disabled: reason }`. Every agent of the
   * platform with outward tools whose risk line is not `auto` must be listed; no other may be.
   */
  readonly agents: Readonly<Record<string, ApprovalSettings | ApprovalsDisabled>>;
  /** Alarm when a gateway credential is older than this many days. @default 90 */
  readonly credentialMaxAgeDays?: number;
  /**
   * Concurrency reserved for the gateway's function, which bounds its database connections. AWS
   * refuses a reservation that leaves the account less than 100 unreserved executions, and new
   * accounts start with a low concurrency quota: there, pass `"none"` (or raise the quota).
   * @default 10 - needs an account concurrency of at least 110
   */
  readonly reservedConcurrency?: number | "none";
  /**
   * Days each signed audit anchor stays locked (see `ApprovalGatewayArgs.anchorRetentionDays`):
   * keep the default in production, 1 for a throw-away stack. @default 400
   */
  readonly anchorRetentionDays?: number;
}

/** One agent the gateway serves, and its route. */
export interface ApprovalRoute {
  /** The agent's compiled model. */
  readonly model: AgentModel;
  /**
   * Its Slack channel and approvers: checked by the gateway, unless resolved already
   * (`ResolvedApprovalSettings`, what AgentPlatform passes; see platform/approvals.ts).
   */
  readonly settings: ApprovalSettings | ResolvedApprovalSettings;
}

/**
 * Arguments of {@link ApprovalGateway}; {@link AgentPlatform} makes the gateway from its `approvals`.
 * The routes and the retention are checked by the gateway when given raw; the platform checks them
 * once (`resolvePlatformArgs`) and passes the resolved values, used as they are. The platform also
 * checks `credentialMaxAgeDays` and `reservedConcurrency` (`approvals.…`); a gateway built directly
 * checks them (and `anchorRetentionDays`) itself, with the same rules.
 */
export interface ApprovalGatewayArgs {
  /** The platform's name: it names the function and the gateway's secrets. */
  readonly platformName: string;
  /** Account, partition and region to deploy into. */
  readonly aws: AwsContext;
  /** The platform key: it encrypts the gateway's secrets and logs. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The platform's age monitor, for the gateway's hand-rotated credentials. */
  readonly ageMonitor?: SharedFunction;
  /** Where the gateway's own alarms go. */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** The agents it serves (at least one), each with its route. */
  readonly routes: readonly ApprovalRoute[];
  /** @default 90 (DEFAULT_CREDENTIAL_MAX_AGE_DAYS) */
  readonly credentialMaxAgeDays?: number;
  /** @default 10 (DEFAULT_RESERVED_CONCURRENCY; see PlatformApprovals.reservedConcurrency) */
  readonly reservedConcurrency?: number | "none";
  /**
   * Days of retention of the gateway's log group, or a retention `resolveLogRetention` checked
   * already. @default 90 (DEFAULT_LOG_RETENTION_DAYS)
   */
  readonly logRetentionDays?: number | ResolvedLogRetention;
  /**
   * Days each signed audit anchor stays locked in the anchor bucket (Object Lock, compliance mode:
   * nobody can delete it or shorten that), 1 to 36500. Keep the default in production; a
   * throw-away dev or test stack takes 1, so its bucket can be emptied a day after it is destroyed
   * (the key and the bucket are retained on delete either way: remove them by hand once the last
   * anchor's retention ends). @default 400 (DEFAULT_ANCHOR_RETENTION_DAYS)
   */
  readonly anchorRetentionDays?: number;
  /** Tags on every taggable child. */
  readonly tags: Record<string, string>;
}

/** Secret names of the gateway, as bindings (always set by hand: they come from Slack and the DBA). */
export function approvalSecretBindings(maxAgeDays: number): SecretBinding[] {
  const binding = (name: string, envName: string, description: string): SecretBinding => ({
    name,
    envName,
    source: "out-of-band",
    description,
    length: 0,
    rotation: { kind: "max-age", maxAgeDays },
    consumers: ["approvals"],
  });
  return [
    binding("database-url", APPROVALS_ENV.databaseUrl, "Approval audit log: postgres:// URL of the service role (Supabase or RDS)"),
    binding("slack-bot-token", APPROVALS_ENV.botToken, "Slack app bot token (xoxb-) that posts approval requests"),
    binding("slack-signing-secret", APPROVALS_ENV.signingSecret, "Slack app signing secret that authenticates button clicks"),
  ];
}

/** Each agent's Slack route by agent name, in name order: what plans show and gateway.json carries. */
function slackRoutes(routes: readonly ApprovalRoute[]): Record<string, GatewaySlackRoute> {
  const byName = [...routes].sort((a, b) => (a.model.name < b.model.name ? -1 : a.model.name > b.model.name ? 1 : 0));
  return Object.fromEntries(byName.map(({ model, settings }) => [model.name, { channelId: settings.slack.channelId, approverIds: [...settings.slack.approverIds] }]));
}

/** `gateway.json`, as the function reads it: each agent's model (no machine paths) and Slack route. */
export function gatewayConfig(routes: readonly ApprovalRoute[]): string {
  const models = new Map(routes.map((r) => [r.model.name, r.model]));
  const agents = Object.fromEntries(
    Object.entries(slackRoutes(routes)).map(([name, slack]) => {
      const { promptFile: _path, manifestDir: _dir, ...portable } = models.get(name)!;
      return [name, { model: portable, slack }];
    }),
  );
  const file: GatewayConfigFile = { version: GATEWAY_CONFIG.version, agents };
  return JSON.stringify(file);
}

/**
 * ApprovalGateway: the human checkpoint for the outward actions of every agent on a platform. One
 * Slack app, one audit database, one Lambda (`@airlock/approvals`'s gateway handler, with each
 * agent's model, Slack channel and approvers in `gateway.json` beside it). Each agent invokes it
 * through its own alias (AgentDeployment creates it) with IAM, so an agent cannot speak for another;
 * Slack posts button clicks to its public function URL, and the function authenticates every
 * request by Slack's v0 signature. Its credentials (Slack bot token, signing secret, database URL)
 * live in Secrets Manager, readable by the function alone.
 *
 * {@link AgentPlatform} creates it when some agent's outward tools wait for a person.
 */
export class ApprovalGateway extends pulumi.ComponentResource {
  /** Name of the gateway's Lambda function. */
  readonly functionName: pulumi.Output<string>;
  /** ARN of the gateway's Lambda function. */
  readonly functionArn: pulumi.Output<string>;
  /** The published version the agents' aliases point at (a new one whenever code or routes change). */
  readonly functionVersion: pulumi.Output<string>;
  /** Slack's interactivity request URL (paste it into the Slack app). */
  readonly functionUrl: pulumi.Output<string>;
  /** Secret ARNs by name (`database-url`, `slack-bot-token`, `slack-signing-secret`). */
  readonly secretArns: Readonly<Record<string, pulumi.Output<string>>>;
  /** Names of the agents it serves, sorted. */
  readonly agentNames: readonly string[];
  /** The key that signs the audit anchors (`airlock audit verify --anchor-key-id`). */
  readonly anchorKeyArn: pulumi.Output<string>;
  /** The bucket the audit anchors are written to (`airlock audit verify --anchor-bucket`). */
  readonly anchorBucket: pulumi.Output<string>;

  constructor(name: string, args: ApprovalGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked here, before the component registers, unless resolved already (by the platform that
    // builds this gateway): then used as they are.
    const resolvedRoutes = resolveApprovalRoutes(args.routes);
    const retention = resolveLogRetention(args.logRetentionDays, "logRetentionDays").days;
    // The platform checked these already (`approvals.…`); a gateway built directly is checked here.
    const credentialMaxAgeDays = checkCredentialMaxAgeDays(args.credentialMaxAgeDays ?? DEFAULT_CREDENTIAL_MAX_AGE_DAYS, "credentialMaxAgeDays");
    const reservedConcurrency = checkReservedConcurrency(args.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY, "reservedConcurrency");
    const anchorRetentionDays = resolveAnchorRetentionDays(args.anchorRetentionDays);
    // Whom it serves and who decides for each are the component's inputs, so every plan shows
    // them (the function's gateway.json is recorded only by digest) and guardrails can read them.
    const routes = slackRoutes(resolvedRoutes);
    const agentNames = Object.keys(routes);
    super(APPROVAL_GATEWAY_TOKEN, name, { agents: agentNames, routes }, opts);
    this.agentNames = agentNames;
    const { aws: ctx, tags } = args;
    const owner = `${args.platformName}-approvals`;

    const role = new aws.iam.Role(
      `${name}-function`,
      { description: `${args.platformName}: the approval gateway's function`, assumeRolePolicy: serviceTrustPolicy(LAMBDA_SERVICE, ctx.accountId), tags: { ...tags, ...roleTag("approvals") } },
      { parent: this },
    );
    const secrets = new AgentSecrets(
      `${name}-secrets`,
      {
        model: { name: owner, secrets: approvalSecretBindings(credentialMaxAgeDays) },
        aws: ctx,
        kmsKeyArn: args.kmsKeyArn,
        readerRoleArns: [role.arn],
        ...(args.ageMonitor ? { ageMonitor: args.ageMonitor } : {}),
        alarmTopicArn: args.alarmTopicArn,
        tags,
      },
      { parent: this },
    );
    this.secretArns = secrets.arns;

    const logs = secureLogGroup(`${name}-logs`, { logGroupName: stackScopedName(["/airlock", "platform", args.platformName, "approvals"], 512, "/"), kmsKeyArn: args.kmsKeyArn, retentionInDays: retention, tags }, this);
    const statements = new RoleStatements();
    secrets.grantRead(statements, ["database-url", "slack-bot-token", "slack-signing-secret"], { sid: "ReadGatewaySecrets" });
    statements.addStatements(logStatement(logs.arn));
    // The audit anchor: signed heads outside the database (audit-anchor.ts); the role may sign with
    // that key (and the bucket's policy lets it put under the anchor prefix), nothing more.
    const anchor = auditAnchor(name, { platformName: args.platformName, aws: ctx, writerRoleArn: role.arn, retentionDays: anchorRetentionDays, tags }, this);
    statements.addStatements(...anchorWriterStatements(anchor.keyArn));
    this.anchorKeyArn = anchor.keyArn;
    this.anchorBucket = anchor.bucketName;
    const policy = new aws.iam.RolePolicy(`${name}-function`, { role: role.name, policy: policyJson(statements.statements) }, { parent: this });
    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        name: stackScopedName(["airlock", args.platformName, "approvals"], 64),
        description: `${args.platformName}: Slack approvals for ${agentNames.join(", ")}`.slice(0, 256),
        runtime: LAMBDA_RUNTIME,
        architectures: ["arm64"],
        handler: "index.handler",
        role: role.arn,
        timeout: 30,
        memorySize: 256,
        // Each agent's alias points at a published version of exactly this code and these routes.
        publish: true,
        // Decisions are serialised in Postgres; a small cap keeps the database's connections bounded.
        ...(reservedConcurrency === "none" ? {} : { reservedConcurrentExecutions: reservedConcurrency }),
        code: new pulumi.asset.AssetArchive({
          "index.mjs": new pulumi.asset.FileAsset(assetFile("approvalGateway")),
          [GATEWAY_CONFIG.file]: new pulumi.asset.StringAsset(gatewayConfig(resolvedRoutes)),
        }),
        environment: {
          variables: {
            [GATEWAY_ENV.botTokenArn]: secrets.arns["slack-bot-token"]!,
            [GATEWAY_ENV.signingSecretArn]: secrets.arns["slack-signing-secret"]!,
            [GATEWAY_ENV.databaseUrlArn]: secrets.arns["database-url"]!,
            [GATEWAY_ENV.namespace]: PENDING_APPROVALS_NAMESPACE,
            // The pending-approvals metric carries the stack, so each stack's alarms read their own.
            [GATEWAY_ENV.stack]: stackLabel(),
            [AUDIT_ANCHOR_ENV.bucket]: anchor.bucketName,
            [AUDIT_ANCHOR_ENV.prefix]: anchor.prefix,
            [AUDIT_ANCHOR_ENV.keyId]: anchor.keyArn,
          },
        },
        loggingConfig: { logFormat: "Text", logGroup: logs.name },
        tags,
      },
      { parent: this, dependsOn: [policy] },
    );
    this.functionName = fn.name;
    this.functionArn = fn.arn;
    this.functionVersion = fn.version;
    // Slack calls this URL. It is public on purpose: Slack has no AWS identity to sign with, so
    // principal `*` is unavoidable, and the function authenticates every request by Slack's v0
    // signature (signing secret, 5-minute window) before it reads it. Since October 2025 a URL with
    // auth type NONE needs both statements in the function's resource policy
    // (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html): lambda:InvokeFunctionUrl for
    // auth type NONE, and lambda:InvokeFunction only when invoked through a function URL. Both are
    // on the unqualified function, like the URL; the agents' aliases stay IAM-only. "Your function's
    // resource-based policy ... must grant public access before your function URL can receive
    // requests": the URL is created after them.
    const invokeUrl = new aws.lambda.Permission(
      `${name}-url-invoke-url`,
      { function: fn.name, action: "lambda:InvokeFunctionUrl", principal: "*", functionUrlAuthType: "NONE" },
      { parent: this },
    );
    const invokeViaUrl = new aws.lambda.Permission(
      `${name}-url-invoke`,
      { function: fn.name, action: "lambda:InvokeFunction", principal: "*", invokedViaFunctionUrl: true },
      { parent: this },
    );
    const url = new aws.lambda.FunctionUrl(`${name}-url`, { functionName: fn.name, authorizationType: "NONE", invokeMode: "BUFFERED" }, { parent: this, dependsOn: [invokeUrl, invokeViaUrl] });
    this.functionUrl = url.functionUrl;

    const schedule = new aws.cloudwatch.EventRule(`${name}-schedule`, { description: `${args.platformName}: retry Slack posts and measure pending approvals`, scheduleExpression: "rate(1 minute)", tags }, { parent: this });
    new aws.cloudwatch.EventTarget(`${name}-schedule`, { rule: schedule.name, arn: fn.arn }, { parent: this });
    new aws.lambda.Permission(`${name}-schedule`, { function: fn.name, action: "lambda:InvokeFunction", principal: "events.amazonaws.com", sourceArn: schedule.arn }, { parent: this });
    anchorSchedule(name, { platformName: args.platformName, functionName: fn.name, functionArn: fn.arn, tags }, this);

    this.registerOutputs({ functionName: this.functionName, functionArn: this.functionArn, functionVersion: this.functionVersion, functionUrl: this.functionUrl, secretArns: this.secretArns, anchorKeyArn: this.anchorKeyArn, anchorBucket: this.anchorBucket });
  }
}

/**
 * The alarm for one agent's approvals: the oldest of its pending requests waited longer than its
 * limit (or the gateway stopped reporting). It notifies the agent's own alert channel.
 */
export function pendingApprovalsAlarm(
  name: string,
  args: { readonly agent: string; readonly minutes: number; readonly alarmTopicArn: pulumi.Input<string>; readonly tags: Record<string, string> },
  parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(
    name,
    {
      name: stackScopedName(["airlock", args.agent, "approvals-pending"], 255),
      alarmDescription: `${args.agent}: an approval request has waited more than ${args.minutes} minutes (or the gateway stopped reporting). Approvers: check the Slack channel.`,
      namespace: PENDING_APPROVALS_NAMESPACE,
      metricName: APPROVAL_METRICS.names.oldestPendingSeconds,
      // Exactly what the gateway writes (pendingMetricLine in @airlock/approvals): stack and agent.
      dimensions: { [DIMENSIONS.agent]: args.agent, [DIMENSIONS.stack]: stackLabel() },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      threshold: args.minutes * 60,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "breaching",
      alarmActions: [args.alarmTopicArn],
      okActions: [args.alarmTopicArn],
      tags: args.tags,
    },
    { parent },
  );
}
