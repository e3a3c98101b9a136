/**
 * ApprovalGateway: the approval service's Slack side as a Lambda behind a function URL. Slack
 * posts button clicks to the URL (the Slack v0 signature is the authentication, so the URL itself
 * is public: an explicit, tagged choice); a schedule runs the outbox every minute (requests and
 * outcomes Slack missed) and publishes the age of the oldest pending approval, which an alarm
 * watches. The Slack bot token, the signing secret and the database URL live in Secrets Manager
 * under the platform key and are read at cold start; the role reads exactly those three.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AgentModel } from "@airlock/core";
import type { AgentPlatform } from "../platform/agent-platform.ts";
import { policyJson, serviceTrustPolicy } from "../policy.ts";
import { agentTags, ROLE_TAG } from "../tags.ts";
import { kmsViaSecretsManager, logStatement } from "../secrets/agent-secrets.ts";
import { checkRetention, secureLogGroup } from "../observability/secure-log-group.ts";

export const APPROVAL_GATEWAY_TOKEN = "airlock:approvals:ApprovalGateway";

/** The secrets the gateway reads, by the environment variable the service knows them as. */
export const GATEWAY_SECRETS = {
  SLACK_BOT_TOKEN: { name: "slack-bot-token", description: "Slack bot token (xoxb-…) of the approvals app" },
  SLACK_SIGNING_SECRET: { name: "slack-signing-secret", description: "Signing secret of the approvals Slack app" },
  AIRLOCK_APPROVALS_DATABASE_URL: { name: "database-url", description: "postgres:// URL of the approvals store, as its service login role" },
} as const;

/** Lambda's limit on all environment variables together is 4 KB. */
const ENV_LIMIT = 4096;

export interface ApprovalGatewayArgs {
  readonly platform: AgentPlatform;
  /** The agent whose approvals the gateway decides (its compiled model). */
  readonly model: AgentModel;
  /** Release id shown to approvers. */
  readonly release: string;
  /**
   * The Lambda bundle: it exports `handler` from `@airlock/approvals` (`createGatewayHandler()`),
   * e.g. an esbuild output directory as `new pulumi.asset.FileArchive("dist/approvals")`.
   */
  readonly code: pulumi.asset.Archive;
  readonly slack: {
    /** Channel id requests are posted to (C…). */
    readonly channel: string;
    /** Slack user ids allowed to decide (U…). */
    readonly approvers: readonly string[];
  };
  /** Where the approvals database is reached from the private subnets, and on which port. */
  readonly database: { readonly cidrs: readonly string[]; readonly port?: number };
  /** Module and export of the handler in `code`. @default "index.handler" */
  readonly handler?: string;
  /** Alarm when an approval has waited longer than this many seconds. @default 3600 (one hour) */
  readonly maxPendingSeconds?: number;
  /** Log retention in days. @default 90 */
  readonly logRetentionDays?: number;
  /** Topic the pending-approval alarm notifies. @default - the platform's alert topic */
  readonly alarmTopicArn?: pulumi.Input<string>;
  /** Tags merged into every taggable child. @default - agent, owner, managed-by */
  readonly tags?: Readonly<Record<string, string>>;
}

/** What the Lambda needs of the model: its tools' tiers and the risk lines (fits in 4 KB). */
export function approvalModelJson(model: AgentModel): string {
  return JSON.stringify({
    name: model.name,
    tools: model.tools.map((t) => ({ name: t.name, outward: t.outward, tier: t.tier, ...(t.actionType === undefined ? {} : { actionType: t.actionType }) })),
    approvals: model.approvals.map((a) => ({
      actionType: a.actionType,
      tier: a.tier,
      ...(a.riskClass === undefined ? {} : { riskClass: a.riskClass }),
      ...(a.description === undefined ? {} : { description: a.description }),
      tools: a.tools,
      outward: a.outward,
    })),
  });
}

/** Pure checks, run before any resource is created; messages name the field. */
export function validateApprovalGatewayArgs(args: Omit<ApprovalGatewayArgs, "platform" | "code">, allowedDomains: readonly string[]): void {
  if (!/^[a-z0-9][a-z0-9.-]{0,30}$/.test(args.release)) throw new Error(`\`release\`: "${args.release}" is not a release id (lowercase letters, digits, \`.\` and \`-\`)`);
  if (!/^[CG][A-Z0-9]{2,}$/.test(args.slack.channel)) throw new Error(`\`slack.channel\`: "${args.slack.channel}" is not a Slack channel id; use the C… id from the channel's details, not its name`);
  if (args.slack.approvers.length === 0) throw new Error("`slack.approvers`: list at least one Slack user id (U…) allowed to decide");
  args.slack.approvers.forEach((a, i) => {
    if (!/^[UW][A-Z0-9]{2,}$/.test(a)) throw new Error(`\`slack.approvers[${i}]\`: "${a}" is not a Slack user id; use the U… id from the user's profile, not a name`);
  });
  if (args.database.cidrs.length === 0) throw new Error("`database.cidrs`: give the CIDR blocks the approvals database is reached at (e.g. the RDS subnets)");
  for (const [i, c] of args.database.cidrs.entries()) {
    if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(c)) throw new Error(`\`database.cidrs[${i}]\`: "${c}" is not an IPv4 CIDR block such as 10.0.8.0/24`);
    if (c.endsWith("/0")) throw new Error(`\`database.cidrs[${i}]\`: "${c}" opens the database port to every address; give the database's own subnets`);
  }
  const port = args.database.port ?? 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`\`database.port\`: ${port} is not a TCP port`);
  if (args.maxPendingSeconds !== undefined && (!Number.isInteger(args.maxPendingSeconds) || args.maxPendingSeconds < 60)) {
    throw new Error("`maxPendingSeconds`: give a whole number of seconds, at least 60");
  }
  if (args.logRetentionDays !== undefined) checkRetention(args.logRetentionDays, "logRetentionDays");
  if (!allowedDomains.some((d) => d === "slack.com" || d === "*.slack.com")) {
    throw new Error("`platform.extraAllowedDomains`: the DNS firewall does not allow slack.com, so the gateway could not reach Slack; add \"slack.com\" to the platform's `extraAllowedDomains`");
  }
  if (!args.model.approvals.some((a) => a.tier !== "auto")) {
    throw new Error("`model`: no risk line asks for approval (every tier is `auto`); an approval gateway would have nothing to decide");
  }
}

export class ApprovalGateway extends pulumi.ComponentResource {
  /** The URL to paste into the Slack app's Interactivity "Request URL". */
  readonly functionUrl: pulumi.Output<string>;
  readonly functionArn: pulumi.Output<string>;
  readonly functionName: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;
  /** Secret ARNs by environment variable; put the values in out of band. */
  readonly secretArns: Readonly<Record<keyof typeof GATEWAY_SECRETS, pulumi.Output<string>>>;
  readonly pendingAlarmName: pulumi.Output<string>;

  constructor(name: string, args: ApprovalGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super(APPROVAL_GATEWAY_TOKEN, name, {}, opts);
    const { platform, model } = args;
    validateApprovalGatewayArgs(args, platform.allowedDomains);
    const modelJson = approvalModelJson(model);
    const ctx = platform.aws;
    const tags = agentTags(model, { ...platform.tags, ...args.tags, "airlock:component": "approval-gateway" });
    const maxPending = args.maxPendingSeconds ?? 3600;
    const port = args.database.port ?? 5432;

    // --- Secrets: created empty; operators put the values (nothing secret in state) ----------
    const secrets = {} as Record<keyof typeof GATEWAY_SECRETS, aws.secretsmanager.Secret>;
    for (const [env, spec] of Object.entries(GATEWAY_SECRETS) as [keyof typeof GATEWAY_SECRETS, (typeof GATEWAY_SECRETS)[keyof typeof GATEWAY_SECRETS]][]) {
      secrets[env] = new aws.secretsmanager.Secret(
        `${name}-${spec.name}`,
        { name: `airlock/${model.name}/approvals/${spec.name}`, description: `${model.name} approvals: ${spec.description}; set the value out of band`, kmsKeyId: platform.kmsKeyArn, recoveryWindowInDays: 7, tags },
        { parent: this },
      );
    }
    this.secretArns = Object.fromEntries(Object.entries(secrets).map(([k, s]) => [k, s.arn])) as unknown as ApprovalGateway["secretArns"];

    const logGroup = secureLogGroup(
      `${name}-logs`,
      { logGroupName: `/airlock/${model.name}/approvals`, kmsKeyArn: platform.kmsKeyArn, retentionInDays: args.logRetentionDays ?? 90, tags },
      this,
    );
    this.logGroupName = logGroup.name;

    // --- Network: private subnets, no ingress; HTTPS out (DNS firewall: Slack and AWS only), the database port to its CIDRs
    const sg = new aws.ec2.SecurityGroup(
      `${name}-gateway`,
      {
        vpcId: platform.vpcId,
        description: `${model.name} approvals: no ingress; HTTPS out through the DNS firewall, database port to its subnets`,
        ingress: [],
        egress: [
          { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "HTTPS to Slack and the AWS endpoints (names limited by the DNS firewall)" },
          { protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: [...args.database.cidrs], description: "PostgreSQL: the approvals store" },
          { protocol: "udp", fromPort: 53, toPort: 53, cidrBlocks: [`${platform.resolverAddress}/32`], description: "DNS to the VPC resolver (filtered by the DNS firewall)" },
          { protocol: "tcp", fromPort: 53, toPort: 53, cidrBlocks: [`${platform.resolverAddress}/32`], description: "DNS over TCP to the VPC resolver" },
        ],
        tags: { ...tags, Name: `${model.name}-approvals` },
      },
      { parent: this },
    );
    this.securityGroupId = sg.id;

    // --- Role: its own logs, exactly its three secrets, the ENIs Lambda needs in a VPC --------
    const role = new aws.iam.Role(
      `${name}-function`,
      { description: `${model.name} approvals gateway: read its Slack and database secrets, write its logs`, assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", ctx.accountId), tags: { ...tags, [ROLE_TAG]: "approvals" } },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-function`,
      {
        role: role.name,
        policy: policyJson([
          logStatement(logGroup.arn),
          { Sid: "ReadGatewaySecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: Object.values(secrets).map((s) => s.arn) },
          kmsViaSecretsManager(platform.kmsKeyArn, ctx, ["kms:Decrypt"]),
          // Lambda creates and deletes its network interfaces itself; these actions take no resource ARN.
          { Sid: "VpcNetworkInterfaces", Effect: "Allow", Action: ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"], Resource: "*" },
        ]),
      },
      { parent: this },
    );
    this.roleArn = pulumi.all([role.arn, policy.urn]).apply(([a]) => a);

    const environment: Record<string, pulumi.Input<string>> = {
      AIRLOCK_APPROVAL_MODEL: modelJson,
      AIRLOCK_RELEASE: args.release,
      AIRLOCK_SLACK_CHANNEL: args.slack.channel,
      AIRLOCK_SLACK_APPROVERS: args.slack.approvers.join(","),
      AIRLOCK_APPROVALS_SECRET_ARNS: pulumi.output(this.secretArns).apply((arns) => JSON.stringify(arns)),
      NODE_OPTIONS: "--enable-source-maps",
    };
    // Secret ARNs are ~90 characters each; the rest is known now.
    const envSize = Object.entries(environment).reduce((n, [k, v]) => n + k.length + (typeof v === "string" ? v.length : 3 * 120), 0);
    if (envSize > ENV_LIMIT) {
      throw new Error(`\`model\`: the approvals model is ${modelJson.length} bytes and Lambda's environment holds 4 KB in all; shorten the risk line descriptions`);
    }

    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        description: `${model.name}: Slack approvals (interactivity endpoint, outbox, pending-age metric)`,
        runtime: "nodejs20.x",
        architectures: ["arm64"],
        handler: args.handler ?? "index.handler",
        code: args.code,
        role: this.roleArn,
        memorySize: 256,
        timeout: 15,
        // A few concurrent clicks at most; the database enforces one decision whatever the count.
        reservedConcurrentExecutions: 10,
        kmsKeyArn: platform.kmsKeyArn,
        environment: { variables: environment },
        vpcConfig: { subnetIds: platform.privateSubnetIds, securityGroupIds: [sg.id] },
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        tags,
      },
      { parent: this },
    );
    this.functionArn = fn.arn;
    this.functionName = fn.name;

    // Public by design: Slack calls it from the internet; every request must carry a valid v0
    // signature no older than five minutes, checked in constant time before anything else.
    const url = new aws.lambda.FunctionUrl(`${name}-url`, { functionName: fn.name, authorizationType: "NONE" }, { parent: this });
    this.functionUrl = url.functionUrl;

    const schedule = new aws.cloudwatch.EventRule(
      `${name}-outbox`,
      { description: `${model.name} approvals: retry Slack deliveries and publish the oldest pending approval's age`, scheduleExpression: "rate(1 minute)", tags },
      { parent: this },
    );
    new aws.lambda.Permission(`${name}-outbox`, { action: "lambda:InvokeFunction", function: fn.name, principal: "events.amazonaws.com", sourceArn: schedule.arn }, { parent: this });
    new aws.cloudwatch.EventTarget(`${name}-outbox`, { rule: schedule.name, arn: fn.arn, input: JSON.stringify({ airlock: "outbox" }) }, { parent: this });

    const topic = args.alarmTopicArn ?? platform.alertTopicArn;
    const alarm = new aws.cloudwatch.MetricAlarm(
      `${name}-pending`,
      {
        name: `airlock-${model.name}-approval-pending`,
        alarmDescription: `${model.name}: an approval has waited more than ${maxPending} s (or the gateway stopped reporting). Check the approvals channel and the gateway's logs.`,
        namespace: "Airlock/Approvals",
        metricName: "OldestPendingSeconds",
        dimensions: { Agent: model.name },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        threshold: maxPending,
        comparisonOperator: "GreaterThanThreshold",
        // No data means the schedule or the function is broken: that is worth an alarm too.
        treatMissingData: "breaching",
        alarmActions: [topic],
        okActions: [topic],
        tags,
      },
      { parent: this },
    );
    this.pendingAlarmName = alarm.name;

    this.registerOutputs({
      functionUrl: this.functionUrl,
      functionArn: this.functionArn,
      roleArn: this.roleArn,
      securityGroupId: this.securityGroupId,
      logGroupName: this.logGroupName,
      secretArns: this.secretArns,
      pendingAlarmName: this.pendingAlarmName,
    });
  }
}
