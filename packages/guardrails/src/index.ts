/**
 * @airlock/guardrails: the Airlock policy pack. `evaluatePlan` runs it offline over a plan; the
 * Pulumi entry point is `src/policypack.ts` (`pulumi preview --policy-pack packages/guardrails`),
 * which is never imported from here because constructing a PolicyPack starts a gRPC server.
 */
export * from "./rule.ts";
export * from "./pack.ts";
export * from "./evaluate.ts";
export { EGRESS_OPT_OUT_TAG } from "./rules/ec2/SecurityGroupNoOpenEgress.ts";
export { APPROVAL_GATEWAY, AGENT_DEPLOYMENT } from "./rules/airlock/OutwardToolsApproved.ts";
export { unknownAction } from "./rules/iam/IamActionsExist.ts";
export { resourceMismatch } from "./rules/iam/IamResourcesMatchActions.ts";
