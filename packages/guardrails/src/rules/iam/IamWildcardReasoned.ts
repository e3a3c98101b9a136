/**
 * A wildcard resource the manifest allowed (`allowWildcard.reason` on the tool, read back as
 * `optouts.ts` describes) in an agent's task role. The compiler accepts it, so AIR-G002 does not
 * fail on it; this rule shows it, with the reason, in every plan and preview so a reviewer decides on it.
 */
import { allowStatements, IAM_POLICY_TYPES } from "../../support.ts";
import { reasonedWildcards, wildcardAllowance } from "../../optouts.ts";
import type { StackInput, StackRule, StackViolation } from "../../rule.ts";

export const IamWildcardReasoned: StackRule = {
  kind: "stack",
  name: "IamWildcardReasoned",
  check(stack: StackInput): StackViolation[] {
    const out: StackViolation[] = [];
    for (const r of stack.resources) {
      if (!(IAM_POLICY_TYPES as readonly string[]).includes(r.type)) continue;
      const statements = allowStatements(r.type, r.props) ?? [];
      if (statements.length === 0) continue;
      const reasoned = reasonedWildcards(r, stack);
      if (reasoned.size === 0) continue;
      for (const { where, statement } of statements) {
        const wildcards = statement.resources.filter((x) => x.includes("*"));
        const { reason, tool } = wildcardAllowance(statement, reasoned);
        if (wildcards.length === 0 || reason === undefined) continue;
        out.push({
          subject: r.urn,
          message: `${where} grants ${statement.actions.map((a) => `"${a}"`).join(", ")} on ${wildcards.map((w) => `"${w}"`).join(", ")}, a wildcard the manifest allows${tool !== undefined ? ` for tool \`${tool}\`` : ""} (\`allowWildcard.reason\`): ${reason}`,
        });
      }
    }
    return out;
  },
};
