/**
 * The inline policies of one IAM role (its `inlinePolicies` plus every
 * `aws:iam/rolePolicy:RolePolicy` whose `role` names it) total at most 10,240 characters without
 * white space; past that IAM refuses the policy that crosses the limit.
 */
import { IAM_POLICY_LIMITS, policySize } from "@airlock/core";
import { isRecord, mentions, identifiersOf } from "../../support.ts";
import { IAM_ROLE as ROLE, IAM_ROLE_POLICY as ROLE_POLICY } from "../../types.ts";
import type { StackInput, StackRule, StackViolation } from "../../rule.ts";

function docText(doc: unknown): string | undefined {
  if (typeof doc === "string") return doc === "" || doc === "[secret]" ? undefined : doc;
  return isRecord(doc) ? JSON.stringify(doc) : undefined;
}

export const RoleInlinePolicySize: StackRule = {
  kind: "stack",
  name: "RoleInlinePolicySize",
  check({ resources }: StackInput): StackViolation[] {
    const limit = IAM_POLICY_LIMITS.roleInlineAggregate.max;
    const rolePolicies = resources.filter((r) => r.type === ROLE_POLICY);
    const out: StackViolation[] = [];
    for (const role of resources.filter((r) => r.type === ROLE)) {
      const ids = identifiersOf(role);
      const parts: { label: string; size: number }[] = [];
      const inline = Array.isArray(role.props.inlinePolicies) ? role.props.inlinePolicies.filter(isRecord) : [];
      inline.forEach((p, i) => {
        const text = docText(p.policy);
        if (text !== undefined) parts.push({ label: `inlinePolicies[${typeof p.name === "string" ? p.name : i}]`, size: policySize(text) });
      });
      for (const rp of rolePolicies) {
        const ref = rp.props.role;
        if (typeof ref !== "string" || !ids.some((id) => mentions(ref, id))) continue;
        const text = docText(rp.props.policy);
        if (text !== undefined) parts.push({ label: `RolePolicy \`${rp.name}\``, size: policySize(text) });
      }
      const total = parts.reduce((n, p) => n + p.size, 0);
      if (total > limit) {
        out.push({
          subject: role.urn,
          message: `IAM role \`${role.name}\`: its inline policies total ${total} characters without white space (${parts.map((p) => `${p.label} ${p.size}`).join(", ")}); IAM allows ${limit} per role; move statements into a managed policy or split the role`,
        });
      }
    }
    return out;
  },
};
