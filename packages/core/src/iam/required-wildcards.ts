/**
 * The only wildcards Airlock itself writes, each forced by AWS and confined to a role the agent's
 * code never holds (execution, sandbox execution, rotation and monitor roles). The agent's task role never has one
 * unless its manifest allows it with a reason. Guardrails accept exactly these.
 */

export interface RequiredWildcard {
  readonly actions: readonly string[];
  /** `*` exactly, or a suffix that must follow an exact log group ARN. */
  readonly resource: "*" | ":log-stream:*";
  readonly reason: string;
}

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
];

/** Whether `action` on `resource` is one of the required wildcards above. */
export function isRequiredWildcard(action: string, resource: string): boolean {
  return REQUIRED_WILDCARDS.some((w) => {
    if (!w.actions.includes(action)) return false;
    if (w.resource === "*") return resource === "*";
    return /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[^*]+:log-stream:\*$/.test(resource);
  });
}
