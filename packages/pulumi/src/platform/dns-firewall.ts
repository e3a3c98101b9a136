/**
 * The platform's Route 53 Resolver DNS firewall: the agents' hosts, the endpoints' names and the
 * extra domains are answered, everything else gets NXDOMAIN; the VPC fails closed unless told.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { DNS_FIREWALL_FACTS, type AgentModel, type EndpointSpec } from "@airlock/core";
import { stackScopedName } from "../naming.ts";
import { endpointDomains } from "./endpoints.ts";
import type { ResolvedDnsFirewall } from "./resolve.ts";

/** Domains the firewall allows, sorted: the extra domains, the agents' hosts and the endpoints' names. */
export function allowedDomains(agents: readonly AgentModel[], endpoints: readonly EndpointSpec[], extraAllowedDomains: readonly string[], region: string): string[] {
  const allowed = new Set<string>(extraAllowedDomains);
  for (const a of agents) for (const h of a.egress.hosts) allowed.add(h);
  for (const e of endpoints) for (const d of endpointDomains(e, region)) allowed.add(d);
  return [...allowed].sort();
}

/**
 * The rule group (allow `domains`, then block the rest), its association with `vpcId` and the
 * VPC's fail-open setting; children of `parent`. Returns the rule group's id.
 */
export function dnsFirewall(
  name: string,
  domains: readonly string[],
  vpcId: pulumi.Input<string>,
  settings: ResolvedDnsFirewall,
  tags: Readonly<Record<string, string>>,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const allowList = new aws.route53.ResolverFirewallDomainList(`${name}-allowed`, { name: stackScopedName([name, "allowed"], 64), domains: [...domains], tags }, { parent });
  const everything = new aws.route53.ResolverFirewallDomainList(`${name}-everything`, { name: stackScopedName([name, "everything"], 64), domains: ["*"], tags }, { parent });
  const group = new aws.route53.ResolverFirewallRuleGroup(`${name}-dns`, { name: stackScopedName([name, "dns"], 64), tags }, { parent });
  new aws.route53.ResolverFirewallRule(
    `${name}-allow`,
    {
      name: `${name}-allow`,
      firewallRuleGroupId: group.id,
      firewallDomainListId: allowList.id,
      action: "ALLOW",
      priority: 100,
      // An allowed name is answered through its CNAME chain without inspecting the targets: AWS's
      // own names (S3 for image layers) resolve through names AWS does not publish, and a
      // vendor's API through its CDN's. The security group still limits where the answer may be
      // reached. ${DNS_FIREWALL_FACTS.redirection.source.url}
      firewallDomainRedirectionAction: "TRUST_REDIRECTION_DOMAIN",
    },
    { parent },
  );
  new aws.route53.ResolverFirewallRule(
    `${name}-block-rest`,
    { name: `${name}-block-rest`, firewallRuleGroupId: group.id, firewallDomainListId: everything.id, action: "BLOCK", blockResponse: "NXDOMAIN", priority: 200 },
    { parent },
  );
  new aws.route53.ResolverFirewallRuleGroupAssociation(
    `${name}-dns`,
    { name: `${name}-dns`, firewallRuleGroupId: group.id, vpcId, priority: 101, mutationProtection: settings.mutationProtection ? "ENABLED" : "DISABLED", tags },
    { parent },
  );
  new aws.route53.ResolverFirewallConfig(`${name}-dns`, { resourceId: vpcId, firewallFailOpen: settings.failOpen ? "ENABLED" : "DISABLED" }, { parent });
  return group.id;
}
