/**
 * Every resource's `tags` (and `tagsAll`, the provider's merged view) fit its service's documented
 * tag limits: key and value lengths, allowed characters, the reserved `aws:` prefix, 50 tags.
 * Generic over any resource that carries a `tags` map; limits per service from `@airlock/core`.
 */
import { checkTags } from "@airlock/core";
import { isRecord } from "../../support.ts";
import type { StackInput, StackRule, StackViolation } from "../../rule.ts";

export const TagsValid: StackRule = {
  kind: "stack",
  name: "TagsValid",
  check({ resources }: StackInput): StackViolation[] {
    const out: StackViolation[] = [];
    for (const r of resources) {
      if (!r.type.startsWith("aws:")) continue;
      const tags = isRecord(r.props.tags) ? r.props.tags : {};
      const all = isRecord(r.props.tagsAll) ? r.props.tagsAll : {};
      // tagsAll repeats tags; check only what it adds (provider default tags).
      const extra = Object.fromEntries(Object.entries(all).filter(([k, v]) => tags[k] !== v));
      const problems = checkTags(r.type, tags, "tags");
      if (Object.keys(extra).length > 0) {
        problems.push(...checkTags(r.type, extra, "tagsAll"));
        // The per-resource count applies to the merged set.
        problems.push(...checkTags(r.type, { ...tags, ...extra }, "tagsAll").filter((m) => m.startsWith("`tagsAll` has ")));
      }
      for (const message of [...new Set(problems)]) out.push({ subject: r.urn, message: `${short(r.type)} \`${r.name}\`: ${message}` });
    }
    return out;
  },
};

/** `aws:ecs/service:Service` → `ecs Service`. */
export function short(type: string): string {
  const m = /^aws:([a-z0-9]+)\/[A-Za-z0-9]+:(.+)$/.exec(type);
  return m === null ? type : `${m[1]} ${m[2]}`;
}
