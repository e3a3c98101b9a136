import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataProtectionPolicy } from "./data-protection.ts";

/** Arguments of `secureLogGroup`: a KMS-encrypted log group with retention and credential masking. */
export interface SecureLogGroupArgs {
  /** Log group name; Airlock's live under `/airlock/` (the KMS key policy allows exactly those). */
  readonly logGroupName: string;
  /** The key the group is encrypted with. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Days of retention (one of {@link RETENTION_DAYS}). */
  readonly retentionInDays: number;
  /** Tags on the group. */
  readonly tags: Record<string, string>;
}

/**
 * A KMS-encrypted log group with retention and the credential-masking data protection policy.
 * A helper, not a component: its resources belong to the caller's component.
 */
export function secureLogGroup(name: string, args: SecureLogGroupArgs, parent: pulumi.Resource): aws.cloudwatch.LogGroup {
  if (!args.logGroupName.startsWith("/airlock/")) {
    throw new Error(`\`logGroupName\`: "${args.logGroupName}" must start with /airlock/ so the platform key may encrypt it`);
  }
  const group = new aws.cloudwatch.LogGroup(
    name,
    { name: args.logGroupName, retentionInDays: args.retentionInDays, kmsKeyId: args.kmsKeyArn, tags: args.tags },
    { parent },
  );
  new aws.cloudwatch.LogDataProtectionPolicy(
    `${name}-masking`,
    { logGroupName: group.name, policyDocument: dataProtectionPolicy(`${args.logGroupName.replace(/[^A-Za-z0-9-]/g, "-").replace(/^-+/, "")}-masking`) },
    { parent },
  );
  return group;
}

/** CloudWatch Logs accepts only these retention values. */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * Throws unless `days` is a retention CloudWatch Logs accepts ({@link RETENTION_DAYS}).
 *
 * @param days - the retention asked for
 * @param field - the argument's name, for the message
 */
export function checkRetention(days: number, field: string): void {
  if (!(RETENTION_DAYS as readonly number[]).includes(days)) {
    throw new Error(`\`${field}\`: ${days} is not a CloudWatch Logs retention; use one of ${RETENTION_DAYS.join(", ")}`);
  }
}
