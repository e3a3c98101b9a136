/**
 * @airlock/guardrails: the Airlock policy pack. `evaluatePlan` runs it offline over a plan; the
 * Pulumi entry point is `src/policypack.ts`, loaded from the `pack/` directory (`pulumi preview --policy-pack packages/guardrails/pack`),
 * which is never imported from here because constructing a PolicyPack starts a gRPC server.
 *
 * @module @airlock/guardrails
 */
export * from "./rule.ts";
export * from "./pack.ts";
export * from "./evaluate.ts";
export { loadPolicyConfig, validatePolicyConfig, configuredSeverity, PolicyConfigError, ENFORCEMENT_LEVELS, type EnforcementLevel, type PolicyConfig, type PolicySettings } from "./config.ts";
export { MIN_REASON_LENGTH, ROUTE_ELSEWHERE_TAG_PREFIX, WILDCARD_REASON_TAG_PREFIX } from "./optouts.ts";
export { EGRESS_OPT_OUT_TAG } from "./rules/ec2/SecurityGroupNoOpenEgress.ts";
export { APPROVAL_GATEWAY, AGENT_DEPLOYMENT } from "./rules/airlock/OutwardToolsApproved.ts";
export { unknownAction } from "./rules/iam/IamActionsExist.ts";
export { resourceMismatch } from "./rules/iam/IamResourcesMatchActions.ts";
