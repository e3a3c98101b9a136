/**
 * Egress to the whole internet under the explicit opt-out (`egress.anyIpOn443.reason` in the
 * manifest, which the agent's security group rule carries in its description, or the tag
 * `airlock:egress-opt-out`) on a named protocol. AIR-G020 accepts it; this rule shows it, with the
 * reason, in every plan and preview, since only the DNS firewall then limits where the agent goes.
 */
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { EC2_DEFAULT_SECURITY_GROUP as DEFAULT_SG, EC2_SECURITY_GROUP as SG, EC2_SECURITY_GROUP_RULE as SG_RULE, VPC_SECURITY_GROUP_EGRESS_RULE as EGRESS_RULE } from "../../types.ts";
import { openEgress } from "./SecurityGroupNoOpenEgress.ts";

export const EgressOptedOut: ResourceRule = {
  kind: "resource",
  name: "EgressOptedOut",
  resourceTypes: [SG, DEFAULT_SG, EGRESS_RULE, SG_RULE],
  check(type: string, props: Props) {
    const open = openEgress(type, props);
    if (open === undefined) return NOT_APPLICABLE;
    return verdict(
      open
        .filter((o) => o.reason !== undefined && o.problem === undefined && !o.allProtocols)
        .map((o) => `${o.where} allows egress to ${o.cidrs.join(", ")} under the egress opt-out, limited only by the DNS firewall: ${o.reason!.trim()}`),
    );
  },
};
