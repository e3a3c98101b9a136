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
import { DEFAULT_ANCHOR_RETENTION_DAYS } from "@airlock/core";
import type { AwsContext } from "../aws-context.ts";
import type { StatementInput } from "../policy.ts";

export interface AuditAnchorArgs {
  readonly platformName: string;
  readonly aws: AwsContext;
  /** The gateway function's role: the one signer and writer. */
  readonly writerRoleArn: pulumi.Input<string>;
  /** Days each anchor version stays locked (compliance mode). @default 400 (DEFAULT_ANCHOR_RETENTION_DAYS) */
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

/** The key's policy: the account administers and verifies, the gateway alone signs (an explicit deny for anyone else). */
export function anchorKeyPolicy(accountRoot: pulumi.Input<string>, writerRoleArn: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.all([accountRoot, writerRoleArn]).apply(([root, writer]) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "AccountAdministersAndVerifies", Effect: "Allow", Principal: { AWS: root }, Action: KEY_ADMIN_ACTIONS, Resource: "*" },
        { Sid: "GatewaySignsAnchors", Effect: "Allow", Principal: { AWS: writer }, Action: ["kms:Sign"], Resource: "*" },
        { Sid: "NobodyElseSigns", Effect: "Deny", Principal: { AWS: "*" }, Action: ["kms:Sign"], Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": writer } } },
      ],
    }),
  );
}

/** The bucket's policy: TLS only, anchors written by the gateway alone, no anchor deleted (not even with a marker). */
export function anchorBucketPolicy(bucketArn: pulumi.Input<string>, writerRoleArn: pulumi.Input<string>, prefix: string): pulumi.Output<string> {
  return pulumi.all([bucketArn, writerRoleArn]).apply(([bucket, writer]) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        // Same account: the bucket's own grant is enough, so the role's identity policy names no wildcard.
        { Sid: "GatewayWritesAnchors", Effect: "Allow", Principal: { AWS: writer }, Action: "s3:PutObject", Resource: `${bucket}/${prefix}*` },
        { Sid: "TlsOnly", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket, `${bucket}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
        { Sid: "OnlyTheGatewayWritesAnchors", Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `${bucket}/*`, Condition: { ArnNotEquals: { "aws:PrincipalArn": writer } } },
        { Sid: "AnchorsOnlyUnderThePrefix", Effect: "Deny", Principal: "*", NotResource: `${bucket}/${prefix}*`, Action: "s3:PutObject" },
        { Sid: "NoAnchorDeleted", Effect: "Deny", Principal: "*", Action: ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:BypassGovernanceRetention"], Resource: `${bucket}/*` },
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
  return [{ Sid: "SignAuditAnchors", Effect: "Allow", Action: ["kms:Sign"], Resource: [keyArn] }];
}

/** The key and the bucket; `parent` is the gateway. */
export function auditAnchor(name: string, args: AuditAnchorArgs, parent: pulumi.Resource): AuditAnchorResources {
  const { aws: ctx, tags } = args;
  const prefix = AUDIT_ANCHOR.prefix;
  const root = pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:root`;
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
    { parent },
  );
  const bucket = new aws.s3.Bucket(`${name}-anchors`, { objectLockEnabled: true, forceDestroy: false, tags }, { parent });
  // A bucket's ARN has no region or account: arn:<partition>:s3:::<name> (its id is its name).
  const bucketArn = pulumi.interpolate`arn:${ctx.partition}:s3:::${bucket.id}`;
  const versioning = new aws.s3.BucketVersioning(`${name}-anchors`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, { parent });
  new aws.s3.BucketObjectLockConfiguration(
    `${name}-anchors`,
    { bucket: bucket.id, objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: "COMPLIANCE", days: args.retentionDays ?? DEFAULT_ANCHOR_RETENTION_DAYS } } },
    { parent, dependsOn: [versioning] },
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-anchors`, { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, { parent });
  const publicBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-anchors`,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    { parent },
  );
  new aws.s3.BucketPolicy(`${name}-anchors`, { bucket: bucket.id, policy: anchorBucketPolicy(bucketArn, args.writerRoleArn, prefix) }, { parent, dependsOn: [publicBlock] });

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
