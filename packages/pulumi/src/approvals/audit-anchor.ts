/**
 * Where the approval gateway anchors the audit log's head, outside the database: an asymmetric KMS
 * key (ECC_NIST_P256, SIGN_VERIFY) that only the gateway's role may use to sign, and an S3 bucket
 * with Object Lock in compliance mode (versioned, encrypted, public access blocked, TLS only) that
 * only the gateway's role may write anchors into, under one prefix (the bucket policy's grant). A schedule invokes the gateway
 * with `{ op: "anchor" }` every `AUDIT_ANCHOR.everyMinutes` minutes. The database's roles hold no
 * AWS identity at all, so neither the service role nor a database superuser can reach either; an
 * account administrator keeps the key's administration (not its use to sign) and the bucket's
 * configuration, and compliance mode keeps every anchor version for its retention even from them.
 * The facts are in `@airlock/core`'s `aws/audit-anchor.ts`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AUDIT_ANCHOR, GATEWAY_OPS } from "@airlock/core/contracts";
import { DEFAULT_ANCHOR_RETENTION_DAYS, MAX_ANCHOR_RETENTION_DAYS } from "@airlock/core";
import type { AwsContext } from "../aws-context.ts";
import type { StatementInput } from "../policy.ts";

export interface AuditAnchorArgs {
  readonly platformName: string;
  readonly aws: AwsContext;
  /** The gateway function's role: the one signer and writer. */
  readonly writerRoleArn: pulumi.Input<string>;
  /** Days each anchor version stays locked (compliance mode), 1 to 36500. @default 400 (DEFAULT_ANCHOR_RETENTION_DAYS) */
  readonly retentionDays?: number;
  readonly tags: Record<string, string>;
}

/** What the gateway needs of its anchor. */
export interface AuditAnchorResources {
  readonly keyArn: pulumi.Output<string>;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly prefix: string;
}

/** Actions an account administrator keeps on the key: everything but using it to sign. */
const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:Create*",
  "kms:Delete*",
  "kms:Describe*",
  "kms:Disable*",
  "kms:Enable*",
  "kms:Get*",
  "kms:List*",
  "kms:Put*",
  "kms:Revoke*",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:Update*",
  "kms:Verify",
];

/**
 * What the gateway may sign: the algorithm and message type the writer sends (`AUDIT_ANCHOR`), so
 * a compromised gateway cannot have the audit key sign a RAW message of its choosing (review N7;
 * `kms:SigningAlgorithm` and `kms:MessageType` are condition keys of kms:Sign in the IAM dataset).
 */
export const ANCHOR_SIGN_CONDITION = { StringEquals: { "kms:SigningAlgorithm": AUDIT_ANCHOR.signingAlgorithm, "kms:MessageType": AUDIT_ANCHOR.messageType } } as const;

/**
 * The key's policy: the account administers and verifies, the gateway alone signs (an explicit deny
 * for anyone else), only digests with the anchor's algorithm, and reads the public key it writes
 * beside the anchors. The gateway's role is named by ARN: if that role is ever deleted and made
 * again under the same name, AWS keeps the old role's unique id here and in the bucket policy, the
 * inputs do not change, and signing fails with AccessDenied until both policies are rewritten (run
 * `pulumi up --target` on the key and the bucket policy, or change them once and back); the deny
 * keys on `aws:PrincipalArn` and is unaffected (review N8).
 */
export function anchorKeyPolicy(accountRoot: pulumi.Input<string>, writerRoleArn: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.all([accountRoot, writerRoleArn]).apply(([root, writer]) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "AccountAdministersAndVerifies", Effect: "Allow", Principal: { AWS: root }, Action: KEY_ADMIN_ACTIONS, Resource: "*" },
        { Sid: "GatewaySignsAnchors", Effect: "Allow", Principal: { AWS: writer }, Action: ["kms:Sign"], Resource: "*", Condition: ANCHOR_SIGN_CONDITION },
        { Sid: "GatewayReadsPublicKey", Effect: "Allow", Principal: { AWS: writer }, Action: ["kms:GetPublicKey"], Resource: "*" },
        { Sid: "NobodyElseSigns", Effect: "Deny", Principal: { AWS: "*" }, Action: ["kms:Sign"], Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": writer } } },
      ],
    }),
  );
}

/**
 * The bucket's policy: TLS only, anchors written (and read back, for the writer's continuity check)
 * by the gateway alone, under the prefix, no delete marker put on an anchor and no retention
 * changed. Deleting a version is not denied: compliance mode refuses it while the version is
 * locked (`AUDIT_ANCHOR_FACTS.complianceMode`), and once its retention ends an administrator can
 * clean it up (s3:DeleteObjectVersion has no condition key on the retention left, per the IAM
 * dataset, so a deny could not be scoped to locked versions; review S7).
 */
export function anchorBucketPolicy(bucketArn: pulumi.Input<string>, writerRoleArn: pulumi.Input<string>, prefix: string): pulumi.Output<string> {
  return pulumi.all([bucketArn, writerRoleArn]).apply(([bucket, writer]) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        // Same account: the bucket's own grant is enough, so the role's identity policy names no wildcard.
        { Sid: "GatewayWritesAnchors", Effect: "Allow", Principal: { AWS: writer }, Action: "s3:PutObject", Resource: `${bucket}/${prefix}*` },
        { Sid: "GatewayReadsAnchors", Effect: "Allow", Principal: { AWS: writer }, Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${bucket}/${prefix}*` },
        { Sid: "GatewayListsAnchors", Effect: "Allow", Principal: { AWS: writer }, Action: "s3:ListBucketVersions", Resource: bucket, Condition: { StringLike: { "s3:prefix": `${prefix}*` } } },
        { Sid: "TlsOnly", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket, `${bucket}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
        { Sid: "OnlyTheGatewayWritesAnchors", Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `${bucket}/*`, Condition: { ArnNotEquals: { "aws:PrincipalArn": writer } } },
        { Sid: "AnchorsOnlyUnderThePrefix", Effect: "Deny", Principal: "*", NotResource: `${bucket}/${prefix}*`, Action: "s3:PutObject" },
        { Sid: "NoAnchorDeleted", Effect: "Deny", Principal: "*", Action: ["s3:DeleteObject", "s3:PutObjectRetention", "s3:BypassGovernanceRetention"], Resource: `${bucket}/*` },
      ],
    }),
  );
}

/**
 * The gateway role's statement for the anchor: sign with this key, nothing else. Its s3:PutObject
 * under the prefix is the bucket policy's grant (`GatewayWritesAnchors`), since an object key is
 * not known in advance and an identity policy names exact resources (AIR-G002).
 */
export function anchorWriterStatements(keyArn: pulumi.Input<string>): StatementInput[] {
  return [
    { Sid: "SignAuditAnchors", Effect: "Allow", Action: ["kms:Sign"], Resource: [keyArn], Condition: ANCHOR_SIGN_CONDITION },
    // DER public key written under Object Lock beside the anchors, so they verify once the key is gone.
    { Sid: "ReadAnchorPublicKey", Effect: "Allow", Action: ["kms:GetPublicKey"], Resource: [keyArn] },
  ];
}

/** `anchorRetentionDays`, checked: a whole number of days S3 accepts for a default retention. */
export function resolveAnchorRetentionDays(days: number | undefined, field = "anchorRetentionDays"): number {
  const v = days ?? DEFAULT_ANCHOR_RETENTION_DAYS;
  if (!Number.isInteger(v) || v < 1 || v > MAX_ANCHOR_RETENTION_DAYS) {
    throw new Error(
      `\`${field}\`: ${String(days)} is not a whole number of days from 1 to ${MAX_ANCHOR_RETENTION_DAYS} (S3's default retention); use ${DEFAULT_ANCHOR_RETENTION_DAYS} for production and 1 for a throw-away stack (each anchor stays locked, undeletable, for that long)`,
    );
  }
  return v;
}

/** The key and the bucket; `parent` is the gateway. */
export function auditAnchor(name: string, args: AuditAnchorArgs, parent: pulumi.Resource): AuditAnchorResources {
  const { aws: ctx, tags } = args;
  const prefix = AUDIT_ANCHOR.prefix;
  const root = pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:root`;
  // Retained on delete (review S7): a destroy, a gateway removed or a replacement must not take the
  // key that verifies anchors locked for the retention, nor the bucket that cannot be emptied before.
  // The bucket's settings stay with it. A new key needs a new name (a new anchor history).
  const keep = { parent, retainOnDelete: true };
  const key = new aws.kms.Key(
    `${name}-anchor-key`,
    {
      description: `${args.platformName}: signs the approvals audit log's anchors (the gateway alone may sign)`,
      keyUsage: "SIGN_VERIFY",
      customerMasterKeySpec: AUDIT_ANCHOR.keySpec,
      // Asymmetric keys do not rotate automatically; a new key means a new anchor history.
      enableKeyRotation: false,
      deletionWindowInDays: 30,
      policy: anchorKeyPolicy(root, args.writerRoleArn),
      tags,
    },
    keep,
  );
  const bucket = new aws.s3.Bucket(`${name}-anchors`, { objectLockEnabled: true, forceDestroy: false, tags }, keep);
  // A bucket's ARN has no region or account: arn:<partition>:s3:::<name> (its id is its name).
  const bucketArn = pulumi.interpolate`arn:${ctx.partition}:s3:::${bucket.id}`;
  // One call at a time on the new bucket (review N9: S3 answers concurrent sub-resource calls with
  // 409 OperationAborted): versioning, object lock, encryption, public access block, then the policy.
  const versioning = new aws.s3.BucketVersioning(`${name}-anchors`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, keep);
  const lock = new aws.s3.BucketObjectLockConfiguration(
    `${name}-anchors`,
    { bucket: bucket.id, objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: "COMPLIANCE", days: resolveAnchorRetentionDays(args.retentionDays) } } },
    { ...keep, dependsOn: [versioning] },
  );
  const sse = new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-anchors`, { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, { ...keep, dependsOn: [lock] });
  const publicBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-anchors`,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    { ...keep, dependsOn: [sse] },
  );
  new aws.s3.BucketPolicy(`${name}-anchors`, { bucket: bucket.id, policy: anchorBucketPolicy(bucketArn, args.writerRoleArn, prefix) }, { ...keep, dependsOn: [publicBlock] });

  // A bucket's id is its name.
  return { keyArn: key.arn, bucketName: bucket.id, bucketArn, prefix };
}

/** The schedule that invokes the gateway with `{ op: "anchor" }`; `parent` is the gateway. */
export function anchorSchedule(
  name: string,
  args: { readonly platformName: string; readonly functionName: pulumi.Input<string>; readonly functionArn: pulumi.Input<string>; readonly tags: Record<string, string> },
  parent: pulumi.Resource,
): aws.cloudwatch.EventRule {
  const { tags } = args;
  const schedule = new aws.cloudwatch.EventRule(
    `${name}-anchor`,
    { description: `${args.platformName}: sign the approvals audit log's head and write it to the anchor bucket`, scheduleExpression: `rate(${AUDIT_ANCHOR.everyMinutes} minutes)`, tags },
    { parent },
  );
  // The constant input is the whole event: the gateway sees { op: "anchor" }, invoked unqualified.
  new aws.cloudwatch.EventTarget(`${name}-anchor`, { rule: schedule.name, arn: args.functionArn, input: JSON.stringify({ op: GATEWAY_OPS.anchor }) }, { parent });
  new aws.lambda.Permission(`${name}-anchor`, { function: args.functionName, action: "lambda:InvokeFunction", principal: "events.amazonaws.com", sourceArn: schedule.arn }, { parent });
  return schedule;
}
