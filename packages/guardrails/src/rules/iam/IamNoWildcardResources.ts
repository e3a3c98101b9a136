/**
 * Identity policies name exact resources. A wildcard is accepted only where AWS leaves no choice:
 * the wildcards Airlock needs (`REQUIRED_WILDCARDS` in core) and `"*"` for actions that have no
 * resource-level permissions in the IAM dataset.
 */
import { actionFacts, isRequiredWildcard } from "@airlock/core";
import { allowStatements, IAM_POLICY_TYPES } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";

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
  async check(type: string, props: Props) {
    const statements = allowStatements(type, props);
    if (statements === undefined) return NOT_APPLICABLE;
    const problems: string[] = [];
    for (const { where, statement: s } of statements) {
      for (const r of s.resources.filter((x) => x.includes("*"))) {
        const refused: string[] = [];
        for (const a of s.actions) if (!(await wildcardAccepted(a, r))) refused.push(a);
        if (refused.length > 0) {
          problems.push(`${where} grants ${refused.map((a) => `"${a}"`).join(", ")} on the wildcard resource "${r}"; name the exact resource ARNs`);
        }
      }
      if (s.notResources.length > 0) {
        problems.push(`${where} uses NotResource with Allow, which grants every other resource; name the exact resource ARNs instead`);
      }
    }
    return verdict(problems);
  },
};
