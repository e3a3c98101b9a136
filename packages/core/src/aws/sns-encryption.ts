/**
 * AWS services that publish to an SNS topic encrypted with a customer managed KMS key need the
 * key's policy to let their service principal `kms:GenerateDataKey*` and `kms:Decrypt`; EventBridge
 * also needs the topic's policy to let `events.amazonaws.com` `sns:Publish` (it uses resource-based
 * policies for SNS targets). CloudWatch alarms publish as `cloudwatch.amazonaws.com`, and cannot
 * use the AWS managed key `alias/aws/sns`, whose policy no one can edit.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

export const SNS_ENCRYPTION_FACTS = {
  // The SNS and EventBridge quotes were read in the guides' sources (awsdocs/amazon-sns-developer-guide
  // sns-key-management.md, awsdocs/amazon-eventbridge-user-guide eb-use-resource-based.md) and in
  // stored copies of the live pages' openings.
  servicePublishers: {
    url: "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services",
    quote:
      "Enable compatibility between event sources from AWS services and encrypted topics. Several AWS services publish events to Amazon SNS topics. To allow these event sources to work with encrypted topics, you must perform the following steps. 1. Use a customer managed KMS. … 2. To allow the AWS service to have the kms:GenerateDataKey* and kms:Decrypt permissions, add the following statement to the KMS policy. { \"Statement\": [{ \"Effect\": \"Allow\", \"Principal\": { \"Service\": \"service.amazonaws.com\" }, \"Action\": [ \"kms:GenerateDataKey*\", \"kms:Decrypt\" ], \"Resource\": \"*\" }] }",
    checked: FACTS_CHECKED,
  },
  eventBridgeTopicPolicy: {
    url: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions",
    quote:
      "For Lambda, Amazon SNS, Amazon SQS, and Amazon CloudWatch Logs resources, EventBridge uses resource-based policies. … To allow EventBridge to publish an Amazon SNS topic … { \"Sid\": \"PublishEventsToMyTopic\", \"Effect\": \"Allow\", \"Principal\": { \"Service\": \"events.amazonaws.com\" }, \"Action\": \"sns:Publish\", \"Resource\": \"arn:aws:sns:region:account-id:topic-name\" }",
    checked: FACTS_CHECKED,
  },
  cloudwatchAlarms: {
    url: "https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns",
    // Read in the page's French and Japanese versions (the first sentence translated); the policy is quoted as printed there.
    quote:
      "If you use the default AWS managed key alias/aws/sns for encryption, the CloudWatch alarm doesn't trigger the alarm action. … \"Failed to execute action arn:aws:sns:us-east-1:ACCOUNT_ID:TOPIC_NAME. … CloudWatch Alarms does not have authorization to access the SNS topic encryption key.\" … { \"Sid\": \"Allow_CloudWatch_for_CMK\", \"Effect\": \"Allow\", \"Principal\": { \"Service\": [ \"cloudwatch.amazonaws.com\" ] }, \"Action\": [ …",
    checked: FACTS_CHECKED,
  },
} as const satisfies Record<string, FactSource>;

/** The service principal each kind of publisher uses (EventBridge: its SNS target policy; CloudWatch: the re:Post article). */
export const SNS_SERVICE_PUBLISHERS = {
  eventbridge: "events.amazonaws.com",
  cloudwatch: "cloudwatch.amazonaws.com",
} as const;

/** The key actions a service principal needs to publish to an encrypted topic (either data-key form counts). */
export const ENCRYPTED_TOPIC_KEY_ACTIONS = { dataKey: ["kms:GenerateDataKey*", "kms:GenerateDataKey"], decrypt: "kms:Decrypt" } as const;

/** The AWS managed key SNS offers by default; its policy cannot be edited to admit service publishers. */
export const SNS_AWS_MANAGED_KEY = "alias/aws/sns";
