/**
 * The platform's KMS key: the statements its policy holds (pure), the policy a bring-your-own key
 * must hold, and the key itself (or, with `kmsKey`, the requirement the plan records).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../aws-context.ts";
import { arnSpec, checkedArn, KMS_KEY_ARN, requirement } from "../interop.ts";
import { policyJson, type StatementInput } from "../policy.ts";
import { stackLabel, stackScopedName } from "../naming.ts";
import type { ResolvedKmsKey } from "./resolve.ts";

/**
 * CloudWatch Logs may use the key for the log groups `groups` names, and only for them ("Encrypt
 * log data in CloudWatch Logs using AWS KMS": the key policy names the log group ARN in
 * kms:EncryptionContext:aws:logs:arn).
 */
function logsUseKey(sid: string, region: string, groups: pulumi.Input<string> | pulumi.Input<string>[]): StatementInput {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { Service: `logs.${region}.amazonaws.com` },
    Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
    Resource: "*",
    Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": groups } },
  };
}

/**
 * The platform key's policy: the account administers it (and so IAM policies in the account grant
 * its use: Airlock's roles get it only via Secrets Manager), CloudWatch Logs encrypts this stack's
 * `/airlock/` groups, and CloudWatch alarms and EventBridge publish to this stack's Airlock topics.
 * For a key Airlock does not own (`kmsKey`), the statements its policy must hold.
 */
export function platformKeyStatements(ctx: Pick<AwsContext, "region" | "accountId" | "partition">, logGroupArns: readonly pulumi.Input<string>[] = []): StatementInput[] {
  // This stack's Airlock topics (their names carry the stack), as SNS names them to KMS.
  const airlockTopics = pulumi.interpolate`arn:${ctx.partition}:sns:${ctx.region}:${ctx.accountId}:airlock-${stackLabel()}-*`;
  return [
    {
      Sid: "AccountAdministers",
      Effect: "Allow",
      Principal: { AWS: pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:root` },
      Action: ["kms:*"],
      Resource: "*",
    },
    logsUseKey("CloudWatchLogsUsesKeyForAirlockGroups", ctx.region, pulumi.interpolate`arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:/airlock/*`),
    // Log groups of yours that agents write to (`AgentDeployment`'s `logGroup`), encrypted with this key.
    ...(logGroupArns.length === 0 ? [] : [logsUseKey("CloudWatchLogsUsesKeyForYourGroups", ctx.region, [...logGroupArns])]),
    {
      // CloudWatch alarms and EventBridge rules publish to the platform's encrypted topics; SNS
      // asks KMS for a data key on their behalf (SNS developer guide, "Enable compatibility
      // between event sources from AWS services and encrypted topics": kms:GenerateDataKey* and
      // kms:Decrypt for the service principal). Only for this account's sources and only for
      // this stack's Airlock topics (the encryption context SNS passes names the topic).
      Sid: "AlarmsPublishToEncryptedTopics",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": ctx.accountId },
        ArnLike: { "kms:EncryptionContext:aws:sns:topicArn": airlockTopics },
      },
    },
    {
      // EventBridge's KMS requests for an encrypted SNS target carry no aws:SourceAccount or
      // aws:SourceArn, so a condition on them would drop every notification; the topic policy
      // limits publishing to the rule's ARN, and the key to this stack's Airlock topics.
      Sid: "TaskStoppedRulesPublishToEncryptedTopics",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        ArnLike: { "kms:EncryptionContext:aws:sns:topicArn": airlockTopics },
      },
    },
  ];
}

/** What {@link requiredKeyPolicy} needs to know: where the platform will run. */
export interface RequiredKeyPolicyArgs {
  /** The platform's region, e.g. `eu-west-1`. */
  readonly region: string;
  /** The account id (`aws.getCallerIdentityOutput().accountId`). */
  readonly accountId: pulumi.Input<string>;
  /** @default "aws" */
  readonly partition?: pulumi.Input<string>;
  /**
   * ARNs of your own log groups encrypted with this key that agents write to (each
   * `AgentDeployment`'s `logGroup.logGroupArn`, without the `:*` suffix). @default - none
   */
  readonly logGroupArns?: readonly pulumi.Input<string>[];
}

/**
 * The key policy a bring-your-own KMS key (`AgentPlatform`'s `kmsKey`) must hold, as a JSON
 * document, computed before the platform exists: attach it (merged with statements of your own)
 * with an `aws.kms.KeyPolicy`, and give the platform a `keyArn` that resolves only after that
 * policy (`pulumi.all([key.arn, keyPolicy.id]).apply(([arn]) => arn)`), so nothing encrypts with
 * the key before CloudWatch Logs and SNS's publishers may use it. The same statements as the
 * platform's `requiredKeyPolicy` output (plus `logGroupArns`). Call it inside a stack (the
 * topic names carry the stack's name).
 */
export function requiredKeyPolicy(args: RequiredKeyPolicyArgs): pulumi.Output<string> {
  const ctx = { region: args.region, accountId: pulumi.output(args.accountId), partition: pulumi.output(args.partition ?? "aws") };
  return policyJson(platformKeyStatements(ctx, args.logGroupArns ?? []));
}

/** The platform key's ARN, and with `kmsKey` the policy document its owner must attach. */
export interface PlatformKey {
  readonly keyArn: pulumi.Output<string>;
  readonly requiredKeyPolicy?: pulumi.Output<string>;
}

/**
 * The key Airlock makes (with its alias and policy), or for an existing `kmsKey` its checked ARN
 * and the requirement (AIR-I101) naming the statements its policy must hold. Children of `parent`.
 */
export function platformKey(name: string, kmsKey: ResolvedKmsKey, ctx: AwsContext, tags: Readonly<Record<string, string>>, parent: pulumi.Resource): PlatformKey {
  const keyStatements = platformKeyStatements(ctx);
  if (kmsKey.kind === "existing") {
    // The key policy is its owner's: Airlock says what it needs, in the plan, and makes nothing.
    const keyArn = checkedArn(kmsKey.keyArn, arnSpec(KMS_KEY_ARN, "kmsKey.keyArn"), ctx);
    const requiredKeyPolicy = policyJson(keyStatements);
    requirement(
      `${name}-key-policy-required`,
      {
        rule: "AIR-I101",
        subject: `platform ${name}: kmsKey`,
        message: `the key policy of your KMS key is yours; it must hold the statements ${keyStatements.map((x) => x.Sid).join(", ")} (the platform's \`requiredKeyPolicy\`), or log groups, secrets and alarm notifications fail`,
      },
      { keyArn, requiredKeyPolicy },
      parent,
    );
    return { keyArn, requiredKeyPolicy };
  }
  const key = new aws.kms.Key(
    `${name}-key`,
    {
      description: `Airlock platform ${name}: logs, secrets and alarm topics`,
      enableKeyRotation: true,
      deletionWindowInDays: kmsKey.deletionWindowDays,
      policy: policyJson(keyStatements),
      tags,
    },
    { parent },
  );
  new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${stackScopedName(["airlock", name], 250, "/")}`, targetKeyId: key.keyId }, { parent });
  return { keyArn: key.arn };
}
