/**
 * An informational note, not an error: a DNS firewall rule group association with
 * `mutationProtection: ENABLED` is locked. AWS disallows modifying or removing it, so Pulumi cannot
 * replace or delete it (a new `vpcId` or `firewallRuleGroupId`, or `pulumi destroy`, fails) until
 * an update sets `mutationProtection: DISABLED` first (`DNS_FIREWALL_ASSOCIATION_FACTS` in
 * `@airlock/core`). It can be the right choice; the plan shows it so that it is a visible one.
 */
import { DNS_FIREWALL_ASSOCIATION_FACTS } from "@airlock/core";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { knownString } from "../../support.ts";
import { ROUTE53_RESOLVER_FIREWALL_RULE_GROUP_ASSOCIATION as ASSOCIATION } from "../../types.ts";

export const DnsFirewallAssociationMutationProtection: ResourceRule = {
  kind: "resource",
  name: "DnsFirewallAssociationMutationProtection",
  resourceTypes: [ASSOCIATION],
  check(type: string, props: Props) {
    if (type !== ASSOCIATION || props.mutationProtection === undefined) return NOT_APPLICABLE;
    if (props.mutationProtection !== "ENABLED") return verdict([]);
    const name = knownString(props.name);
    const label = name !== undefined ? `DNS firewall association \`${name}\`` : "DNS firewall association";
    return verdict([
      `${label}: \`mutationProtection\` is ENABLED, so AWS disallows modifying or removing the association: Pulumi cannot replace or delete it (a new \`vpcId\` or \`firewallRuleGroupId\`, or \`pulumi destroy\`, fails) until an update sets \`mutationProtection: "DISABLED"\` first; keep it only as a deliberate lock (${DNS_FIREWALL_ASSOCIATION_FACTS.mutationProtection.url})`,
    ]);
  },
};
