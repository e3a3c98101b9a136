/** Identity policies allow exact actions only: no `*`, `s3:*`, `s3:Get*`, and no Allow with NotAction. */
import { allowStatements, IAM_POLICY_TYPES } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";

export const IamNoWildcardActions: ResourceRule = {
  kind: "resource",
  name: "IamNoWildcardActions",
  resourceTypes: IAM_POLICY_TYPES,
  check(type: string, props: Props) {
    const statements = allowStatements(type, props);
    if (statements === undefined) return NOT_APPLICABLE;
    const problems: string[] = [];
    for (const { where, statement: s } of statements) {
      for (const a of s.actions.filter((x) => x.includes("*"))) {
        problems.push(`${where} allows the wildcard action "${a}"; list the exact actions the role needs`);
      }
      if (s.notActions.length > 0) {
        problems.push(`${where} uses NotAction with Allow, which allows every other action; list the exact actions instead`);
      }
    }
    return verdict(problems);
  },
};
