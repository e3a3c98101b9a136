/**
 * What a long-running agent that takes work from a DynamoDB table relies on (the example support
 * agent's service loop, examples/support-agent/agent/src/service.ts and tools/queue.ts): how ECS
 * stops its task, and how DynamoDB answers a Query on a global secondary index and a conditional
 * write. The example does not load @airlock/core's main module at run time; its test
 * (test/example-agent-service.test.ts) checks its stop grace against the container definition's
 * `stopTimeout`, and the DynamoDB stand-in (test/helpers/dynamodb-standin.ts) behaves as quoted.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

/** ECS stops a task's containers with SIGTERM, then SIGKILL after the stop timeout. */
export const ECS_TASK_STOP = {
  /** Seconds between SIGTERM and SIGKILL when the container definition sets no `stopTimeout` (Fargate). */
  defaultStopTimeoutSeconds: 30,
  /** The most a Fargate container definition's `stopTimeout` may be. */
  maxFargateStopTimeoutSeconds: 120,
  sources: [
    {
      url: "https://docs.aws.amazon.com/sdkfornet/latest/apidocs/items/MECSIECSStopTaskStopTaskRequestNET45.html",
      quote:
        "When StopTask is called on a task, the equivalent of docker stop is issued to the containers running in the task. This results in a SIGTERM and a 30-second timeout, after which SIGKILL is sent and the containers are forcibly stopped. If the container handles the SIGTERM gracefully and exits within 30 seconds from receiving it, no SIGKILL is sent.",
      checked: FACTS_CHECKED,
    },
    {
      url: "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ecs/aws.sdk.kotlin.services.ecs.model/-container-definition/stop-timeout.html",
      quote:
        "Time duration (in seconds) to wait before the container is forcefully killed if it doesn't exit normally on its own. … For tasks that use the Fargate launch type, the max stop timeout value is 120 seconds and if the parameter is not specified, the default value of 30 seconds is used.",
      checked: FACTS_CHECKED,
    },
  ] satisfies FactSource[],
} as const;

/** A global secondary index is read eventually consistent only: a Query's items are candidates, not the truth. */
export const DYNAMODB_GSI_READS = {
  stronglyConsistent: false,
  sources: [
    {
      url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html",
      quote: "Both tables and LSIs provide two read consistency options: eventually consistent (default) and strongly consistent reads. All reads from GSIs and streams are eventually consistent.",
      checked: FACTS_CHECKED,
    },
    {
      url: "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/dynamodb/aws.sdk.kotlin.services.dynamodb.model/-query-request/consistent-read.html",
      quote: "Strongly consistent reads are not supported on global secondary indexes. If you query a global secondary index with ConsistentRead set to true, you will receive a ValidationException.",
      checked: FACTS_CHECKED,
    },
  ] satisfies FactSource[],
} as const;

/** A Query's `Limit` counts the items read before the filter expression is applied. */
export const DYNAMODB_QUERY_LIMIT = {
  source: {
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Other.html",
    quote:
      "Now suppose that you add a filter expression to the Query. In this case, DynamoDB reads up to six items, and then returns only those that match the filter expression. The final Query result contains six items or fewer, even if more items would have matched the filter expression if DynamoDB had kept reading more items.",
    checked: FACTS_CHECKED,
  } satisfies FactSource,
} as const;

/** A conditional write whose condition is false is refused with `ConditionalCheckFailedException`; the item is unchanged. */
export const DYNAMODB_CONDITIONAL_WRITE = {
  error: "ConditionalCheckFailedException",
  sources: [
    {
      url: "https://docs.aws.amazon.com/botocore/latest/reference/services/dynamodb/client/exceptions/ConditionalCheckFailedException.html",
      quote: "A condition specified in the operation failed to be evaluated. … message (string) – The conditional request failed.",
      checked: FACTS_CHECKED,
    },
    {
      url: "https://www.pulumi.com/docs/reference/pkg/nodejs/pulumi/awsx/functions/classic.dynamodb.metrics.conditionalCheckFailedRequests.html",
      quote:
        "The PutItem, UpdateItem, and DeleteItem operations let you provide a logical condition that must evaluate to true before the operation can proceed. If this condition evaluates to false, ConditionalCheckFailedRequests is incremented by one. Note: A failed conditional write will result in an HTTP 400 error (Bad Request).",
      checked: FACTS_CHECKED,
    },
  ] satisfies FactSource[],
} as const;

/** A Query of an index is granted on the index's own ARN (`table/<name>/index/<index>`), beside the table's. */
export const DYNAMODB_INDEX_RESOURCE = {
  source: {
    url: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-specific-table-indexes.html",
    quote:
      'The following policy grants permissions for data modification actions on a DynamoDB table called Books and all of that table\'s indexes. … "Resource": [ "arn:aws:dynamodb:us-west-2:123456789012:table/Books", "arn:aws:dynamodb:us-west-2:123456789012:table/Books/index/*" ]',
    checked: FACTS_CHECKED,
  } satisfies FactSource,
} as const;

/**
 * Why the queue's statements carry no `dynamodb:LeadingKeys` / `dynamodb:Attributes` condition:
 * the IAM dataset describes `dynamodb:LeadingKeys` as the *table's* partition key, so its meaning
 * for a Query on a global secondary index (partition key `status`) is not documented there; and
 * the same role already holds an unconditioned `dynamodb:UpdateItem` on the table (the example's
 * `record_reply`), so a condition on the queue's UpdateItem statement would narrow nothing (IAM
 * allows what any statement allows).
 */
export const DYNAMODB_LEADING_KEYS = {
  source: {
    url: "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html",
    quote: "dynamodb:LeadingKeys — Filters access by the first partition key of the table (ArrayOfString)",
    checked: FACTS_CHECKED,
  } satisfies FactSource,
} as const;
