/**
 * A role's trust policy (`assumeRolePolicy`) fits the account's trust-policy length quota, 2,048
 * characters by default (adjustable through Service Quotas, hence a warning). An account whose
 * quota was raised sets it in the policy config: `{ "air-d008-role-trust-policy-size": { "maxCharacters": 4096 } }`.
 */
import { IAM_POLICY_LIMITS, policySize } from "@airlock/core";
import { NOT_APPLICABLE, verdict, type Props, type ResourceContext, type ResourceRule } from "../../rule.ts";
import { IAM_ROLE as ROLE } from "../../types.ts";

export const RoleTrustPolicySize: ResourceRule = {
  kind: "resource",
  name: "RoleTrustPolicySize",
  resourceTypes: [ROLE],
  configSchema: {
    properties: {
      maxCharacters: {
        type: "integer",
        default: IAM_POLICY_LIMITS.roleTrustPolicy.max,
        minimum: 1,
        maximum: 4_096,
        description: "The account's \"Role trust policy length\" quota (IAM raises it to at most 4,096 through Service Quotas).",
      },
    },
  },
  check(type: string, props: Props, context?: ResourceContext) {
    const raw = props.assumeRolePolicy;
    // Plans carry JSON text; some programs (and the policy engine) pass the document as an object.
    const doc = typeof raw === "string" ? raw : raw !== null && typeof raw === "object" ? JSON.stringify(raw) : undefined;
    if (type !== ROLE || doc === undefined || doc === "[secret]") return NOT_APPLICABLE;
    const size = policySize(doc);
    const configured = context?.config?.maxCharacters;
    const max = typeof configured === "number" ? configured : IAM_POLICY_LIMITS.roleTrustPolicy.max;
    const quota = max === IAM_POLICY_LIMITS.roleTrustPolicy.max ? "the default quota" : "the configured quota";
    const name = typeof props.name === "string" ? `IAM role \`${props.name}\`` : "IAM role";
    return verdict(size > max ? [`${name}: \`assumeRolePolicy\` is ${size} characters without white space; ${quota} is ${max}; trim the trust policy or raise the \"Role trust policy length\" quota`] : []);
  },
};
