/**
 * SecretFunctions: the platform's two secret housekeeping functions, shared by its agents.
 * - rotation: rotates the values Airlock generates (each secret's resource policy lets it in: the
 *   function's role itself holds no secret permission, only the platform key via Secrets Manager);
 * - age monitor: measures how old hand-rotated vendor keys are, for each owner's age alarm.
 * Both run on Airlock's one Lambda runtime (`LAMBDA_RUNTIME`), under names unique to the stack.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TOKENS, SECRET_AGE_ENV, SECRET_AGE_METRICS, type RoleKind } from "@airlock/core/contracts";
import type { AwsContext } from "../aws-context.ts";
import { stackLabel, stackScopedName } from "../naming.ts";
import { policyJson, type StatementInput } from "../policy.ts";
import { kmsViaSecretsManager, LAMBDA_SERVICE, logStatement, serviceTrustPolicy } from "../iam/index.ts";
import { roleTag } from "../tags.ts";
import { LAMBDA_RUNTIME } from "./lambda-runtime.ts";
import { assetText } from "../assets.ts";

/** Pulumi type token of {@link SecretFunctions}. */
export const SECRET_FUNCTIONS_TOKEN = COMPONENT_TOKENS.secretFunctions;
/** CloudWatch namespace of the secret age metric. */
export const SECRET_AGE_NAMESPACE = SECRET_AGE_METRICS.namespace;
/** Age as a percentage of the secret's own limit, per stack and owner (dimensions `Stack`, `Agent`): the alarm's metric. */
export const SECRET_AGE_PERCENT_METRIC = SECRET_AGE_METRICS.names.percentOfLimit;


/** Arguments of {@link SecretFunctions}; {@link AgentPlatform} makes them. */
export interface SecretFunctionsArgs {
  /** The platform's name: it names the functions. */
  readonly platformName: string;
  /** Account, partition and region to deploy into. */
  readonly aws: AwsContext;
  /** Log group the functions write to. */
  readonly logGroupName: pulumi.Input<string>;
  /** ARN of the log group the functions write to. */
  readonly logGroupArn: pulumi.Input<string>;
  /** The platform key the secrets are encrypted with. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Create the rotation function (some agent has generated secrets). */
  readonly rotation: boolean;
  /** Create the age monitor (some agent has hand-rotated secrets). */
  readonly ageMonitor: boolean;
  /** Tags on every taggable child. */
  readonly tags: Record<string, string>;
}

/** One of the platform's shared secret functions (rotation or age monitor), as agents' secrets use it. */
export interface SharedFunction {
  /** ARN of the Lambda function. */
  readonly functionArn: pulumi.Output<string>;
  /** ARN of the function's role (named in each secret's resource policy). */
  readonly roleArn: pulumi.Output<string>;
  /**
   * The function's role, for a policy an agent attaches to it (the rotation function's
   * `ecs:UpdateService` on exactly the agent's service, for the redeploy after rotation).
   */
  readonly roleName: pulumi.Output<string>;
  /**
   * The permission that lets the invoking service call the function (Secrets Manager for the
   * rotation function, EventBridge for the monitor's schedule): a `SecretRotation` must depend on
   * it, since Secrets Manager invokes the function as soon as rotation is set.
   */
  readonly invokePermission: aws.lambda.Permission;
}

/**
 * SecretFunctions: the platform's two secret housekeeping functions, shared by its agents: rotation
 * (rotates the values Airlock generates; each secret's resource policy lets it in) and the age
 * monitor (measures how old hand-rotated vendor keys are, for each owner's age alarm). Both run on
 * Airlock's one Lambda runtime, under names unique to the stack.
 */
export class SecretFunctions extends pulumi.ComponentResource {
  /** The rotation function, when `rotation` was asked for. */
  readonly rotation?: SharedFunction;
  /** The age monitor, when `ageMonitor` was asked for. */
  readonly ageMonitor?: SharedFunction;

  constructor(name: string, args: SecretFunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SECRET_FUNCTIONS_TOKEN, name, {}, opts);
    const { aws: ctx, tags } = args;
    if (args.rotation) {
      const fn = this.fn(`${name}-rotation`, "rotation", args, {
        name: stackScopedName(["airlock", args.platformName, "rotate-secrets"], 64),
        description: `Airlock built-in rotation for values generated on platform ${args.platformName}`,
        code: assetText("rotation"),
        // Which secrets it may rotate is said by each secret's resource policy.
        statements: [kmsViaSecretsManager([args.kmsKeyArn], ctx, ["kms:Decrypt", "kms:GenerateDataKey"], "UsePlatformKeyViaSecretsManager")],
      });
      // Secrets Manager of this account may invoke it; each agent's SecretRotation names it and
      // waits for this permission.
      const permission = new aws.lambda.Permission(
        `${name}-rotation`,
        { function: fn.function.name, action: "lambda:InvokeFunction", principal: "secretsmanager.amazonaws.com", sourceAccount: ctx.accountId },
        { parent: this },
      );
      this.rotation = { functionArn: fn.function.arn, roleArn: fn.role.arn, roleName: fn.role.name, invokePermission: permission };
    }
    if (args.ageMonitor) {
      const fn = this.fn(`${name}-age-monitor`, "monitor", args, {
        name: stackScopedName(["airlock", args.platformName, "secret-age"], 64),
        description: `Airlock secret age monitor for platform ${args.platformName}`,
        code: assetText("secretAge"),
        // It measures the secrets tagged with this platform and this stack, and says so in the metric.
        environment: { [SECRET_AGE_ENV.platform]: args.platformName, [SECRET_AGE_ENV.stack]: stackLabel(), [SECRET_AGE_ENV.namespace]: SECRET_AGE_NAMESPACE },
        // Listing secret metadata has no resource-level permission; values are never read.
        statements: [{ Sid: "FindWatchedSecrets", Effect: "Allow", Action: ["secretsmanager:ListSecrets"], Resource: "*" }],
      });
      const schedule = new aws.cloudwatch.EventRule(`${name}-age-monitor`, { description: `Measure secret ages on platform ${args.platformName}`, scheduleExpression: "rate(6 hours)", tags }, { parent: this });
      new aws.cloudwatch.EventTarget(`${name}-age-monitor`, { rule: schedule.name, arn: fn.function.arn }, { parent: this });
      const permission = new aws.lambda.Permission(
        `${name}-age-monitor`,
        { function: fn.function.name, action: "lambda:InvokeFunction", principal: "events.amazonaws.com", sourceArn: schedule.arn },
        { parent: this },
      );
      this.ageMonitor = { functionArn: fn.function.arn, roleArn: fn.role.arn, roleName: fn.role.name, invokePermission: permission };
    }
    this.registerOutputs({ rotationFunctionArn: this.rotation?.functionArn, ageMonitorFunctionArn: this.ageMonitor?.functionArn });
  }

  private fn(
    name: string,
    kind: Extract<RoleKind, "rotation" | "monitor">,
    args: SecretFunctionsArgs,
    spec: { name: string; description: string; code: string; environment?: Record<string, string>; statements: StatementInput[] },
  ): { function: aws.lambda.Function; role: aws.iam.Role } {
    const role = new aws.iam.Role(name, { description: spec.description, assumeRolePolicy: serviceTrustPolicy(LAMBDA_SERVICE, args.aws.accountId), tags: { ...args.tags, ...roleTag(kind) } }, { parent: this });
    const policy = new aws.iam.RolePolicy(
      `${name}-logs`,
      {
        role: role.name,
        policy: policyJson([...spec.statements, logStatement(args.logGroupArn)]),
      },
      { parent: this },
    );
    const fn = new aws.lambda.Function(
      name,
      {
        name: spec.name,
        description: spec.description,
        runtime: LAMBDA_RUNTIME,
        architectures: ["arm64"],
        handler: "index.handler",
        role: role.arn,
        timeout: 60,
        memorySize: 128,
        code: new pulumi.asset.AssetArchive({ "index.mjs": new pulumi.asset.StringAsset(spec.code) }),
        ...(spec.environment ? { environment: { variables: spec.environment } } : {}),
        loggingConfig: { logFormat: "Text", logGroup: args.logGroupName },
        tags: args.tags,
      },
      { parent: this, dependsOn: [policy] },
    );
    return { function: fn, role };
  }
}
