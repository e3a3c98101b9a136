/**
 * Every resource ARN in an Allow statement is of a type each of the statement's actions acts on
 * (by the IAM dataset's resource types), and actions without resource-level permissions get
 * `"*"` only. A mismatch grants nothing, so the policy does not say what it seems to say.
 */
import { actionFacts, actionTakesResource } from "@airlock/core";
import { allowStatements, IAM_POLICY_TYPES } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";

/** Why `action` does not act on `resource`, or undefined when it does (or cannot be judged). */
export async function resourceMismatch(action: string, resource: string): Promise<string | undefined> {
  if (action.includes("*") || resource === "*") return undefined;
  const facts = await actionFacts(action);
  if (facts === undefined) return undefined;
  if (facts.wildcardOnly) return `"${facts.action}" has no resource-level permissions, so "${resource}" grants nothing; use "*" for it`;
  if (await actionTakesResource(facts, resource)) return undefined;
  const takes = facts.resourceTypes.map((t) => `${t.name} (${t.arn})`).join(", ");
  return `"${facts.action}" does not act on "${resource}"; it takes ${takes}`;
}

export const IamResourcesMatchActions: ResourceRule = {
  kind: "resource",
  name: "IamResourcesMatchActions",
  resourceTypes: IAM_POLICY_TYPES,
  async check(type: string, props: Props) {
    const statements = allowStatements(type, props);
    if (statements === undefined) return NOT_APPLICABLE;
    const problems: string[] = [];
    for (const { where, statement: s } of statements) {
      for (const a of s.actions) {
        for (const r of s.resources) {
          const why = await resourceMismatch(a, r);
          if (why !== undefined) problems.push(`${where}: ${why}`);
        }
      }
    }
    return verdict(problems);
  },
};
