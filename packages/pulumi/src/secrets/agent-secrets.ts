/**
 * AgentSecrets: an agent's credentials in Secrets Manager. Each secret is encrypted with the
 * platform key, readable only by the roles named here (resource policy), and either rotated
 * (the platform's built-in function for values Airlock generates, the team's Lambda otherwise) or
 * watched by an age alarm for vendor keys that can only be rotated by hand.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AgentModel, SecretBinding } from "@airlock/core";
import type { AwsContext } from "../aws-context.ts";
import { policyJson, type StatementInput } from "../policy.ts";
import { SECRET_AGE_NAMESPACE, type SharedFunction } from "./secret-functions.ts";

export const AGENT_SECRETS_TOKEN = "airlock:secrets:AgentSecrets";

export interface AgentSecretsArgs {
  /** The agent (its name) and the secrets to create. */
  readonly model: Pick<AgentModel, "name" | "secrets">;
  readonly aws: AwsContext;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Roles that may read secret values (the agent's execution role). */
  readonly readerRoleArns: pulumi.Input<string>[];
  /** The platform's rotation function; required when the agent has generated secrets. */
  readonly rotation?: SharedFunction;
  /** The platform's age monitor; required when the agent has hand-rotated secrets. */
  readonly ageMonitor?: SharedFunction;
  /** Where the age alarms notify. */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** Days a deleted secret can still be restored. @default 7 */
  readonly recoveryWindowDays?: number;
  readonly tags: Record<string, string>;
}

export class AgentSecrets extends pulumi.ComponentResource {
  /** Secret ARNs by manifest name. */
  readonly arns: Readonly<Record<string, pulumi.Output<string>>>;
  /** Age alarm names by secret name. */
  readonly ageAlarmNames: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: AgentSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AGENT_SECRETS_TOKEN, name, {}, opts);
    const { model, aws: ctx, tags } = args;
    const config = new pulumi.Config();
    const generated = model.secrets.filter((s) => s.rotation.kind === "builtin");
    const watched = model.secrets.filter((s) => s.rotation.kind === "max-age");
    if (generated.length > 0 && args.rotation === undefined) throw new Error(`\`platform\`: agent \`${model.name}\` has generated secrets but its platform has no rotation function; list the agent in the platform's \`agents\``);
    if (watched.length > 0 && args.ageMonitor === undefined) throw new Error(`\`platform\`: agent \`${model.name}\` has hand-rotated secrets but its platform has no age monitor; list the agent in the platform's \`agents\``);

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
          tags: {
            ...tags,
            "airlock:secret": s.name,
            "airlock:source": s.source,
            "airlock:rotation": rotationLabel(s),
            ...(s.source === "generated" ? { "airlock:length": String(s.length) } : {}),
            ...(s.rotation.kind === "max-age" ? { "airlock:max-age-days": String(s.rotation.maxAgeDays) } : {}),
          },
        },
        { parent: this },
      );
      secrets[s.name] = secret;
      arns[s.name] = secret.arn;

      const readers: pulumi.Input<string>[] = [...args.readerRoleArns];
      if (s.rotation.kind === "builtin" && args.rotation) readers.push(args.rotation.roleArn);
      new aws.secretsmanager.SecretPolicy(`${name}-${s.name}`, { secretArn: secret.arn, blockPublicPolicy: true, policy: secretResourcePolicy(readers) }, { parent: this });

      if (s.source === "generated") {
        const initial = new random.RandomPassword(`${name}-${s.name}`, { length: s.length, special: false }, { parent: this });
        new aws.secretsmanager.SecretVersion(
          `${name}-${s.name}`,
          { secretId: secret.id, secretString: initial.result },
          // Rotation replaces the value; Pulumi must not put the first one back.
          { parent: this, ignoreChanges: ["secretString", "versionStages"] },
        );
      } else if (s.source === "pulumi-config") {
        new aws.secretsmanager.SecretVersion(`${name}-${s.name}`, { secretId: secret.id, secretString: config.requireSecret(s.configKey!) }, { parent: this });
      }
      // out-of-band: no version; an operator puts the value (`aws secretsmanager put-secret-value`).
    }
    this.arns = arns;

    // --- Rotation by the platform's function, of exactly this agent's generated secrets ------------
    if (generated.length > 0 && args.rotation) {
      const grant = new aws.iam.RolePolicy(
        `${name}-rotation`,
        {
          role: args.rotation.roleName,
          policy: policyJson([
            {
              Sid: `Rotate${pascal(model.name)}Secrets`,
              Effect: "Allow",
              Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
              Resource: generated.map((s) => arns[s.name]!),
            },
            kmsViaSecretsManager(args.kmsKeyArn, ctx, ["kms:Decrypt", "kms:GenerateDataKey"]),
          ]),
        },
        { parent: this },
      );
      for (const s of generated) {
        new aws.secretsmanager.SecretRotation(
          `${name}-${s.name}`,
          { secretId: secrets[s.name]!.id, rotationLambdaArn: args.rotation.functionArn, rotationRules: { automaticallyAfterDays: (s.rotation as { days: number }).days } },
          { parent: this, dependsOn: [grant] },
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

    // --- Age alarms for keys rotated by hand, measured by the platform's monitor ---------------
    const alarmNames: Record<string, pulumi.Output<string>> = {};
    if (watched.length > 0 && args.ageMonitor) {
      new aws.iam.RolePolicy(
        `${name}-age-monitor`,
        {
          role: args.ageMonitor.roleName,
          policy: policyJson([{ Sid: `Measure${pascal(model.name)}SecretAges`, Effect: "Allow", Action: ["secretsmanager:ListSecretVersionIds"], Resource: watched.map((s) => arns[s.name]!) }]),
        },
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
            alarmActions: [args.alarmTopicArn],
            okActions: [args.alarmTopicArn],
            tags,
          },
          { parent: this },
        );
        alarmNames[s.name] = alarm.name;
      }
    }
    this.ageAlarmNames = alarmNames;

    this.registerOutputs({ arns: this.arns, ageAlarmNames: this.ageAlarmNames });
  }

  /** ARNs of the named secrets, in the given order. */
  arnsOf(names: readonly string[]): pulumi.Output<string>[] {
    return names.map((n) => {
      const a = this.arns[n];
      if (a === undefined) throw new Error(`\`secrets\`: no secret named \`${n}\``);
      return a;
    });
  }
}

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
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
