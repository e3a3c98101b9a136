/**
 * Security group egress to a private range outside the VPC that relies on a route the platform was
 * told is kept outside the stack (`privateRoutes[].managedElsewhere.reason`, tagged on the VPC as
 * `airlock:route-elsewhere:<cidr>`). The platform accepts the opt-out, so AIR-D018 does not fail on
 * it; this rule shows it, with the reason, in every plan and preview: nothing in the plan proves the
 * route exists.
 */
import type { StackInput, StackRule, StackViolation } from "../../rule.ts";
import { privateEgress } from "./PrivateEgressRouted.ts";

export const PrivateRouteManagedElsewhere: StackRule = {
  kind: "stack",
  name: "PrivateRouteManagedElsewhere",
  check(input: StackInput): StackViolation[] {
    return privateEgress(input).elsewhere;
  },
};
