/**
 * A CloudWatch Logs log group encrypted with a customer managed KMS key: the key's policy must let
 * the Region's CloudWatch Logs service principal (`logs.<region>.amazonaws.com`) use the key, and
 * CloudWatch Logs passes the log group's ARN as the encryption context
 * (`kms:EncryptionContext:aws:logs:arn`), so a statement conditioned on it admits only the groups
 * its patterns match. A key the service cannot use for the group fails the group's creation (or
 * the key's association) with AccessDeniedException; on a first deploy that also happens when the
 * group is created before a separate key policy is put on a new key (it still has the default
 * policy, which admits only the account).
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

const ENCRYPT_LOG_DATA = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html";

export const LOG_GROUP_KMS_FACTS = {
  // Read in a stored copy of the live page's opening (its title: "Encrypt log data in CloudWatch
  // Logs using AWS Key Management Service").
  encryptionContext: {
    url: ENCRYPT_LOG_DATA,
    quote:
      "CloudWatch Logs now supports encryption context, using kms:EncryptionContext:aws:logs:arn as the key and the ARN of the log group as the value for that key. … After you associate a KMS key with a log group, all newly ingested data for the log group is encrypted using this key. … CloudWatch Logs must have permissions for the KMS key whenever encrypted data is requested.",
    checked: FACTS_CHECKED,
  },
  // The statement as printed in the guide's source (awsdocs/amazon-cloudwatch-logs-user-guide,
  // doc_source/encrypt-log-data-kms.md, "Step 2: Set Permissions on the CMK"); the stored copies of
  // the live page hold only its opening, so the step's current wording was not read there.
  keyPolicyStatement: {
    url: `${ENCRYPT_LOG_DATA}#cmk-permissions`,
    quote:
      "With this step, you give the CloudWatch service principal permission to use the CMK. This service principal must be in the same AWS Region where the CMK is stored. … The Condition section in this example restricts the key to a single log group ARN. … { \"Effect\": \"Allow\", \"Principal\": { \"Service\": \"logs.region.amazonaws.com\" }, \"Action\": [ \"kms:Encrypt*\", \"kms:Decrypt*\", \"kms:ReEncrypt*\", \"kms:GenerateDataKey*\", \"kms:Describe*\" ], \"Resource\": \"*\", \"Condition\": { \"ArnEquals\": { \"kms:EncryptionContext:aws:logs:arn\": \"arn:aws:logs:region:account-id:log-group:log-group-name\" } } } … The Condition section in this example limits the use of the KMS to the specified account, but it can be used for any log group. … \"ArnLike\": { \"kms:EncryptionContext:aws:logs:arn\": \"arn:aws:logs:region:account-id:*\" }",
    checked: FACTS_CHECKED,
  },
  // What a group whose key the service may not use gets: the error as reported by the Terraform
  // AWS provider's users, who create the group with the key as Pulumi does (CreateLogGroup with
  // kmsKeyId); the AWS pages name no error for a key policy that leaves the service out.
  accessDenied: {
    url: "https://github.com/hashicorp/terraform-provider-aws/issues/29282",
    quote:
      "Error: creating CloudWatch Logs Log Group (vpc-flow-logs): AccessDeniedException: The specified KMS key does not exist or is not allowed to be used with Arn 'arn:aws:logs:eu-west-2:1234567890:log-group:vpc-flow-logs'",
    checked: FACTS_CHECKED,
  },
} as const satisfies Record<string, FactSource>;

/** The encryption context key CloudWatch Logs passes to KMS: its value is the log group's ARN. */
export const LOGS_ENCRYPTION_CONTEXT_KEY = "kms:EncryptionContext:aws:logs:arn";

/** The CloudWatch Logs service principal of a Region (the key's Region). */
export function logsServicePrincipal(region: string): string {
  return `logs.${region}.amazonaws.com`;
}

/**
 * The key actions the guide's statement allows CloudWatch Logs, each with the actions it stands
 * for on a symmetric key (CloudWatch Logs uses only symmetric keys, so the data key pair actions
 * `kms:GenerateDataKey*` also covers are not needed; `kms:Describe*` is `kms:DescribeKey` on a key).
 */
export const LOG_GROUP_KEY_ACTIONS: readonly { readonly label: string; readonly actions: readonly string[] }[] = [
  { label: "kms:Encrypt", actions: ["kms:Encrypt"] },
  { label: "kms:Decrypt", actions: ["kms:Decrypt"] },
  { label: "kms:ReEncrypt*", actions: ["kms:ReEncryptFrom", "kms:ReEncryptTo"] },
  { label: "kms:GenerateDataKey*", actions: ["kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"] },
  { label: "kms:DescribeKey", actions: ["kms:DescribeKey"] },
];

/** A log group's ARN as CloudWatch Logs names it in the encryption context (no `:*` suffix). */
export function logGroupContextArn(partition: string, region: string, accountId: string, name: string): string {
  return `arn:${partition}:logs:${region}:${accountId}:log-group:${name}`;
}
