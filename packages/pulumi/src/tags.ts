import type { AgentModel } from "@airlock/core";

/** Tags every taggable child of an agent carries; `extra` (the caller's tags) wins on conflicts. */
export function agentTags(model: AgentModel, extra?: Readonly<Record<string, string>>): Record<string, string> {
  return {
    "airlock:agent": model.name,
    "airlock:owner": model.owner,
    "airlock:managed-by": "airlock",
    ...extra,
  };
}

/** Tag that marks what an IAM role is for; the guardrails read it. */
export const ROLE_TAG = "airlock:role";
export type AirlockRoleKind = "task" | "execution" | "sandbox-task" | "sandbox-execution" | "rotation" | "monitor";
