/**
 * A security group egress rule to an IPv4 CIDR wholly in private address space (RFC 1918 and
 * 100.64.0.0/10, `PRIVATE_IPV4_RANGES` in `@airlock/core`) outside its VPC's CIDR blocks (`cidrBlock`
 * and every `aws.ec2.VpcIpv4CidrBlockAssociation`) is covered by a route to a transit gateway, a
 * VPC peering connection, a Cloud WAN core network or a virtual private gateway (`vgw-…`, or an
 * `aws.ec2.VpnGateway` of the stack) in some route table of that VPC (inline `routes` of
 * `aws.ec2.RouteTable` / `DefaultRouteTable`, or `aws.ec2.Route`). Private addresses are not
 * routed on the internet, and a route table sends traffic by its most specific route, so without
 * one the rule allows traffic that can never arrive (`VPC_FACTS.routePriority`). Rules are read from
 * inline `egress` of `aws.ec2.SecurityGroup`, `aws.vpc.SecurityGroupEgressRule` (`cidrIpv4`) and
 * egress `aws.ec2.SecurityGroupRule`s. Not applicable when the VPC is not in the stack; a route
 * to a prefix list (`destinationPrefixListId`) or routes propagated from a VPN gateway count as
 * covering, since their ranges are not in the plan. A route the platform declares kept outside the
 * stack (`privateRoutes[].managedElsewhere.reason`, tagged on the VPC as
 * `airlock:route-elsewhere:<cidr>` = reason) is not an error: AIR-D021 reports it as a warning with
 * the reason. A tag without a real reason, on another resource, or for a range that does not cover
 * the rule's stays an error.
 */
import { PRIVATE_IPV4_RANGES, rangeContains, isPrivateRange, VPC_FACTS } from "@airlock/core";
import type { StackInput, StackResource, StackRule, StackViolation } from "../../rule.ts";
import { realReason, ROUTE_ELSEWHERE_TAG_PREFIX, routesElsewhere } from "../../optouts.ts";
import { isRecord, knownString, ofType, referent, resourceLabel, stringList } from "../../support.ts";
import { EC2TRANSITGATEWAY_VPC_ATTACHMENT as TGW_ATTACHMENT, EC2_DEFAULT_ROUTE_TABLE as DEFAULT_ROUTE_TABLE, EC2_ROUTE as ROUTE, EC2_ROUTE_TABLE as ROUTE_TABLE, EC2_SECURITY_GROUP as SG, EC2_SECURITY_GROUP_RULE as SG_RULE, EC2_VPC as VPC, EC2_VPC_IPV4_CIDR_BLOCK_ASSOCIATION as CIDR_ASSOCIATION, EC2_VPN_GATEWAY as VPN_GATEWAY, EC2_VPN_GATEWAY_ROUTE_PROPAGATION as PROPAGATION, VPC_SECURITY_GROUP_EGRESS_RULE as EGRESS_RULE } from "../../types.ts";

interface EgressCidr {
  readonly holder: StackResource;
  /** The security group whose VPC applies. */
  readonly group: StackResource | undefined;
  readonly where: string;
  readonly description?: string;
  readonly cidr: string;
}

interface RouteView {
  readonly destination?: string;
  readonly prefixList: boolean;
  readonly privateTarget: boolean;
  /** The transit gateway it sends to, when known. */
  readonly transitGateway?: string;
}

/** Wholly inside private address space (a rule to 0.0.0.0/0 overlaps it but is not a private destination). */
function isPrivateDestination(cidr: string): boolean {
  return isPrivateRange(cidr) && PRIVATE_IPV4_RANGES.some((p) => rangeContains(p, cidr));
}

function egressCidrs(resources: readonly StackResource[]): EgressCidr[] {
  const groups = ofType(resources, SG);
  const out: EgressCidr[] = [];
  const describe = (x: Record<string, unknown>) => (typeof x.description === "string" && x.description !== "" ? { description: x.description } : {});
  for (const g of groups) {
    (Array.isArray(g.props.egress) ? g.props.egress : []).filter(isRecord).forEach((e, i) => {
      for (const cidr of stringList(e.cidrBlocks)) out.push({ holder: g, group: g, where: `egress[${i}]`, ...describe(e), cidr });
    });
  }
  for (const r of ofType(resources, EGRESS_RULE)) {
    const cidr = knownString(r.props.cidrIpv4);
    if (cidr !== undefined) out.push({ holder: r, group: referent(r.props.securityGroupId, groups, r), where: "`cidrIpv4`", ...describe(r.props), cidr });
  }
  for (const r of ofType(resources, SG_RULE).filter((x) => x.props.type === "egress")) {
    for (const cidr of stringList(r.props.cidrBlocks)) out.push({ holder: r, group: referent(r.props.securityGroupId, groups, r), where: "`cidrBlocks`", ...describe(r.props), cidr });
  }
  return out;
}

/**
 * Security group egress to private ranges no route of the stack carries: `errors` (AIR-D018) and
 * those covered by a reasoned `airlock:route-elsewhere:<cidr>` tag on their VPC (`elsewhere`, AIR-D021).
 */
export function privateEgress({ resources }: StackInput): { readonly errors: StackViolation[]; readonly elsewhere: StackViolation[] } {
  const vpcs = ofType(resources, VPC);
  const vpnGateways = ofType(resources, VPN_GATEWAY);
  const tablesOf = (vpc: StackResource) => [
    ...ofType(resources, ROUTE_TABLE).filter((t) => referent(t.props.vpcId, [vpc], t) !== undefined),
    ...ofType(resources, DEFAULT_ROUTE_TABLE).filter((t) => referent(t.props.defaultRouteTableId, [vpc], t, ["defaultRouteTableId"]) !== undefined),
  ];
  const view = (r: Record<string, unknown>, destinationField: string): RouteView => {
    const gateway = knownString(r.gatewayId);
    const vgw = gateway !== undefined && (gateway.startsWith("vgw-") || referent(gateway, vpnGateways) !== undefined);
    return {
      ...(knownString(r[destinationField]) !== undefined ? { destination: knownString(r[destinationField]) } : {}),
      prefixList: r.destinationPrefixListId !== undefined,
      privateTarget: r.transitGatewayId !== undefined || r.vpcPeeringConnectionId !== undefined || r.coreNetworkArn !== undefined || vgw,
      ...(knownString(r.transitGatewayId) !== undefined ? { transitGateway: knownString(r.transitGatewayId)! } : {}),
    };
  };
  const routesOf = (vpc: StackResource): { routes: RouteView[]; propagated: boolean } => {
    const tables = tablesOf(vpc);
    const routes = tables.flatMap((t) => (Array.isArray(t.props.routes) ? t.props.routes.filter(isRecord).map((r) => view(r, "cidrBlock")) : []));
    routes.push(...ofType(resources, ROUTE).filter((r) => tables.some((t) => referent(r.props.routeTableId, [t], r) !== undefined)).map((r) => view(r.props, "destinationCidrBlock")));
    const propagated =
      tables.some((t) => stringList(t.props.propagatingVgws).length > 0) ||
      ofType(resources, PROPAGATION).some((p) => tables.some((t) => referent(p.props.routeTableId, [t], p) !== undefined));
    return { routes, propagated };
  };
  const cidrsOf = (vpc: StackResource) => [
    knownString(vpc.props.cidrBlock),
    ...ofType(resources, CIDR_ASSOCIATION).filter((a) => referent(a.props.vpcId, [vpc], a) !== undefined).map((a) => knownString(a.props.cidrBlock)),
  ].filter((c): c is string => c !== undefined);
  const out: StackViolation[] = [];
  const elsewhere: StackViolation[] = [];
  for (const e of egressCidrs(resources)) {
    if (e.group === undefined || !isPrivateDestination(e.cidr)) continue;
    const vpc = referent(e.group.props.vpcId, vpcs, e.group);
    if (vpc === undefined) continue;
    const vpcCidrs = cidrsOf(vpc);
    if (vpcCidrs.length === 0 || vpcCidrs.some((c) => rangeContains(c, e.cidr))) continue;
    const { routes, propagated } = routesOf(vpc);
    const covering = routes.filter((r) => r.privateTarget && (r.prefixList || (r.destination !== undefined && rangeContains(r.destination, e.cidr))));
    if (!propagated && covering.length > 0) {
      // A route to a transit gateway carries traffic only once this VPC is attached to it; a VPC
      // created in this stack can only be attached in this stack.
      const attached = (tgw: string) =>
        ofType(resources, TGW_ATTACHMENT).some((a) => referent(a.props.vpcId, [vpc], a) !== undefined && knownString(a.props.transitGatewayId) === tgw);
      const unattached = covering.filter((r) => r.transitGateway !== undefined && !attached(r.transitGateway));
      if (unattached.length === 0 || unattached.length < covering.length) continue;
      out.push({
        subject: e.holder.urn,
        message: `${resourceLabel(e.holder)}: ${e.where} allows egress to ${e.cidr} through transit gateway ${unattached[0]!.transitGateway}, but VPC \`${vpc.name}\` has no \`aws.ec2transitgateway.VpcAttachment\` to it in this stack, so the route carries nothing (and a new VPC cannot be attached anywhere else); attach the VPC's subnets in each zone and make the route tables wait for the attachment (${VPC_FACTS.transitGatewayAttachment.url})`,
      });
      continue;
    }
    if (propagated) continue;
    const rule = `${resourceLabel(e.holder)}: ${e.where}${e.description !== undefined ? ` (${JSON.stringify(e.description)})` : ""} allows egress to ${e.cidr}`;
    const declared = routesElsewhere(vpc).filter((t) => rangeContains(t.cidr, e.cidr));
    const reasoned = declared.map((t) => ({ ...t, reason: realReason(t.reason) })).find((t) => t.reason !== undefined);
    if (reasoned !== undefined) {
      elsewhere.push({
        subject: e.holder.urn,
        message: `${rule}, private address space outside VPC \`${vpc.name}\` (${vpcCidrs.join(", ")}), over a route to ${reasoned.cidr} kept outside this stack (\`privateRoutes[].managedElsewhere\`): ${reasoned.reason}; no route table in the plan carries it, so check the route exists in the route tables of the subnets that use the group before the agent relies on it`,
      });
      continue;
    }
    const blank = declared[0] !== undefined ? `; the VPC's \`${ROUTE_ELSEWHERE_TAG_PREFIX}${declared[0].cidr}\` tag gives no reason (${JSON.stringify(declared[0].reason)}), so it does not count` : "";
    out.push({
      subject: e.holder.urn,
      message: `${rule}, private address space outside VPC \`${vpc.name}\` (${vpcCidrs.join(", ")}), but no route table of the VPC sends it to a transit gateway, peering connection or VPN gateway, so the traffic can never arrive${blank}; add a route for ${e.cidr} (\`transitGatewayId\` or \`vpcPeeringConnectionId\`) to the route tables of the subnets that use the group, or remove the rule (${VPC_FACTS.routePriority.url})`,
    });
  }
  return { errors: out, elsewhere };
}

export const PrivateEgressRouted: StackRule = {
  kind: "stack",
  name: "PrivateEgressRouted",
  check(input: StackInput): StackViolation[] {
    return privateEgress(input).errors;
  },
};
