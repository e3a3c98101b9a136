/**
 * AgentSecrets: an agent's credentials in Secrets Manager. Each secret is encrypted with the
 * platform key, readable only by the roles named here (resource policy), and either rotated
 * (Airlock's built-in Lambda for values it generates, the team's Lambda otherwise) or watched by an
 * age alarm for vendor keys that can only be rotated by hand.
 */
import { readFileSync } from "node:fs";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AgentModel, SecretBinding } from "@airlock/core";
import type { AwsContext } from "../aws-context.ts";
import { policyJson, serviceTrustPolicy, type StatementInput } from "../policy.ts";
import { ROLE_TAG } from "../tags.ts";
import { secureLogGroup } from "../observability/secure-log-group.ts";

export const AGENT_SECRETS_TOKEN = "airlock:secrets:AgentSecrets";
/** CloudWatch namespace of the secret age metric. */
export const SECRET_AGE_NAMESPACE = "Airlock/Secrets";

const ROTATE_CODE = readFileSync(new URL("./lambda/rotate.mjs", import.meta.url), "utf8");
const AGE_CODE = readFileSync(new URL("./lambda/secret-age.mjs", import.meta.url), "utf8");

export interface AgentSecretsArgs {
  readonly model: AgentModel;
  readonly aws: AwsContext;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Roles that may read secret values (the agent's execution role). */
  readonly readerRoleArns: pulumi.Input<string>[];
  /** Where the age alarms notify. @default - no alarm actions */
  readonly alarmTopicArn?: pulumi.Input<string>;
  /** Log retention of the rotation and monitor functions. @default 90 */
  readonly logRetentionDays?: number;
  /** Days a deleted secret can still be restored. @default 7 */
  readonly recoveryWindowDays?: number;
  readonly tags: Record<string, string>;
}

export class AgentSecrets extends pulumi.ComponentResource {
  /** Secret ARNs by manifest name. */
  readonly arns: Readonly<Record<string, pulumi.Output<string>>>;
  /** The built-in rotation function, when the agent has generated secrets. */
  readonly rotationFunctionArn?: pulumi.Output<string>;
  /** Age alarm names by secret name. */
  readonly ageAlarmNames: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: AgentSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AGENT_SECRETS_TOKEN, name, {}, opts);
    const { model, aws: ctx, tags } = args;
    const retention = args.logRetentionDays ?? 90;
    const config = new pulumi.Config();
    const generated = model.secrets.filter((s) => s.rotation.kind === "builtin");
    const watched = model.secrets.filter((s) => s.rotation.kind === "max-age");

    // Roles of Airlock's own functions exist first, so the secrets' resource policies can name them.
    const rotationRole = generated.length > 0 ? this.lambdaRole(`${name}-rotation`, "rotation", ctx, tags) : undefined;
    const monitorRole = watched.length > 0 ? this.lambdaRole(`${name}-age-monitor`, "monitor", ctx, tags) : undefined;

    const arns: Record<string, pulumi.Output<string>> = {};
    const secrets: Record<string, aws.secretsmanager.Secret> = {};
    for (const s of model.secrets) {
      const secret = new aws.secretsmanager.Secret(
        `${name}-${s.name}`,
        {
          name: `airlock/${model.name}/${s.name}`,
          description: s.description || `${model.name}: ${s.name} (${s.source})`,
          kmsKeyId: args.kmsKeyArn,
          recoveryWindowInDays: args.recoveryWindowDays ?? 7,
          tags: { ...tags, "airlock:secret": s.name, "airlock:source": s.source, "airlock:rotation": rotationLabel(s), ...(s.source === "generated" ? { "airlock:length": String(s.length) } : {}) },
        },
        { parent: this },
      );
      secrets[s.name] = secret;
      arns[s.name] = secret.arn;

      const readers: pulumi.Input<string>[] = [...args.readerRoleArns];
      if (s.rotation.kind === "builtin" && rotationRole) readers.push(rotationRole.arn);
      new aws.secretsmanager.SecretPolicy(
        `${name}-${s.name}`,
        { secretArn: secret.arn, blockPublicPolicy: true, policy: secretResourcePolicy(readers) },
        { parent: this },
      );

      if (s.source === "generated") {
        const initial = new random.RandomPassword(`${name}-${s.name}`, { length: s.length, special: false }, { parent: this });
        new aws.secretsmanager.SecretVersion(
          `${name}-${s.name}`,
          { secretId: secret.id, secretString: initial.result },
          // Rotation replaces the value; Pulumi must not put the first one back.
          { parent: this, ignoreChanges: ["secretString", "versionStages"] },
        );
      } else if (s.source === "pulumi-config") {
        new aws.secretsmanager.SecretVersion(
          `${name}-${s.name}`,
          { secretId: secret.id, secretString: config.requireSecret(s.configKey!) },
          { parent: this },
        );
      }
      // out-of-band: no version; an operator puts the value (`aws secretsmanager put-secret-value`).
    }
    this.arns = arns;

    // --- Built-in rotation ---------------------------------------------------------------
    if (rotationRole && generated.length > 0) {
      const fnName = `airlock-${model.name}-rotate`;
      const logs = secureLogGroup(`${name}-rotation-logs`, { logGroupName: `/airlock/${model.name}/rotation`, kmsKeyArn: args.kmsKeyArn, retentionInDays: retention, tags }, this);
      new aws.iam.RolePolicy(
        `${name}-rotation`,
        {
          role: rotationRole.name,
          policy: policyJson([
            {
              Sid: "RotateOwnSecrets",
              Effect: "Allow",
              Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
              Resource: generated.map((s) => arns[s.name]!),
            },
            kmsViaSecretsManager(args.kmsKeyArn, ctx, ["kms:Decrypt", "kms:GenerateDataKey"]),
            logStatement(logs.arn),
          ]),
        },
        { parent: this },
      );
      const fn = new aws.lambda.Function(
        `${name}-rotation`,
        {
          name: fnName,
          description: `Airlock built-in rotation for ${model.name}'s generated secrets`,
          runtime: "nodejs20.x",
          architectures: ["arm64"],
          handler: "index.handler",
          role: rotationRole.arn,
          timeout: 30,
          memorySize: 128,
          code: new pulumi.asset.AssetArchive({ "index.mjs": new pulumi.asset.StringAsset(ROTATE_CODE) }),
          loggingConfig: { logFormat: "Text", logGroup: logs.name },
          tags,
        },
        { parent: this },
      );
      this.rotationFunctionArn = fn.arn;
      for (const s of generated) {
        const permission = new aws.lambda.Permission(
          `${name}-${s.name}-rotation`,
          { function: fn.name, action: "lambda:InvokeFunction", principal: "secretsmanager.amazonaws.com", sourceArn: arns[s.name]!, sourceAccount: ctx.accountId },
          { parent: this },
        );
        new aws.secretsmanager.SecretRotation(
          `${name}-${s.name}`,
          { secretId: secrets[s.name]!.id, rotationLambdaArn: fn.arn, rotationRules: { automaticallyAfterDays: (s.rotation as { days: number }).days } },
          { parent: this, dependsOn: [permission] },
        );
      }
    }
    for (const s of model.secrets) {
      if (s.rotation.kind !== "lambda") continue;
      new aws.secretsmanager.SecretRotation(
        `${name}-${s.name}`,
        { secretId: secrets[s.name]!.id, rotationLambdaArn: s.rotation.lambdaArn, rotationRules: { automaticallyAfterDays: s.rotation.days } },
        { parent: this },
      );
    }

    // --- Age monitor and alarms for keys rotated by hand ------------------------------------
    const alarmNames: Record<string, pulumi.Output<string>> = {};
    if (monitorRole && watched.length > 0) {
      const logs = secureLogGroup(`${name}-age-monitor-logs`, { logGroupName: `/airlock/${model.name}/secret-age`, kmsKeyArn: args.kmsKeyArn, retentionInDays: retention, tags }, this);
      new aws.iam.RolePolicy(
        `${name}-age-monitor`,
        {
          role: monitorRole.name,
          policy: policyJson([
            { Sid: "ReadVersionDates", Effect: "Allow", Action: ["secretsmanager:ListSecretVersionIds"], Resource: watched.map((s) => arns[s.name]!) },
            logStatement(logs.arn),
          ]),
        },
        { parent: this },
      );
      const fn = new aws.lambda.Function(
        `${name}-age-monitor`,
        {
          name: `airlock-${model.name}-secret-age`,
          description: `Airlock secret age monitor for ${model.name}`,
          runtime: "nodejs20.x",
          architectures: ["arm64"],
          handler: "index.handler",
          role: monitorRole.arn,
          timeout: 30,
          memorySize: 128,
          code: new pulumi.asset.AssetArchive({ "index.mjs": new pulumi.asset.StringAsset(AGE_CODE) }),
          environment: {
            variables: {
              AIRLOCK_AGENT: model.name,
              AIRLOCK_NAMESPACE: SECRET_AGE_NAMESPACE,
              AIRLOCK_SECRETS: pulumi.jsonStringify(watched.map((s) => ({ name: s.name, arn: arns[s.name]! }))),
            },
          },
          loggingConfig: { logFormat: "Text", logGroup: logs.name },
          tags,
        },
        { parent: this },
      );
      const schedule = new aws.cloudwatch.EventRule(
        `${name}-age-monitor`,
        { description: `Measure ${model.name}'s secret ages`, scheduleExpression: "rate(6 hours)", tags },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(`${name}-age-monitor`, { rule: schedule.name, arn: fn.arn }, { parent: this });
      new aws.lambda.Permission(
        `${name}-age-monitor`,
        { function: fn.name, action: "lambda:InvokeFunction", principal: "events.amazonaws.com", sourceArn: schedule.arn },
        { parent: this },
      );
      for (const s of watched) {
        const maxAge = (s.rotation as { maxAgeDays: number }).maxAgeDays;
        const alarm = new aws.cloudwatch.MetricAlarm(
          `${name}-${s.name}-age`,
          {
            name: `airlock-${model.name}-${s.name}-age`,
            alarmDescription: `${model.name}: secret ${s.name} is older than ${maxAge} days (or has no value, or the monitor stopped). Rotate it by hand: put a new value, then redeploy.`,
            namespace: SECRET_AGE_NAMESPACE,
            metricName: "SecretAgeDays",
            dimensions: { Agent: model.name, Secret: s.name },
            statistic: "Maximum",
            period: 86400,
            evaluationPeriods: 1,
            threshold: maxAge,
            comparisonOperator: "GreaterThanThreshold",
            treatMissingData: "breaching",
            alarmActions: args.alarmTopicArn ? [args.alarmTopicArn] : [],
            okActions: args.alarmTopicArn ? [args.alarmTopicArn] : [],
            tags,
          },
          { parent: this },
        );
        alarmNames[s.name] = alarm.name;
      }
    }
    this.ageAlarmNames = alarmNames;

    this.registerOutputs({ arns: this.arns, rotationFunctionArn: this.rotationFunctionArn, ageAlarmNames: this.ageAlarmNames });
  }

  /** ARNs of the named secrets, in the given order. */
  arnsOf(names: readonly string[]): pulumi.Output<string>[] {
    return names.map((n) => {
      const a = this.arns[n];
      if (a === undefined) throw new Error(`\`secrets\`: no secret named \`${n}\``);
      return a;
    });
  }

  private lambdaRole(name: string, kind: "rotation" | "monitor", ctx: AwsContext, tags: Record<string, string>): aws.iam.Role {
    return new aws.iam.Role(
      name,
      { assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", ctx.accountId), tags: { ...tags, [ROLE_TAG]: kind } },
      { parent: this },
    );
  }
}

function rotationLabel(s: SecretBinding): string {
  switch (s.rotation.kind) {
    case "builtin":
      return `builtin-${s.rotation.days}d`;
    case "lambda":
      return `lambda-${s.rotation.days}d`;
    case "max-age":
      return `max-age-${s.rotation.maxAgeDays}d`;
  }
}

/** Only the named roles may read the value; nothing may use the secret without TLS. */
export function secretResourcePolicy(readerRoleArns: pulumi.Input<string>[]): pulumi.Output<string> {
  return policyJson([
    {
      Sid: "OnlyNamedRolesReadTheValue",
      Effect: "Deny",
      Principal: "*",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: "*",
      Condition: { StringNotEquals: { "aws:PrincipalArn": readerRoleArns } },
    },
    {
      Sid: "DenyWithoutTls",
      Effect: "Deny",
      Principal: "*",
      Action: ["secretsmanager:*"],
      Resource: "*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ]);
}

/** KMS use of the platform key, only on behalf of Secrets Manager. */
export function kmsViaSecretsManager(kmsKeyArn: pulumi.Input<string>, ctx: AwsContext, actions: string[]): StatementInput {
  return {
    Sid: "DecryptSecretsViaSecretsManager",
    Effect: "Allow",
    Action: actions,
    Resource: [kmsKeyArn],
    Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${ctx.region}.amazonaws.com` } },
  };
}

/** Writing to exactly one log group (streams are named at run time: the one required wildcard). */
export function logStatement(logGroupArn: pulumi.Input<string>): StatementInput {
  return {
    Sid: "WriteOwnLogGroup",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: [pulumi.interpolate`${logGroupArn}:log-stream:*`],
  };
}
