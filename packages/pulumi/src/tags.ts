import { sanitizeTags, sanitizeTagValue, tagLimitsFor, type AgentModel } from "@airlock/core";
import { MANAGED_BY, TAGS, type RoleKind } from "@airlock/core/contracts";

/**
 * Tags every taggable child of an agent carries; `extra` (the caller's tags) wins on conflicts.
 * Every value is made one that every service accepts (`sanitizeTags`: letters, numbers, spaces and
 * `_ . : / = + - @`, at most 256 characters; `%` becomes "percent", `&` "and"), since these tags
 * reach ECS, IAM, CloudWatch Logs and the rest, and one rejected value fails the whole deploy.
 */
export function agentTags(model: AgentModel, extra?: Readonly<Record<string, string>>): Record<string, string> {
  return sanitizeTags({
    [TAGS.agent]: model.name,
    [TAGS.owner]: model.owner,
    [TAGS.managedBy]: MANAGED_BY,
    ...extra,
  });
}

/** Tag that marks what an IAM role is for; the guardrails read it. */
export const ROLE_TAG = TAGS.role;
/** The values of the `airlock:role` tag ({@link ROLE_TAG}): what an IAM role Airlock makes is for. */
export type AirlockRoleKind = RoleKind;

/** The `airlock:role` tag of a role Airlock makes (the guardrails tell task roles from the others by it). */
export function roleTag(kind: RoleKind): { readonly [ROLE_TAG]: RoleKind } {
  return { [ROLE_TAG]: kind };
}

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

/**
 * The shortest reason Airlock accepts for an opt-out (the manifest schema's and the validators'),
 * which the guardrails also ask of the reason they read back from a tag.
 */
export const MIN_REASON_LENGTH = 10;

/**
 * An opt-out's reason as a tag value (`sanitizeTagValue`), refused when what is left is too short
 * for the guardrails to count it as a reason (they read it back from the tag alone in `pulumi
 * preview`): a reason of punctuation or emoji keeps its length in the manifest but not in a tag.
 */
export function reasonTagValue(reason: string, field: string): string {
  const value = sanitizeTagValue(reason);
  if (value.length < MIN_REASON_LENGTH) {
    throw new Error(
      `\`${field}\`: the reason is written on a tag as ${JSON.stringify(value)} (tag values keep letters, digits, spaces and _ . : / = + - @ only), shorter than the ${MIN_REASON_LENGTH} characters the guardrails ask of a reason; reword it in words a reviewer can judge`,
    );
  }
  return value;
}

/**
 * A resource's tags with its opt-out tags added (one per opt-out, e.g. `airlock:route-elsewhere:<cidr>`),
 * checked before any resource exists against the service's limits (AIR-D003): every opt-out key
 * fits its key length, and the whole set stays within the tags a resource may carry (50; `aws:`
 * tags do not count). `field` names the argument the opt-outs come from, `what` what each tag is
 * for, `resource` the resource they land on.
 * Limits: https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html
 */
export function withOptOutTags(
  type: string,
  tags: Readonly<Record<string, string>>,
  optOuts: Readonly<Record<string, string>>,
  context: { readonly field: string; readonly what: string; readonly resource: string },
): Record<string, string> {
  const limits = tagLimitsFor(type);
  const keys = Object.keys(optOuts);
  if (keys.length === 0) return { ...tags };
  for (const key of keys) {
    if (key.length > limits.keyMax) {
      throw new Error(`\`${context.field}\`: the tag \`${key}\` (${context.what}) on ${context.resource} is ${key.length} characters; ${limits.service} tag keys are at most ${limits.keyMax}`);
    }
  }
  const merged = { ...tags, ...optOuts };
  const count = Object.keys(merged).filter((k) => !/^aws:/i.test(k)).length;
  if (count > limits.maxTags) {
    const own = count - keys.length;
    throw new Error(
      `\`${context.field}\`: ${context.resource} would carry ${count} tags, ${own} of its own and ${keys.length} for ${context.what}; ${limits.service} allows ${limits.maxTags} per resource, so drop ${count - limits.maxTags} (fewer opt-outs, or fewer \`tags\`)`,
    );
  }
  return merged;
}
