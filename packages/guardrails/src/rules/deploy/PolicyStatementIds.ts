/**
 * Statement ids in IAM policy documents (identity policies and role trust policies) are unique
 * within the document and hold only A-Z, a-z and 0-9; IAM rejects the document otherwise.
 */
import { checkPolicyDocument } from "@airlock/core";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { IAM_POLICY_TYPES, permissionPolicies } from "../../support.ts";
import { IAM_ROLE } from "../../types.ts";

export const PolicyStatementIds: ResourceRule = {
  kind: "resource",
  name: "PolicyStatementIds",
  resourceTypes: IAM_POLICY_TYPES,
  check(type: string, props: Props) {
    const docs = permissionPolicies(type, props);
    if (type === IAM_ROLE && props.assumeRolePolicy !== undefined) docs.push({ label: "assumeRolePolicy", doc: props.assumeRolePolicy });
    const readable = docs.filter((d) => d.doc !== "[secret]" && d.doc !== "");
    if (readable.length === 0) return NOT_APPLICABLE;
    return verdict(readable.flatMap((d) => checkPolicyDocument(d.doc, { label: d.label })));
  },
};
