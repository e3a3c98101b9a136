/**
 * ApprovalGateway: the human checkpoint for an agent's outward actions, one Lambda
 * (`@airlock/approvals`'s gateway handler, bundled at deploy time with the agent's model):
 * - the agent invokes it with IAM through the VPC endpoint to request an approval and to read the
 *   decision, so the agent holds no Slack token and no database credentials and needs no egress
 *   to Slack or the database;
 * - Slack posts button clicks to its function URL (Slack's v0 signature authenticates them);
 * - a schedule retries Slack posts and measures the oldest pending approval; an alarm fires when
 *   one waits longer than the limit.
 * Its credentials (Slack bot token, signing secret, database URL) live in Secrets Manager, readable
 * by the function alone, with age alarms. The function runs outside the VPC: it reaches Slack and
 * the database (Supabase, or RDS through its public endpoint with TLS) directly.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AgentModel, SecretBinding } from "@airlock/core";
import type { AgentPlatform } from "../platform/agent-platform.ts";
import { policyJson, serviceTrustPolicy } from "../policy.ts";
import { ROLE_TAG } from "../tags.ts";
import { AgentSecrets, kmsViaSecretsManager, logStatement } from "../secrets/agent-secrets.ts";
import { checkRetention, secureLogGroup } from "../observability/secure-log-group.ts";
import { approvalLambdaFile } from "./bundle.ts";

export const APPROVAL_GATEWAY_TOKEN = "airlock:approvals:ApprovalGateway";
/** Metric the pending-approvals alarm reads (written by the gateway's scheduled run). */
export const PENDING_APPROVALS_NAMESPACE = "Airlock/Approvals";

/** What an agent's approvals need, as AgentDeployment takes it. */
export interface ApprovalSettings {
  /** Slack channel approval requests go to, and who may decide. */
  readonly slack: { readonly channelId: string; readonly approverIds: readonly string[] };
  /** Alarm when an approval has waited longer than this. @default 30 */
  readonly pendingAlarmMinutes?: number;
  /** Alarm when a credential is older than this many days. @default 90 */
  readonly credentialMaxAgeDays?: number;
}

/** Pure checks, run before any resource exists. */
export function validateApprovalSettings(s: ApprovalSettings, field = "approvals"): void {
  if (!/^[CG][A-Z0-9]{6,}$/.test(s.slack?.channelId ?? "")) throw new Error(`\`${field}.slack.channelId\`: give the channel's id (C…), as shown in Slack's channel details, not its name`);
  if (!Array.isArray(s.slack.approverIds) || s.slack.approverIds.length === 0) throw new Error(`\`${field}.slack.approverIds\`: list at least one Slack user id (U…) allowed to decide`);
  s.slack.approverIds.forEach((id, i) => {
    if (!/^[UW][A-Z0-9]{6,}$/.test(id)) throw new Error(`\`${field}.slack.approverIds[${i}]\`: "${id}" is not a Slack user id; use the U… id from the user's profile`);
  });
  const minutes = s.pendingAlarmMinutes ?? 30;
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > 1440) throw new Error(`\`${field}.pendingAlarmMinutes\`: must be a whole number of minutes from 5 to 1440`);
  const days = s.credentialMaxAgeDays ?? 90;
  if (!Number.isInteger(days) || days < 1 || days > 730) throw new Error(`\`${field}.credentialMaxAgeDays\`: must be a whole number of days from 1 to 730`);
}

export interface ApprovalGatewayArgs extends ApprovalSettings {
  readonly platform: AgentPlatform;
  readonly model: AgentModel;
  readonly alarmTopicArn: pulumi.Input<string>;
  /** @default 90 */
  readonly logRetentionDays?: number;
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
    binding("approvals-database-url", "AIRLOCK_APPROVALS_DATABASE_URL", "Approval audit log: postgres:// URL of the service role (Supabase or RDS)"),
    binding("approvals-slack-bot-token", "SLACK_BOT_TOKEN", "Slack app bot token (xoxb-) that posts approval requests"),
    binding("approvals-slack-signing-secret", "SLACK_SIGNING_SECRET", "Slack app signing secret that authenticates button clicks"),
  ];
}

/** The model as the function reads it: without the machine-specific prompt path. */
export function modelForGateway(model: AgentModel): string {
  const { promptFile: _path, manifestDir: _dir, ...rest } = model;
  return JSON.stringify(rest);
}

export class ApprovalGateway extends pulumi.ComponentResource {
  readonly functionUrl: pulumi.Output<string>;
  readonly functionArn: pulumi.Output<string>;
  /** Secret ARNs by name (`approvals-database-url`, `approvals-slack-bot-token`, `approvals-slack-signing-secret`). */
  readonly secretArns: Readonly<Record<string, pulumi.Output<string>>>;
  readonly pendingAlarmName: pulumi.Output<string>;

  constructor(name: string, args: ApprovalGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    // The agent's name is the component's one input, so reviewers and guardrails see whose gateway it is.
    super(APPROVAL_GATEWAY_TOKEN, name, { agent: args.model.name }, opts);
    validateApprovalSettings(args);
    const retention = args.logRetentionDays ?? 90;
    checkRetention(retention, "logRetentionDays");
    const { model, platform, tags } = args;
    const ctx = platform.aws;

    const role = new aws.iam.Role(
      `${name}-function`,
      { description: `${model.name}: the approval gateway's function`, assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", ctx.accountId), tags: { ...tags, [ROLE_TAG]: "approvals" } },
      { parent: this },
    );
    const secrets = new AgentSecrets(
      `${name}-secrets`,
      {
        model: { name: model.name, secrets: approvalSecretBindings(args.credentialMaxAgeDays ?? 90) },
        aws: ctx,
        kmsKeyArn: platform.kmsKeyArn,
        readerRoleArns: [role.arn],
        ...(platform.ageMonitor ? { ageMonitor: platform.ageMonitor } : {}),
        alarmTopicArn: args.alarmTopicArn,
        tags,
      },
      { parent: this },
    );
    this.secretArns = secrets.arns;

    const logs = secureLogGroup(`${name}-logs`, { logGroupName: `/airlock/${model.name}/approvals`, kmsKeyArn: platform.kmsKeyArn, retentionInDays: retention, tags }, this);
    const policy = new aws.iam.RolePolicy(
      `${name}-function`,
      {
        role: role.name,
        policy: policyJson([
          { Sid: "ReadGatewaySecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: secrets.arnsOf(["approvals-database-url", "approvals-slack-bot-token", "approvals-slack-signing-secret"]) },
          kmsViaSecretsManager(platform.kmsKeyArn, ctx, ["kms:Decrypt"]),
          logStatement(logs.arn),
        ]),
      },
      { parent: this },
    );
    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        name: `airlock-${model.name}-approvals`,
        description: `${model.name}: Slack approvals (interactivity endpoint, outbox, pending metric)`,
        runtime: "nodejs20.x",
        architectures: ["arm64"],
        handler: "index.handler",
        role: role.arn,
        timeout: 30,
        memorySize: 256,
        // Decisions are serialised in Postgres; a small cap keeps the database's connections bounded.
        reservedConcurrentExecutions: 10,
        code: new pulumi.asset.AssetArchive({
          "index.mjs": new pulumi.asset.FileAsset(approvalLambdaFile()),
          "model.json": new pulumi.asset.StringAsset(modelForGateway(model)),
        }),
        environment: {
          variables: {
            AIRLOCK_SLACK_BOT_TOKEN_SECRET_ARN: secrets.arns["approvals-slack-bot-token"]!,
            AIRLOCK_SLACK_SIGNING_SECRET_ARN: secrets.arns["approvals-slack-signing-secret"]!,
            AIRLOCK_DATABASE_URL_SECRET_ARN: secrets.arns["approvals-database-url"]!,
            AIRLOCK_SLACK_CHANNEL: args.slack.channelId,
            AIRLOCK_SLACK_APPROVERS: args.slack.approverIds.join(","),
            AIRLOCK_NAMESPACE: PENDING_APPROVALS_NAMESPACE,
          },
        },
        loggingConfig: { logFormat: "Text", logGroup: logs.name },
        tags,
      },
      { parent: this, dependsOn: [policy] },
    );
    this.functionArn = fn.arn;
    // Slack calls this URL; every request is authenticated by Slack's signature in the function.
    const url = new aws.lambda.FunctionUrl(`${name}-url`, { functionName: fn.name, authorizationType: "NONE", invokeMode: "BUFFERED" }, { parent: this });
    this.functionUrl = url.functionUrl;

    const schedule = new aws.cloudwatch.EventRule(`${name}-schedule`, { description: `${model.name}: retry Slack posts and measure pending approvals`, scheduleExpression: "rate(1 minute)", tags }, { parent: this });
    new aws.cloudwatch.EventTarget(`${name}-schedule`, { rule: schedule.name, arn: fn.arn }, { parent: this });
    new aws.lambda.Permission(`${name}-schedule`, { function: fn.name, action: "lambda:InvokeFunction", principal: "events.amazonaws.com", sourceArn: schedule.arn }, { parent: this });

    const minutes = args.pendingAlarmMinutes ?? 30;
    const pending = new aws.cloudwatch.MetricAlarm(
      `${name}-pending`,
      {
        name: `airlock-${model.name}-approvals-pending`,
        alarmDescription: `${model.name}: an approval request has waited more than ${minutes} minutes (or the gateway stopped reporting). Approvers: check the Slack channel.`,
        namespace: PENDING_APPROVALS_NAMESPACE,
        metricName: "OldestPendingSeconds",
        dimensions: { Agent: model.name },
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        threshold: minutes * 60,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "breaching",
        alarmActions: [args.alarmTopicArn],
        okActions: [args.alarmTopicArn],
        tags,
      },
      { parent: this },
    );
    this.pendingAlarmName = pending.name;
    this.registerOutputs({ functionUrl: this.functionUrl, functionArn: this.functionArn, secretArns: this.secretArns, pendingAlarmName: this.pendingAlarmName });
  }
}
