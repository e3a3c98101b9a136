import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataProtectionPolicy } from "./data-protection.ts";
import { isResolved, markResolved } from "./resolved.ts";

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

/** Days of retention of a log group Airlock makes when none is given: written here only. */
export const DEFAULT_LOG_RETENTION_DAYS = 90;

declare const resolvedRetention: unique symbol;

/**
 * A log retention checked ({@link checkRetention}), its default filled: what
 * {@link resolveLogRetention} returns. An object, not a number, so that AgentObservability and
 * ApprovalGateway can tell it from a number a user gives them (which they check).
 */
export interface ResolvedLogRetention {
  /** Days of retention, one of {@link RETENTION_DAYS}. */
  readonly days: number;
  /** @internal */
  readonly [resolvedRetention]: true;
}

const KIND = "log retention";

/**
 * The one check of a log retention setting: `days`, or {@link DEFAULT_LOG_RETENTION_DAYS} when not
 * given, must be a retention CloudWatch Logs accepts. Given a retention it returned before, it
 * returns it as it is (see observability/resolved.ts).
 *
 * @param days - the retention asked for (a number of days, or a resolved retention), if any
 * @param field - the argument's name, for the message
 * @throws Error naming `field` when `days` is not one of {@link RETENTION_DAYS}
 */
export function resolveLogRetention(days: number | ResolvedLogRetention | undefined, field: string): ResolvedLogRetention {
  if (isResolved<ResolvedLogRetention>(days, KIND)) return days;
  const r = (days as number | undefined) ?? DEFAULT_LOG_RETENTION_DAYS;
  checkRetention(r, field);
  return markResolved({ days: r }, KIND) as ResolvedLogRetention;
}
