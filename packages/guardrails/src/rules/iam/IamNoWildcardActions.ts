/** Identity policies allow exact actions only: no `*`, `s3:*`, `s3:Get*`, and no Allow with NotAction. */
import { IAM_POLICY_TYPES, permissionPolicies, statementsOf } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";

export const IamNoWildcardActions: ResourceRule = {
  kind: "resource",
  name: "IamNoWildcardActions",
  resourceTypes: IAM_POLICY_TYPES,
  check(type: string, props: Props) {
    const policies = permissionPolicies(type, props);
    if (policies.length === 0) return NOT_APPLICABLE;
    const problems: string[] = [];
    for (const { label, doc } of policies) {
      for (const [i, s] of statementsOf(doc).entries()) {
        if (s.effect !== "Allow") continue;
        const where = `${label} statement ${s.sid ?? `#${i}`}`;
        for (const a of s.actions.filter((x) => x.includes("*"))) {
          problems.push(`${where} allows the wildcard action "${a}"; list the exact actions the role needs`);
        }
        if (s.notActions.length > 0) {
          problems.push(`${where} uses NotAction with Allow, which allows every other action; list the exact actions instead`);
        }
      }
    }
    return verdict(problems);
  },
};
