/**
 * A public NAT gateway (`connectivityType` absent or `public`) and the VPC Elastic IP it uses
 * (`allocationId`, `secondaryAllocationIds`) wait (dependsOn, directly or through other
 * resources) for the internet gateway of the NAT gateway's VPC: an `aws.ec2.InternetGateway` with
 * that `vpcId`, or an `aws.ec2.InternetGatewayAttachment` to it. Nothing in their inputs refers to
 * the internet gateway, so without the dependency the engine may create them first, and AWS can
 * refuse them while the VPC has no internet gateway (`VPC_FACTS` in `@airlock/core`, from the
 * Terraform AWS provider's aws_nat_gateway and aws_eip pages). The VPC is the NAT gateway's
 * `vpcId` (regional NAT gateways) or its subnet's; not applicable when neither the subnet nor an
 * internet gateway of that VPC is in the stack.
 */
import { VPC_FACTS } from "@airlock/core";
import type { StackInput, StackResource, StackRule, StackViolation } from "../../rule.ts";
import { dependencyClosure, knownString, ofType, referent, resourceLabel } from "../../support.ts";
import { EC2_EIP as EIP, EC2_INTERNET_GATEWAY as IGW, EC2_INTERNET_GATEWAY_ATTACHMENT as IGW_ATTACHMENT, EC2_NAT_GATEWAY as NAT, EC2_SUBNET as SUBNET, EC2_VPC as VPC } from "../../types.ts";

/** How a `vpcId` input is compared: the VPC's URN when it is in the stack, else the id itself. */
export function vpcKey(value: unknown, holder: StackResource, vpcs: readonly StackResource[]): string | undefined {
  return referent(value, vpcs, holder)?.urn ?? knownString(value);
}

export const NatGatewayAfterInternetGateway: StackRule = {
  kind: "stack",
  name: "NatGatewayAfterInternetGateway",
  check({ resources }: StackInput): StackViolation[] {
    const vpcs = ofType(resources, VPC);
    const subnets = ofType(resources, SUBNET);
    const eips = ofType(resources, EIP);
    const gatewaysOf = (vpc: string) => [
      ...ofType(resources, IGW).filter((g) => vpcKey(g.props.vpcId, g, vpcs) === vpc),
      ...ofType(resources, IGW_ATTACHMENT).filter((a) => vpcKey(a.props.vpcId, a, vpcs) === vpc),
    ];
    const waitsFor = dependencyClosure(resources);
    const out: StackViolation[] = [];
    const reported = new Set<string>();
    const check = (r: StackResource, gateways: readonly StackResource[], what: string, quote: string, url: string) => {
      if (reported.has(r.urn) || gateways.some((g) => waitsFor(r, g))) return;
      reported.add(r.urn);
      const list = gateways.map((g) => `\`${g.name}\``).join(" or ");
      out.push({
        subject: r.urn,
        message: `${resourceLabel(r)}: ${what} does not wait for the internet gateway of its VPC (${list}), so it can be created first and refused while the VPC has no internet gateway; add ${list} to its \`dependsOn\` (${quote}: ${url})`,
      });
    };
    for (const nat of ofType(resources, NAT)) {
      const connectivity = nat.props.connectivityType;
      if (connectivity !== undefined && connectivity !== "public") continue;
      const subnet = referent(nat.props.subnetId, subnets, nat);
      const vpc = nat.props.vpcId !== undefined ? vpcKey(nat.props.vpcId, nat, vpcs) : subnet !== undefined ? vpcKey(subnet.props.vpcId, subnet, vpcs) : undefined;
      if (vpc === undefined) continue;
      const gateways = gatewaysOf(vpc);
      if (gateways.length === 0) continue;
      check(nat, gateways, "a public NAT gateway that", `aws_nat_gateway: "it is recommended to add an explicit dependency on the Internet Gateway for the VPC"`, VPC_FACTS.natGatewayAfterInternetGateway.url);
      // The primary allocation, when unknown at preview, is the EIP the NAT gateway depends on directly.
      const allocations = [nat.props.allocationId, ...(Array.isArray(nat.props.secondaryAllocationIds) ? nat.props.secondaryAllocationIds.filter((a) => a !== undefined && a !== null) : [])];
      for (const allocation of allocations) {
        const eip = referent(allocation, eips, nat, ["allocationId"]);
        if (eip === undefined || eip.props.domain === "standard") continue;
        check(eip, gateways, `the address of NAT gateway \`${nat.name}\``, `aws_eip: "EIP may require IGW to exist prior to association"`, VPC_FACTS.eipAfterInternetGateway.url);
      }
    }
    return out;
  },
};
