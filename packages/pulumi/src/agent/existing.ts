/**
 * Resources a team brings instead of Airlock's: an existing log group and out-of-band secrets that
 * exist already. Their checks before any resource, the keys the execution role decrypts them
 * with, and the info note (AIR-I104) saying what stays the team's.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AgentModel } from "@airlock/core";
import type { AwsContext } from "../aws-context.ts";
import { arnSpec, checkArn, KMS_KEY_ARN, LOG_GROUP_ARN, requirement, SECRET_ARN } from "../interop.ts";
import type { DeploymentChecks } from "./validation.ts";

/** An existing CloudWatch Logs group for the agent's logs, instead of the one Airlock makes. */
export interface ExistingLogGroup {
  /**
   * The group's ARN (`aws.cloudwatch.LogGroup.arn`), in the platform's account and region. Its
   * retention, encryption and other readers are its owner's; Airlock grants the execution role
   * `logs:CreateLogStream` and `logs:PutLogEvents` on its streams and puts its credential-masking
   * data protection policy on it (a group has one: it replaces any the group had).
   */
  readonly logGroupArn: pulumi.Input<string>;
}

/**
 * An agent's credential that already exists in Secrets Manager (a vendor key your team keeps),
 * instead of the secret Airlock makes. Only for a secret the manifest declares `out-of-band`:
 * Airlock writes the value of generated and config secrets. Airlock then makes no secret, no
 * resource policy (one would replace the secret's own), no rotation and no age alarm; the
 * execution role gets exactly `secretsmanager:GetSecretValue` on this ARN and `kms:Decrypt` on its
 * key through Secrets Manager only. Yours: the value, its rotation (or age watch), the secret's
 * resource policy (deny GetSecretValue to all but the agent's execution role, as Airlock's own
 * secrets do) and the key policy of a customer managed key.
 */
export interface ExistingSecret {
  /** The secret's full ARN (`aws.secretsmanager.Secret.arn`, ending in the six characters Secrets Manager appends). */
  readonly secretArn: pulumi.Input<string>;
  /**
   * ARN of the KMS key the secret is encrypted with; `"aws/secretsmanager"` for the AWS managed
   * key (its key policy already lets this account's principals decrypt through Secrets Manager,
   * so no KMS grant is added). @default - the platform's key
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
}

/** The AWS managed key of Secrets Manager, as `ExistingSecret.kmsKeyArn` names it. */
export const AWS_MANAGED_SECRETS_KEY = "aws/secretsmanager";

/** `logGroup` and `existingSecrets`: plain ARNs in the platform's region, only out-of-band secrets of the manifest. */
export function checkExistingResources(model: AgentModel, args: DeploymentChecks, region: string): void {
  if (args.logGroup !== undefined) {
    if (args.logRetentionDays !== undefined) {
      throw new Error("`logRetentionDays`: only applies to the log group Airlock makes; with `logGroup`, set the retention on your group");
    }
    if (args.logGroup.logGroupArn === undefined) throw new Error("`logGroup.logGroupArn`: give the group's ARN (`aws.cloudwatch.LogGroup.arn`)");
    if (typeof args.logGroup.logGroupArn === "string") checkArn(args.logGroup.logGroupArn, arnSpec(LOG_GROUP_ARN, "logGroup.logGroupArn"), region);
  }
  if (args.existingSecrets === undefined) return;
  const outOfBand = model.secrets.filter((s) => s.source === "out-of-band").map((s) => s.name);
  const listed = outOfBand.length > 0 ? `its out-of-band secrets are ${outOfBand.join(", ")}` : "it has no out-of-band secrets";
  for (const [name, existing] of Object.entries(args.existingSecrets)) {
    const field = `existingSecrets.${name}`;
    const secret = model.secrets.find((s) => s.name === name);
    if (secret === undefined) throw new Error(`\`${field}\`: agent \`${model.name}\` has no secret named \`${name}\`; ${listed}`);
    if (secret.source !== "out-of-band") {
      throw new Error(`\`${field}\`: \`${name}\` is a ${secret.source} secret, whose value Airlock writes; only an out-of-band secret can be one that exists already (${listed})`);
    }
    if (existing === null || typeof existing !== "object" || existing.secretArn === undefined) throw new Error(`\`${field}.secretArn\`: give the secret's ARN (\`aws.secretsmanager.Secret.arn\`)`);
    if (typeof existing.secretArn === "string") checkArn(existing.secretArn, arnSpec(SECRET_ARN, `${field}.secretArn`), region);
    if (typeof existing.kmsKeyArn === "string" && existing.kmsKeyArn !== AWS_MANAGED_SECRETS_KEY) {
      checkArn(existing.kmsKeyArn, { ...arnSpec(KMS_KEY_ARN, `${field}.kmsKeyArn`), hint: `not an alias; \`"${AWS_MANAGED_SECRETS_KEY}"\` for the AWS managed key` }, region);
    }
  }
}

/**
 * The keys the execution role decrypts the runtime secrets with, through Secrets Manager only:
 * the platform's, and those of existing secrets (none for the AWS managed key), each once. An
 * existing secret's key given as an output is checked, once it resolves, to be of the stack's account.
 */
export function runtimeSecretKeys(
  model: AgentModel,
  existingSecrets: Readonly<Record<string, ExistingSecret>> | undefined,
  platformKeyArn: pulumi.Input<string>,
  ctx: AwsContext,
): pulumi.Input<string>[] {
  const secretKeys: pulumi.Input<string>[] = [];
  for (const s of model.secrets.filter((x) => x.consumers.length > 0)) {
    const existing = existingSecrets?.[s.name];
    const key = existing === undefined ? platformKeyArn : existing.kmsKeyArn ?? platformKeyArn;
    if (key === AWS_MANAGED_SECRETS_KEY || secretKeys.includes(key)) continue;
    secretKeys.push(
      key === platformKeyArn
        ? key
        : pulumi.all([pulumi.output(key), ctx.accountId]).apply(([k, account]) => {
            if (k === AWS_MANAGED_SECRETS_KEY) return k;
            const parsed = checkArn(k, arnSpec(KMS_KEY_ARN, `existingSecrets.${s.name}.kmsKeyArn`), ctx.region);
            if (parsed.account !== account) {
              throw new Error(`\`existingSecrets.${s.name}.kmsKeyArn\`: the key is in account ${parsed.account} but the stack deploys to account ${account}; give the key the secret is encrypted with, of account ${account}`);
            }
            return k;
          }),
    );
  }
  return secretKeys;
}

/** One info note per existing secret (AIR-I104): what Airlock grants on it, and what stays the team's. */
export function existingSecretNotes(
  name: string,
  args: {
    readonly model: AgentModel;
    readonly existingSecrets: Readonly<Record<string, ExistingSecret>> | undefined;
    readonly secretArns: Readonly<Record<string, pulumi.Output<string>>>;
    readonly platformKeyArn: pulumi.Input<string>;
    readonly readerRoleArn: pulumi.Input<string>;
  },
  parent: pulumi.Resource,
): void {
  for (const [secretName, existing] of Object.entries(args.existingSecrets ?? {})) {
    requirement(
      `${name}-secret-${secretName}-required`,
      {
        rule: "AIR-I104",
        subject: `${args.model.name}: existingSecrets.${secretName}`,
        message:
          "the secret is yours: Airlock grants the execution role GetSecretValue on it and kms:Decrypt through Secrets Manager, and makes no secret, resource policy, rotation or age alarm; keep its value current and let only the execution role read it",
      },
      { secretArn: args.secretArns[secretName]!, kmsKeyArn: existing.kmsKeyArn ?? args.platformKeyArn, readers: [args.readerRoleArn] },
      parent,
    );
  }
}
