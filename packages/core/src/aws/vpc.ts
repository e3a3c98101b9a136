/**
 * VPC facts the network resources rely on: creation order around the internet gateway, and how
 * a route table picks the route for a destination.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

export const VPC_FACTS = {
  natGatewayAfterInternetGateway: {
    url: "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/nat_gateway",
    quote:
      "# To ensure proper ordering, it is recommended to add an explicit dependency # on the Internet Gateway for the VPC. depends_on = [aws_internet_gateway.example] (earlier revisions of the page: \"Note: It's recommended to denote that the NAT Gateway depends on the Internet Gateway for the VPC in which the NAT Gateway's subnet is located.\")",
    checked: FACTS_CHECKED,
  },
  eipAfterInternetGateway: {
    url: "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eip",
    quote: "Note: EIP may require IGW to exist prior to association. Use `depends_on` to set an explicit dependency on the IGW.",
    checked: FACTS_CHECKED,
  },
  routePriority: {
    url: "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html",
    quote:
      "A route table contains a set of rules, called routes, that determine where network traffic from your subnet or gateway is directed. … In general, we direct traffic using the most specific route that matches the traffic. This is known as the longest prefix match. … Any traffic from the subnet that's destined for the 172.31.0.0/16 IP address range uses the peering connection, because this route is more specific than the route for internet gateway. Any traffic destined for a target within the VPC (10.0.0.0/16) is covered by the local route",
    checked: FACTS_CHECKED,
  },
  transitGatewayAttachment: {
    url: "https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html",
    quote:
      "If there is a route to the transit gateway in a subnet route table, traffic is forwarded to the transit gateway only when the transit gateway has an attachment in a subnet in the same Availability Zone.",
    checked: FACTS_CHECKED,
  },
} as const satisfies Record<string, FactSource>;

/** The partition of a Region: `aws-cn` for China, `aws-us-gov` for GovCloud, else `aws`. */
export function partitionOfRegion(region: string): string {
  return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}
