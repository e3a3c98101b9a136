/** A customer managed policy (`aws:iam/policy:Policy`) is at most 6,144 characters without white space. */
import { IAM_POLICY_LIMITS, policySize } from "@airlock/core";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { IAM_POLICY as MANAGED_POLICY } from "../../types.ts";

export const ManagedPolicySize: ResourceRule = {
  kind: "resource",
  name: "ManagedPolicySize",
  resourceTypes: [MANAGED_POLICY],
  check(type: string, props: Props) {
    const doc = props.policy;
    if (type !== MANAGED_POLICY || (typeof doc !== "string" && (doc === null || typeof doc !== "object")) || doc === "[secret]") return NOT_APPLICABLE;
    const size = policySize(typeof doc === "string" ? doc : JSON.stringify(doc));
    const max = IAM_POLICY_LIMITS.managedPolicy.max;
    const name = typeof props.name === "string" ? `managed policy \`${props.name}\`` : "managed policy";
    return verdict(size > max ? [`${name}: \`policy\` is ${size} characters without white space; IAM allows ${max} for a managed policy; split it into several policies`] : []);
  },
};
