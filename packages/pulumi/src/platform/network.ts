/**
 * The platform's network: on a new VPC, public subnets (the NAT gateways only), private subnets
 * (egress through NAT) and isolated subnets (no route out) in each zone, with the routes to
 * `privateRoutes`; on an existing `network`, only the routes to `privateRoutes`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subdivide } from "@airlock/core";
import { TAGS } from "@airlock/core/contracts";
import { recordPlanFinding } from "../registry.ts";
import { ROUTE_ELSEWHERE_TAG_PREFIX } from "./tags.ts";
import type { ExistingNetworkResolved, NewNetworkResolved, ResolvedNetwork } from "./resolve.ts";

/** The subnets and route tables the agents, the sandboxes and the endpoints use. */
export interface PlatformNetwork {
  readonly vpcId: pulumi.Output<string>;
  // Lists, each whole or of Outputs: an existing network's may be another resource's Output<string[]>.
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly privateRouteTableIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly isolatedSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly isolatedRouteTableIds: pulumi.Input<pulumi.Input<string>[]>;
}

/** The new VPC and its subnets, or the existing `network` and its routes; children of `parent`. */
export function platformNetwork(name: string, network: ResolvedNetwork, tags: Readonly<Record<string, string>>, parent: pulumi.Resource): PlatformNetwork {
  return network.kind === "existing" ? existingNetwork(name, network, parent) : newNetwork(name, network, tags, parent);
}

function existingNetwork(name: string, network: ExistingNetworkResolved, parent: pulumi.Resource): PlatformNetwork {
  // What the platform's VPC-wide pieces do to everything else in a VPC that is not only Airlock's.
  recordPlanFinding({
    rule: "AIR-I106",
    severity: "info",
    subject: `platform ${name}: network`,
    message:
      "the VPC is yours and not only the agents': the platform's DNS firewall rule group is associated with the whole VPC and fails closed, so every workload in it resolves only the agents' allowed names (Route 53 Resolver DNS Firewall applies to all queries from the VPC); its interface endpoints turn on private DNS, which fails if the VPC already has an endpoint for the same service, and its gateway endpoints' policies (S3, DynamoDB) apply to all traffic of the route tables listed; give Airlock a VPC (or subnets and route tables) of the agents' own, or check that nothing else in the VPC needs other names or those services",
  });
  // Routes to private ranges are added to the given route tables (inline routes are Airlock's only on its own VPC).
  for (const r of network.privateRoutes) {
    if (r.managedElsewhere !== undefined) continue;
    network.privateRouteTableIds.forEach((rt, i) => {
      new aws.ec2.Route(
        `${name}-route-${r.cidr.replace(/[./]/g, "-")}-${i}`,
        { routeTableId: rt, destinationCidrBlock: r.cidr, ...(r.transitGatewayId !== undefined ? { transitGatewayId: r.transitGatewayId } : { vpcPeeringConnectionId: r.vpcPeeringConnectionId! }) },
        { parent },
      );
    });
  }
  return {
    vpcId: pulumi.output(network.vpcId),
    privateSubnetIds: network.privateSubnetIds,
    privateRouteTableIds: [...network.privateRouteTableIds],
    isolatedSubnetIds: network.isolatedSubnetIds,
    isolatedRouteTableIds: network.isolatedRouteTableIds,
  };
}

function newNetwork(name: string, network: NewNetworkResolved, tags: Readonly<Record<string, string>>, parent: pulumi.Resource): PlatformNetwork {
  const { vpcCidr, natGateways: natMode, privateRoutes } = network;
  const zones = [...network.availabilityZones];
  const [publicCidrs, privateCidrs, isolatedCidrs] = chunk(subdivide(vpcCidr, prefixFor(vpcCidr), zones.length * 3), zones.length);
  const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: network.vpcTags }, { parent });
  // A route kept elsewhere cannot exist in this new VPC (see PrivateRoute.managedElsewhere): say so in the plan.
  privateRoutes.forEach((r, i) => {
    if (r.managedElsewhere === undefined) return;
    recordPlanFinding({
      rule: "AIR-I105",
      severity: "info",
      subject: `platform ${name}: privateRoutes[${i}]`,
      message: `\`privateRoutes[${i}].managedElsewhere\` (${r.cidr}) is on the VPC this platform creates: that VPC is brand new and its private route tables set inline \`routes\`, which Pulumi owns whole, so no route to ${r.cidr} kept elsewhere can exist in them and traffic there does not arrive. Accepted as a stand-in (the plan of a bare agent.yaml declares the manifest's private ranges so) and tagged on the VPC as \`${ROUTE_ELSEWHERE_TAG_PREFIX}${r.cidr}\` (AIR-D021); to deploy, give \`transitGatewayId\` or \`vpcPeeringConnectionId\`, or deploy into the network that has the route (\`network\`). Reason: ${r.managedElsewhere.reason.trim()}`,
    });
  });
  // The VPC's default security group allows all traffic between its members; empty it.
  new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, ingress: [], egress: [], tags: { ...tags, Name: `${name}-default-locked` } }, { parent });
  const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, { parent });
  const publicRt = new aws.ec2.RouteTable(
    `${name}-public-rt`,
    { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: { ...tags, Name: `${name}-public` } },
    { parent },
  );
  const nats: aws.ec2.NatGateway[] = [];
  const privateSubnets: aws.ec2.Subnet[] = [];
  const privateRouteEntries: aws.types.input.ec2.RouteTableRoute[] = privateRoutes
    .filter((r) => r.managedElsewhere === undefined)
    .map((r) => ({ cidrBlock: r.cidr, ...(r.transitGatewayId !== undefined ? { transitGatewayId: r.transitGatewayId } : { vpcPeeringConnectionId: r.vpcPeeringConnectionId! }) }));
  const privateSubnetIds: pulumi.Output<string>[] = [];
  const privateRouteTableIds: pulumi.Output<string>[] = [];
  const isolatedSubnetIds: pulumi.Output<string>[] = [];
  const isolatedRt = new aws.ec2.RouteTable(`${name}-isolated-rt`, { vpcId: vpc.id, tags: { ...tags, Name: `${name}-isolated` } }, { parent });
  zones.forEach((zone, i) => {
    const pub = new aws.ec2.Subnet(
      `${name}-public-${zone}`,
      { vpcId: vpc.id, cidrBlock: publicCidrs![i]!, availabilityZone: zone, mapPublicIpOnLaunch: false, tags: { ...tags, Name: `${name}-public-${zone}`, [TAGS.tier]: "public" } },
      { parent },
    );
    new aws.ec2.RouteTableAssociation(`${name}-public-${zone}`, { subnetId: pub.id, routeTableId: publicRt.id }, { parent });
    if (natMode === "per-zone" || i === 0) {
      // A public NAT gateway and its address need the internet gateway attached first
      // (the EC2 docs; the Terraform docs of aws_eip and aws_nat_gateway say to depend on it).
      const eip = new aws.ec2.Eip(`${name}-nat-${zone}`, { domain: "vpc", tags }, { parent, dependsOn: [igw] });
      nats.push(new aws.ec2.NatGateway(`${name}-nat-${zone}`, { subnetId: pub.id, allocationId: eip.id, tags: { ...tags, Name: `${name}-nat-${zone}` } }, { parent, dependsOn: [igw] }));
    }
    const priv = new aws.ec2.Subnet(
      `${name}-private-${zone}`,
      { vpcId: vpc.id, cidrBlock: privateCidrs![i]!, availabilityZone: zone, tags: { ...tags, Name: `${name}-private-${zone}`, [TAGS.tier]: "private" } },
      { parent },
    );
    privateSubnets.push(priv);
    const iso = new aws.ec2.Subnet(
      `${name}-isolated-${zone}`,
      { vpcId: vpc.id, cidrBlock: isolatedCidrs![i]!, availabilityZone: zone, tags: { ...tags, Name: `${name}-isolated-${zone}`, [TAGS.tier]: "isolated" } },
      { parent },
    );
    new aws.ec2.RouteTableAssociation(`${name}-isolated-${zone}`, { subnetId: iso.id, routeTableId: isolatedRt.id }, { parent });
    isolatedSubnetIds.push(iso.id);
  });
  // A route to a transit gateway carries traffic only once the VPC is attached to it in each
  // zone ("traffic is forwarded to the transit gateway only when the transit gateway has an
  // attachment in a subnet in the same Availability Zone", AWS Transit Gateway guide); a new
  // VPC can only be attached here. A gateway shared from another account may need its owner to
  // accept the attachment (unless it accepts shared attachments automatically).
  const attachments = [...new Set(privateRoutes.flatMap((r) => (r.transitGatewayId !== undefined && r.managedElsewhere === undefined ? [r.transitGatewayId] : [])))].map(
    (tgw, i) =>
      new aws.ec2transitgateway.VpcAttachment(
        `${name}-tgw-${i}`,
        { vpcId: vpc.id, transitGatewayId: tgw, subnetIds: privateSubnets.map((x) => x.id), tags: { ...tags, Name: `${name}-tgw-${i}` } },
        { parent },
      ),
  );
  zones.forEach((zone, i) => {
    const nat = nats[natMode === "per-zone" ? i : 0]!;
    const priv = privateSubnets[i]!;
    const rt = new aws.ec2.RouteTable(
      `${name}-private-${zone}`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }, ...privateRouteEntries], tags: { ...tags, Name: `${name}-private-${zone}` } },
      { parent, dependsOn: attachments },
    );
    new aws.ec2.RouteTableAssociation(`${name}-private-${zone}`, { subnetId: priv.id, routeTableId: rt.id }, { parent });
    privateSubnetIds.push(priv.id);
    privateRouteTableIds.push(rt.id);
  });
  return { vpcId: vpc.id, privateSubnetIds, privateRouteTableIds, isolatedSubnetIds, isolatedRouteTableIds: [isolatedRt.id] };
}

function prefixFor(vpcCidr: string): number {
  const prefix = Number(vpcCidr.split("/")[1]);
  return Math.min(prefix + 4, 28);
}

function chunk<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
