/**
 * What the sandbox runner (@airlock/runtime's sandbox-runner.ts) relies on when it starts a
 * sandbox task and reads its output back: the size of RunTask's overrides, the name the awslogs
 * driver gives a task's log stream, and how GetLogEvents pages. The runtime does not load
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
