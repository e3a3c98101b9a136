/**
 * Identity policies name exact resources. A wildcard is accepted only where AWS leaves no choice:
 * the wildcards Airlock needs (`REQUIRED_WILDCARDS` in core) and `"*"` for actions that have no
 * resource-level permissions in the IAM dataset. A wildcard the manifest allowed with
 * `allowWildcard.reason` (read back as `optouts.ts` describes) is not an error here: AIR-G006
 * reports it as a warning with the reason. A blank reason, or a statement wider than the one the
 * manifest compiled to, stays an error.
 */
import { actionFacts, isRequiredWildcard } from "@airlock/core";
import { allowStatements, IAM_POLICY_TYPES } from "../../support.ts";
import { reasonedWildcards, wildcardAllowance } from "../../optouts.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceContext, type ResourceRule } from "../../rule.ts";

async function wildcardAccepted(action: string, resource: string): Promise<boolean> {
  if (isRequiredWildcard(action, resource)) return true;
  if (resource !== "*" || action.includes("*")) return false;
  const facts = await actionFacts(action);
  return facts !== undefined && facts.wildcardOnly;
}

export const IamNoWildcardResources: ResourceRule = {
  kind: "resource",
  name: "IamNoWildcardResources",
  resourceTypes: IAM_POLICY_TYPES,
  readsStack: true,
  async check(type: string, props: Props, context?: ResourceContext) {
    const statements = allowStatements(type, props);
    if (statements === undefined) return NOT_APPLICABLE;
    const reasoned = context?.self !== undefined && context.stack !== undefined ? reasonedWildcards(context.self, context.stack) : new Map();
    const problems: string[] = [];
    for (const { where, statement: s } of statements) {
      const allowance = wildcardAllowance(s, reasoned);
      for (const r of s.resources.filter((x) => x.includes("*"))) {
        const refused: string[] = [];
        for (const a of s.actions) if (!(await wildcardAccepted(a, r))) refused.push(a);
        if (refused.length === 0 || allowance.reason !== undefined) continue;
        const grant = `${where} grants ${refused.map((a) => `"${a}"`).join(", ")} on the wildcard resource "${r}"`;
        problems.push(allowance.problem !== undefined ? `${grant}, but ${allowance.problem}` : `${grant}; name the exact resource ARNs`);
      }
      if (s.notResources.length > 0) {
        problems.push(`${where} uses NotResource with Allow, which grants every other resource; name the exact resource ARNs instead`);
      }
    }
    return verdict(problems);
  },
};
