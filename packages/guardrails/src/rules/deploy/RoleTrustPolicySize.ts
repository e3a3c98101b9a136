/**
 * A role's trust policy (`assumeRolePolicy`) fits the account's trust-policy length quota, 2,048
 * characters by default (adjustable through Service Quotas, hence a warning).
 */
import { IAM_POLICY_LIMITS, policySize } from "@airlock/core";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { IAM_ROLE as ROLE } from "../../types.ts";

export const RoleTrustPolicySize: ResourceRule = {
  kind: "resource",
  name: "RoleTrustPolicySize",
  resourceTypes: [ROLE],
  check(type: string, props: Props) {
    const raw = props.assumeRolePolicy;
    // Plans carry JSON text; some programs (and the policy engine) pass the document as an object.
    const doc = typeof raw === "string" ? raw : raw !== null && typeof raw === "object" ? JSON.stringify(raw) : undefined;
    if (type !== ROLE || doc === undefined || doc === "[secret]") return NOT_APPLICABLE;
    const size = policySize(doc);
    const max = IAM_POLICY_LIMITS.roleTrustPolicy.max;
    const name = typeof props.name === "string" ? `IAM role \`${props.name}\`` : "IAM role";
    return verdict(size > max ? [`${name}: \`assumeRolePolicy\` is ${size} characters without white space; the default quota is ${max}; trim the trust policy or raise the \"Role trust policy length\" quota`] : []);
  },
};
