/**
 * AgentSecrets: an agent's credentials in Secrets Manager. Each secret is encrypted with the
 * platform key, readable only by the roles named here (resource policy), and either rotated
 * (the platform's built-in function for values Airlock generates, the team's Lambda otherwise) or
 * watched by an age alarm for vendor keys that can only be rotated by hand.
 *
 * The platform's shared functions get their access from each secret's own resource policy (same
 * account: a resource policy naming the role is enough), so a secret's policy says everyone who
 * may touch it, and an agent adds no policy to a shared role. The value's readers are the agent's
 * roles, the consumers named for that secret (the service that must accept a generated token),
 * the rotation function, and, where Pulumi writes a version (generated and config values), the
 * principal running `pulumi up`, since the provider reads the version back after writing it, on
 * refresh and on delete.
 *
 * Names are unique to the stack (`airlock/<stack>/<owner>/<secret>`) and every secret carries the
 * tag `airlock:stack`, so two stacks of one program coexist in an account and each stack's age
 * monitor measures only its own secrets.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AgentModel, SecretBinding } from "@airlock/core";
import { COMPONENT_TOKENS, DIMENSIONS, SECRET_AGE_METRICS, TAGS } from "@airlock/core/contracts";
import type { AwsContext } from "../aws-context.ts";
import { stackLabel, stackScopedName } from "../naming.ts";
import { policyJson, type StatementInput } from "../policy.ts";
import { arnSpec, checkedArn, SECRET_ARN } from "../interop.ts";
import { checkRoleArn, readSecretsStatements, type Grantee } from "../iam/index.ts";
import { SECRET_AGE_NAMESPACE, SECRET_AGE_PERCENT_METRIC, type SharedFunction } from "./secret-functions.ts";

/** Pulumi type token of {@link AgentSecrets}. */
export const AGENT_SECRETS_TOKEN = COMPONENT_TOKENS.agentSecrets;
/** Tag naming the ECS services the platform's rotation function redeploys after a rotation (`<cluster>/<service>`). */
export const REDEPLOY_TAG = TAGS.redeploy;
/** Tag naming the stack a secret belongs to (the age monitor measures only its own stack's). */
export const STACK_TAG = TAGS.stack;

/** Secrets Manager's longest secret name. */
const SECRET_NAME_MAX = 512;
/** CloudWatch's longest alarm name. */
const ALARM_NAME_MAX = 255;
/** ECS cluster and service names: letters, digits, `-` and `_`, at most 255 characters. */
const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** The longest tag value Secrets Manager accepts. */
const TAG_VALUE_MAX = 256;

/** Arguments of {@link AgentSecrets}; {@link AgentDeployment} makes one for its agent. */
export interface AgentSecretsArgs {
  /**
   * The agent (its name) and the secrets to create. A secret rotated by the team's own Lambda
   * (`rotation.lambdaArn`) needs that Lambda's own resource policy to let
   * `secretsmanager.amazonaws.com` invoke it (an `aws.lambda.Permission` the team owns, with
   * `sourceAccount`) before this component is deployed: Secrets Manager invokes it as soon as the
   * rotation is set, and Airlock neither creates that permission nor can order the rotation after it.
   */
  readonly model: Pick<AgentModel, "name" | "secrets">;
  /** Account, partition and region to deploy into. */
  readonly aws: AwsContext;
  /** The platform key the secrets are encrypted with. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Roles that may read secret values (the agent's execution role). */
  readonly readerRoleArns: pulumi.Input<string>[];
  /**
   * Other roles that must read one secret's value, by secret name: the service that accepts a
   * generated token (the billing API validating the agent's token). The secret's resource policy
   * lets each one read it (same account: no policy of its own needed for Secrets Manager); each
   * still needs `kms:Decrypt` on the platform key through Secrets Manager in its own IAM policy
   * (condition `kms:ViaService` = `secretsmanager.<region>.amazonaws.com`), which the key policy
   * delegates to IAM.
   * @default - only `readerRoleArns` (and the platform's functions) read any value
   */
  readonly consumers?: Readonly<Record<string, pulumi.Input<string>[]>>;
  /**
   * The ECS service whose tasks read these secrets, to redeploy once a rotation has made a new
   * value current (running tasks keep the value they started with). Written as the tag
   * `airlock:redeploy` = `<cluster name>/<service name>` on every rotated secret; the platform's
   * rotation function reads it, so its role needs `ecs:UpdateService` on that service
   * (`SharedFunction.roleName`); a team's own rotation Lambda may read the same tag. Pass the name
   * the service is given, not an output of the service resource (the service waits for these
   * secrets).
   * @default - no redeploy: tasks read a rotated value when they next start
   */
  readonly redeploy?: { readonly clusterName: pulumi.Input<string>; readonly serviceName: pulumi.Input<string> };
  /** The platform's rotation function; required when the agent has generated secrets. */
  readonly rotation?: SharedFunction;
  /** The platform's age monitor; required when the agent has hand-rotated secrets. */
  readonly ageMonitor?: SharedFunction;
  /** Where the age alarms notify. */
  readonly alarmTopicArn: pulumi.Input<string>;
  /**
   * Secrets that exist already (out-of-band values only), by manifest name: their ARNs, checked
   * against the stack's account. Airlock makes no secret, resource policy, rotation or age alarm
   * for them; the readers still get GetSecretValue on exactly that ARN (the caller's IAM policy).
   * @default - none: Airlock makes every secret
   */
  readonly existing?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Days a deleted secret can still be restored. @default 7 */
  readonly recoveryWindowDays?: number;
  /** Tags on every secret (with `airlock:stack`). */
  readonly tags: Record<string, string>;
}

/** Pure checks of `consumers` against the secrets (string ARNs here; outputs when they resolve). */
function checkConsumers(model: AgentSecretsArgs["model"], consumers: AgentSecretsArgs["consumers"]): void {
  if (consumers === undefined) return;
  if (consumers === null || typeof consumers !== "object" || Array.isArray(consumers)) {
    throw new Error("`consumers`: give a map of secret name → list of IAM role ARNs that may read that secret's value");
  }
  const names = model.secrets.map((s) => s.name);
  for (const [secret, roles] of Object.entries(consumers)) {
    if (!names.includes(secret)) {
      throw new Error(`\`consumers.${secret}\`: agent \`${model.name}\` has no secret named \`${secret}\`; its secrets are ${names.join(", ")}`);
    }
    if (!Array.isArray(roles)) throw new Error(`\`consumers.${secret}\`: give a list of IAM role ARNs that may read the value`);
    roles.forEach((role, i) => {
      if (typeof role === "string") checkRoleArn(role, `consumers.${secret}[${i}]`);
    });
  }
}

function checkEcsName(value: string, field: "clusterName" | "serviceName"): string {
  const what = field === "clusterName" ? "cluster" : "service";
  if (!ECS_NAME.test(value)) {
    throw new Error(`\`redeploy.${field}\`: ${JSON.stringify(value)} is not an ECS ${what} name (letters, digits, \`-\` and \`_\`, at most 255); give the ${what}'s name, not its ARN`);
  }
  return value;
}

/** The `airlock:redeploy` tag value, checked when its parts are known. */
function redeployTagValue(redeploy: NonNullable<AgentSecretsArgs["redeploy"]>): pulumi.Input<string> {
  const check = (cluster: string, service: string): string => {
    const value = `${checkEcsName(cluster, "clusterName")}/${checkEcsName(service, "serviceName")}`;
    if (value.length > TAG_VALUE_MAX) {
      throw new Error(`\`redeploy\`: \`${value}\` is ${value.length} characters; the \`${REDEPLOY_TAG}\` tag value holds at most ${TAG_VALUE_MAX}: use shorter cluster or service names`);
    }
    return value;
  };
  const { clusterName, serviceName } = redeploy;
  if (typeof clusterName === "string" && typeof serviceName === "string") return check(clusterName, serviceName);
  if (typeof clusterName === "string") checkEcsName(clusterName, "clusterName");
  if (typeof serviceName === "string") checkEcsName(serviceName, "serviceName");
  return pulumi.all([clusterName, serviceName]).apply(([c, s]) => check(c, s));
}

/**
 * AgentSecrets: an agent's credentials in Secrets Manager. Each secret is encrypted with the
 * platform key, readable only by the roles named here (resource policy), and either rotated (the
 * platform's built-in function for values Airlock generates, the team's Lambda otherwise) or
 * watched by an age alarm for vendor keys that can only be rotated by hand. Names are unique to the
 * stack (`airlock/<stack>/<owner>/<secret>`).
 */
export class AgentSecrets extends pulumi.ComponentResource {
  /** Secret ARNs by manifest name. */
  readonly arns: Readonly<Record<string, pulumi.Output<string>>>;
  /** The alarm on the hand-rotated secrets' ages (one for all of them), when there are any. */
  readonly ageAlarmName?: pulumi.Output<string>;
  private readonly kmsKeyArn: pulumi.Input<string>;
  private readonly region: string;

  constructor(name: string, args: AgentSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before any resource exists: bad input makes nothing.
    checkConsumers(args.model, args.consumers);
    const redeploy = args.redeploy ? redeployTagValue(args.redeploy) : undefined;
    super(AGENT_SECRETS_TOKEN, name, {}, opts);
    const { model, aws: ctx, tags } = args;
    this.kmsKeyArn = args.kmsKeyArn;
    this.region = ctx.region;
    const config = new pulumi.Config();
    const generated = model.secrets.filter((s) => s.rotation.kind === "builtin");
    // An existing secret's age is its owner's to watch.
    const watched = model.secrets.filter((s) => s.rotation.kind === "max-age" && args.existing?.[s.name] === undefined);
    if (generated.length > 0 && args.rotation === undefined) throw new Error(`\`platform\`: agent \`${model.name}\` has generated secrets but its platform has no rotation function; list the agent in the platform's \`agents\``);
    if (watched.length > 0 && args.ageMonitor === undefined) throw new Error(`\`platform\`: agent \`${model.name}\` has hand-rotated secrets but its platform has no age monitor; list the agent in the platform's \`agents\``);
    const stack = stackLabel();

    const arns: Record<string, pulumi.Output<string>> = {};
    for (const [secret, arn] of Object.entries(args.existing ?? {})) {
      arns[secret] = checkedArn(arn, arnSpec(SECRET_ARN, `existingSecrets.${secret}.secretArn`), ctx);
    }
    for (const s of model.secrets) {
      if (args.existing?.[s.name] !== undefined) continue;
      const rotated = s.rotation.kind === "builtin" || s.rotation.kind === "lambda";
      const secret = new aws.secretsmanager.Secret(
        `${name}-${s.name}`,
        {
          name: stackScopedName(["airlock", model.name, s.name], SECRET_NAME_MAX, "/"),
          description: s.description || `${model.name}: ${s.name} (${s.source})`,
          kmsKeyId: args.kmsKeyArn,
          recoveryWindowInDays: args.recoveryWindowDays ?? 7,
          tags: {
            ...tags,
            // The age monitor reports by these tags; the gateway's secrets carry their owner's name.
            [TAGS.agent]: model.name,
            [TAGS.secret]: s.name,
            [TAGS.secretSource]: s.source,
            [TAGS.rotation]: rotationLabel(s),
            [STACK_TAG]: stack,
            ...(s.source === "generated" ? { [TAGS.secretLength]: String(s.length) } : {}),
            ...(s.rotation.kind === "max-age" ? { [TAGS.maxAgeDays]: String(s.rotation.maxAgeDays) } : {}),
            // After a rotation, the service whose tasks hold the old value starts new ones.
            ...(rotated && redeploy !== undefined ? { [REDEPLOY_TAG]: redeploy } : {}),
          },
        },
        { parent: this },
      );
      arns[s.name] = secret.arn;

      // Pulumi writes a version of generated and config values, and the provider reads it back.
      const managedVersion = s.source === "generated" || s.source === "pulumi-config";
      const consumers = (args.consumers?.[s.name] ?? []).map((role, i) => (typeof role === "string" ? role : pulumi.output(role).apply((r) => checkRoleArn(r, `consumers.${s.name}[${i}]`))));
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
      if (consumers.length > 0) {
        readers.push(...consumers);
        grants.push({ Sid: "ConsumersReadTheValue", Effect: "Allow", Principal: { AWS: consumers }, Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], Resource: "*" });
      }
      // The deployer's own IAM policy allows it; the resource policy only must not deny it.
      if (managedVersion) readers.push(ctx.deployerArn);
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
        // Rotation starts at once: Secrets Manager must be allowed to invoke the function (the
        // platform's permission; a team's Lambda carries its own), the function must be let in by
        // the secret's policy, and the first value must exist.
        const after: pulumi.Resource[] = [policy, ...(version ? [version] : []), ...(s.rotation.kind === "builtin" && args.rotation ? [args.rotation.invokePermission] : [])];
        new aws.secretsmanager.SecretRotation(
          `${name}-${s.name}`,
          { secretId: secret.id, rotationLambdaArn: rotation, rotationRules: { automaticallyAfterDays: s.rotation.days } },
          { parent: this, dependsOn: after },
        );
      }
    }
    this.arns = arns;

    // --- One age alarm for the keys rotated by hand, measured by the platform's monitor ---------
    // The monitor writes each secret's age as a percentage of its own limit, per stack and owner;
    // the alarm fires when any of them passes 100%. Per-secret ages are in SecretAgeDays.
    if (watched.length > 0 && args.ageMonitor) {
      const limits = watched.map((s) => `${s.name} (${(s.rotation as { maxAgeDays: number }).maxAgeDays} days)`).join(", ");
      const alarm = new aws.cloudwatch.MetricAlarm(
        `${name}-age`,
        {
          name: stackScopedName(["airlock", model.name, "secrets-age"], ALARM_NAME_MAX),
          alarmDescription: `${model.name}: a hand-rotated secret is older than its limit (or has no value, or the monitor stopped): ${limits}. ${SECRET_AGE_METRICS.names.ageDays} in ${SECRET_AGE_NAMESPACE} shows which; put a new value, then redeploy.`.slice(0, 1024),
          namespace: SECRET_AGE_NAMESPACE,
          metricName: SECRET_AGE_PERCENT_METRIC,
          dimensions: { [DIMENSIONS.agent]: model.name, [DIMENSIONS.stack]: stack },
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

  /**
   * Lets `role` read the named secrets' values: `sid` with `secretsmanager:GetSecretValue` on
   * exactly their ARNs, and `kms:Decrypt` through Secrets Manager only on `kmsKeyArns` (the
   * platform key unless given: an existing secret's own key; none for the AWS managed key). The
   * statements go into the role's one inline policy, which its owner writes (see `RoleStatements`).
   * Each secret's resource policy must name the role among its readers (`readerRoleArns`).
   */
  grantRead(role: Grantee, names: readonly string[], opts: { readonly sid: string; readonly kmsKeyArns?: readonly pulumi.Input<string>[] }): void {
    role.addStatements(...readSecretsStatements(opts.sid, this.arnsOf(names), opts.kmsKeyArns ?? [this.kmsKeyArn], { region: this.region }));
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
 * Only the named principals may read the value (every other principal is denied GetSecretValue,
 * the one action the policy withholds); nothing may use the secret without TLS; `grants` are the
 * Allow statements of same-account roles that need the secret (the platform's functions, consumers).
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
