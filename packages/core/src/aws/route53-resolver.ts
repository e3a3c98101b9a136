/** Route 53 Resolver DNS Firewall associations: the lock (mutation protection) and the order rule groups are applied in. */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

export const DNS_FIREWALL_ASSOCIATION_FACTS = {
  mutationProtection: {
    url: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_AssociateFirewallRuleGroup.html",
    quote:
      "MutationProtection If enabled, this setting disallows modification or removal of the association, to help prevent against accidentally altering DNS firewall protections. When you create the association, the default setting is DISABLED. Type: String Valid Values: ENABLED | DISABLED",
    checked: FACTS_CHECKED,
  },
  priority: {
    url: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_AssociateFirewallRuleGroup.html",
    quote:
      "Priority The setting that determines the processing order of the rule group among the rule groups that you associate with the specified VPC. DNS Firewall filters VPC traffic starting from the rule group with the lowest numeric priority setting.",
    checked: FACTS_CHECKED,
  },
  lift: {
    url: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_UpdateFirewallRuleGroupAssociation.html",
    quote: "Changes the association of a FirewallRuleGroup with a VPC. … MutationProtection If enabled, this setting disallows modification or removal of the association, to help prevent against accidentally altering DNS firewall protections.",
    checked: FACTS_CHECKED,
  },
} as const satisfies Record<string, FactSource>;
