/**
 * AgentSecrets: an agent's credentials in Secrets Manager. Each secret is encrypted with the
 * platform key, readable only by the roles named here (resource policy), and either rotated
 * (the platform's built-in function for values Airlock generates, the team's Lambda otherwise) or
 * watched by an age alarm for vendor keys that can only be rotated by hand.
 *
 * The platform's shared functions get their access from each secret's own resource policy (same
 * account: a resource policy naming the role is enough), so a secret's policy says everyone who
 * may touch it, and an agent adds no policy to a shared role.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AgentModel, SecretBinding } from "@airlock/core";
import type { AwsContext } from "../aws-context.ts";
import { policyJson, type StatementInput } from "../policy.ts";
import { SECRET_AGE_NAMESPACE, SECRET_AGE_PERCENT_METRIC, type SharedFunction } from "./secret-functions.ts";

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
  /** The alarm on the hand-rotated secrets' ages (one for all of them), when there are any. */
  readonly ageAlarmName?: pulumi.Output<string>;

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
            // The age monitor reports by this tag; the gateway's secrets carry their owner's name.
            "airlock:agent": model.name,
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
      const grants: StatementInput[] = [];
      if (s.rotation.kind === "builtin" && args.rotation) {
        readers.push(args.rotation.roleArn);
        grants.push({
          Sid: "PlatformRotationFunctionRotates",
          Effect: "Allow",
          Principal: { AWS: args.rotation.roleArn },
          Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
          Resource: "*",
        });
      }
      if (s.rotation.kind === "max-age" && args.ageMonitor) {
        grants.push({ Sid: "PlatformAgeMonitorReadsVersionDates", Effect: "Allow", Principal: { AWS: args.ageMonitor.roleArn }, Action: ["secretsmanager:ListSecretVersionIds"], Resource: "*" });
      }
      const policy = new aws.secretsmanager.SecretPolicy(`${name}-${s.name}`, { secretArn: secret.arn, blockPublicPolicy: true, policy: secretResourcePolicy(readers, grants) }, { parent: this });

      let version: aws.secretsmanager.SecretVersion | undefined;
      if (s.source === "generated") {
        const initial = new random.RandomPassword(`${name}-${s.name}`, { length: s.length, special: false }, { parent: this });
        version = new aws.secretsmanager.SecretVersion(
          `${name}-${s.name}`,
          { secretId: secret.id, secretString: initial.result },
          // Rotation replaces the value; Pulumi must not put the first one back.
          { parent: this, ignoreChanges: ["secretString", "versionStages"] },
        );
      } else if (s.source === "pulumi-config") {
        version = new aws.secretsmanager.SecretVersion(`${name}-${s.name}`, { secretId: secret.id, secretString: config.requireSecret(s.configKey!) }, { parent: this });
      }
      // out-of-band: no version; an operator puts the value (`aws secretsmanager put-secret-value`).

      // Rotated by the platform's function (values Airlock generates) or the team's own Lambda.
      const rotation = s.rotation.kind === "builtin" ? args.rotation?.functionArn : s.rotation.kind === "lambda" ? s.rotation.lambdaArn : undefined;
      if (rotation !== undefined && s.rotation.kind !== "max-age") {
        // Rotation starts at once: the function's access (the policy) and the first value must exist.
        new aws.secretsmanager.SecretRotation(
          `${name}-${s.name}`,
          { secretId: secret.id, rotationLambdaArn: rotation, rotationRules: { automaticallyAfterDays: s.rotation.days } },
          { parent: this, dependsOn: version ? [policy, version] : [policy] },
        );
      }
    }
    this.arns = arns;

    // --- One age alarm for the keys rotated by hand, measured by the platform's monitor ---------
    // The monitor writes each secret's age as a percentage of its own limit, per owner; the
    // alarm fires when any of them passes 100%. Per-secret ages are in SecretAgeDays.
    if (watched.length > 0 && args.ageMonitor) {
      const limits = watched.map((s) => `${s.name} (${(s.rotation as { maxAgeDays: number }).maxAgeDays} days)`).join(", ");
      const alarm = new aws.cloudwatch.MetricAlarm(
        `${name}-age`,
        {
          name: `airlock-${model.name}-secrets-age`,
          alarmDescription: `${model.name}: a hand-rotated secret is older than its limit (or has no value, or the monitor stopped): ${limits}. SecretAgeDays in ${SECRET_AGE_NAMESPACE} shows which; put a new value, then redeploy.`.slice(0, 1024),
          namespace: SECRET_AGE_NAMESPACE,
          metricName: SECRET_AGE_PERCENT_METRIC,
          dimensions: { Agent: model.name },
          statistic: "Maximum",
          period: 86400,
          evaluationPeriods: 1,
          threshold: 100,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: "breaching",
          alarmActions: [args.alarmTopicArn],
          okActions: [args.alarmTopicArn],
          tags,
        },
        { parent: this },
      );
      this.ageAlarmName = alarm.name;
    }

    this.registerOutputs({ arns: this.arns, ageAlarmName: this.ageAlarmName });
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

/**
 * Only the named roles may read the value; nothing may use the secret without TLS; `grants` are
 * the Allow statements of same-account roles that need the secret (the platform's functions).
 */
export function secretResourcePolicy(readerRoleArns: pulumi.Input<string>[], grants: StatementInput[] = []): pulumi.Output<string> {
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
    ...grants,
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
