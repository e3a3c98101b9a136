/**
 * The only wildcards Airlock itself writes, each forced by AWS. Most are confined to a role the
 * agent's code never holds (execution, sandbox execution, rotation and monitor roles). The agent's
 * task role has only the sandbox runner's two, when a tool runs code: the tasks of its cluster
 * (ECS names a task when RunTask starts it; the statements' tag conditions hold it to the agent's
 * own sandbox tasks) and the sandbox's log streams in its own log group (one per task, named by the
 * awslogs driver); any other wildcard there needs the manifest's reason. Guardrails accept exactly these.
 */
import { SANDBOX_TASK } from "../contracts/environment.ts";


export interface RequiredWildcard {
  readonly actions: readonly string[];
  /**
   * `*` exactly; a suffix that must follow an exact log group ARN (`:log-stream:*`, or the
   * sandbox's streams); or `:task/<cluster>/*`, every task of one exact cluster.
   */
  readonly resource: "*" | ":log-stream:*" | ":task/<cluster>/*" | typeof SANDBOX_LOG_STREAMS;
  readonly reason: string;
}

/** The sandbox task's log streams in a log group: `:log-stream:<prefix>/<container>/*` (awslogs names each `<prefix>/<container>/<task id>`). */
export const SANDBOX_LOG_STREAMS = `:log-stream:${SANDBOX_TASK.streamPrefix}/${SANDBOX_TASK.container}/*` as const;

export const REQUIRED_WILDCARDS: readonly RequiredWildcard[] = [
  {
    actions: ["ecr:GetAuthorizationToken"],
    resource: "*",
    reason: "ECR registry tokens are per account; the action has no resource-level permissions",
  },
  {
    actions: ["secretsmanager:ListSecrets"],
    resource: "*",
    reason: "the platform's age monitor finds hand-rotated secrets by tag; listing metadata has no resource-level permissions, and it never reads a value",
  },
  {
    actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
    resource: ":log-stream:*",
    reason: "ECS and Lambda name log streams at run time; the log group itself is exact",
  },
  {
    actions: ["ecs:DescribeTasks", "ecs:StopTask", "ecs:TagResource"],
    resource: ":task/<cluster>/*",
    reason: "the sandbox runner tags the sandbox tasks it starts (only at RunTask), then waits for and stops them, and ECS gives their ids at RunTask; the cluster is exact, and the statements' conditions hold them to tasks tagged with the agent's name and airlock:sandbox",
  },
  {
    actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
    resource: SANDBOX_LOG_STREAMS,
    reason: "the sandbox's execution role writes only the sandbox's own streams, which awslogs names after the task id; the log group and the stream prefix are exact",
  },
  {
    actions: ["logs:GetLogEvents"],
    resource: SANDBOX_LOG_STREAMS,
    reason: "the sandbox runner reads a sandbox task's output from its log stream, which awslogs names after the task id; the log group and the stream prefix are exact",
  },
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const LOG_GROUP_ARN = "arn:aws[a-z-]*:logs:[a-z0-9-]+:\\d{12}:log-group:[^*]+";

/** Whether `action` on `resource` is one of the required wildcards above. */
export function isRequiredWildcard(action: string, resource: string): boolean {
  return REQUIRED_WILDCARDS.some((w) => {
    if (!w.actions.includes(action)) return false;
    if (w.resource === "*") return resource === "*";
    if (w.resource === ":task/<cluster>/*") return /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/[A-Za-z0-9_-]+\/\*$/.test(resource);
    return new RegExp(`^${LOG_GROUP_ARN}${escape(w.resource)}$`).test(resource);
  });
}
