import { sanitizeTags, type AgentModel } from "@airlock/core";

/**
 * Tags every taggable child of an agent carries; `extra` (the caller's tags) wins on conflicts.
 * Every value is made one that every service accepts (`sanitizeTags`: letters, numbers, spaces and
 * `_ . : / = + - @`, at most 256 characters; `%` becomes "percent", `&` "and"), since these tags
 * reach ECS, IAM, CloudWatch Logs and the rest, and one rejected value fails the whole deploy.
 */
export function agentTags(model: AgentModel, extra?: Readonly<Record<string, string>>): Record<string, string> {
  return sanitizeTags({
    "airlock:agent": model.name,
    "airlock:owner": model.owner,
    "airlock:managed-by": "airlock",
    ...extra,
  });
}

/** Tag that marks what an IAM role is for; the guardrails read it. */
export const ROLE_TAG = "airlock:role";
export type AirlockRoleKind = "task" | "execution" | "sandbox-task" | "sandbox-execution" | "rotation" | "monitor";
