/**
 * The Pulumi entry point: `pulumi preview --policy-pack packages/guardrails` (see PulumiPolicy.yaml).
 * Each resource rule becomes a ResourceValidationPolicy, each stack rule a StackValidationPolicy,
 * with the pack's ids, severities and explanations. Constructing the PolicyPack starts the policy
 * gRPC server, so nothing else may import this file: tests and `evaluatePlan` use the rules directly.
 */
import { PolicyPack, type EnforcementLevel, type Policies, type Severity as PulumiSeverity } from "@pulumi/policy";
import { PACK, PACK_NAME, type Severity } from "./pack.ts";
import { policyFor } from "./policies.ts";

new PolicyPack(PACK_NAME, { policies: PACK.map(policyFor) as Policies });

export type { EnforcementLevel, PulumiSeverity, Severity };
