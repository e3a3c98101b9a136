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
/** The values of the `airlock:role` tag ({@link ROLE_TAG}): what an IAM role Airlock makes is for. */
export type AirlockRoleKind = "task" | "execution" | "sandbox-task" | "sandbox-execution" | "rotation" | "monitor";

/** Tags Airlock itself puts on a resource at most, so a caller's tags must leave room for them. */
const AIRLOCK_TAGS_AT_MOST = 12;
/** The strictest limits among the services Airlock tags (EC2: 127-character keys; ECS, IAM, Logs: the pattern; all: 50 tags). */
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,127}$/u;

/**
 * Checks a caller's tag keys before any resource exists (values are made valid by `sanitizeTags`;
 * a key cannot be rewritten without changing what it means): 1 to 127 characters of letters,
 * numbers, spaces and `_ . : / = + - @`, not `aws:`, and no more than the 50 tags a resource may
 * carry leave room for Airlock's own.
 */
export function validateTags(tags: Readonly<Record<string, unknown>> | undefined, field = "tags"): void {
  if (tags === undefined) return;
  if (tags === null || typeof tags !== "object" || Array.isArray(tags)) throw new Error(`\`${field}\`: give a map of tag key to value`);
  const keys = Object.keys(tags);
  if (keys.length > 50 - AIRLOCK_TAGS_AT_MOST) {
    throw new Error(`\`${field}\`: ${keys.length} tags; a resource carries at most 50 and Airlock adds up to ${AIRLOCK_TAGS_AT_MOST}, so give at most ${50 - AIRLOCK_TAGS_AT_MOST}`);
  }
  for (const key of keys) {
    if (/^aws:/i.test(key)) throw new Error(`\`${field}.${key}\`: the \`aws:\` prefix is reserved for AWS; rename the key`);
    if (!TAG_KEY.test(key)) throw new Error(`\`${field}.${key}\`: tag keys are 1 to 127 letters, numbers, spaces and _ . : / = + - @ (what every service Airlock tags accepts); rename the key`);
    if (typeof tags[key] !== "string") throw new Error(`\`${field}.${key}\`: tag values are strings`);
  }
}
