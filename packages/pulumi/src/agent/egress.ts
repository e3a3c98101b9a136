/**
 * Security group egress, as rules: HTTPS to the VPC's AWS endpoints, DNS to the resolver (the DNS
 * firewall filters it), and for the agent each allowed host's published ranges on 443. No ingress
 * anywhere: the groups that take these rules have none.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { sanitizeSecurityGroupDescription, type AgentModel } from "@airlock/core";
import type { AgentPlatform } from "../platform/agent-platform.ts";

/** One egress rule of a security group. */
export type EgressRule = aws.types.input.ec2.SecurityGroupEgress;

/** HTTPS to the interface endpoints and the given gateway endpoints, and DNS to the VPC resolver. */
export function endpointEgressRules(platform: AgentPlatform, gateways: readonly string[]): EgressRule[] {
  const rules: EgressRule[] = [
    { protocol: "tcp", fromPort: 443, toPort: 443, securityGroups: [platform.endpointSecurityGroupId], description: "HTTPS to the AWS interface endpoints" },
  ];
  for (const g of gateways) {
    const pl = platform.gatewayPrefixListIds[g];
    if (pl) rules.push({ protocol: "tcp", fromPort: 443, toPort: 443, prefixListIds: [pl], description: `HTTPS to the ${g} gateway endpoint` });
  }
  const resolver = `${platform.resolverAddress}/32`;
  rules.push(
    { protocol: "udp", fromPort: 53, toPort: 53, cidrBlocks: [resolver], description: "DNS to the VPC resolver (filtered by the DNS firewall)" },
    { protocol: "tcp", fromPort: 53, toPort: 53, cidrBlocks: [resolver], description: "DNS over TCP to the VPC resolver" },
  );
  return rules;
}

/** The agent's egress: the endpoints, each allowed host's published ranges on 443, DNS. */
export function agentEgressRules(model: AgentModel, platform: AgentPlatform): EgressRule[] {
  const gateways = model.egress.awsServices.filter((s) => s === "s3" || s === "dynamodb");
  const rules = endpointEgressRules(platform, gateways);
  for (const [host, ranges] of Object.entries(model.egress.rangesByHost).sort(([a], [b]) => a.localeCompare(b))) {
    const v4 = ranges.filter((c) => !c.includes(":"));
    const v6 = ranges.filter((c) => c.includes(":"));
    rules.push({
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      ...(v4.length > 0 ? { cidrBlocks: v4 } : {}),
      ...(v6.length > 0 ? { ipv6CidrBlocks: v6 } : {}),
      description: sanitizeSecurityGroupDescription(`HTTPS to ${host}`),
    });
  }
  if (model.egress.anyIpOn443) {
    rules.push({
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrBlocks: ["0.0.0.0/0"],
      ipv6CidrBlocks: ["::/0"],
      // EC2 takes 255 characters of a-z A-Z 0-9 and ._-:/()#,@[]+=&;{}!$* only; the reason is free text.
      description: sanitizeSecurityGroupDescription(`OPT-OUT anyIpOn443 (DNS firewall only): ${model.egress.anyIpOn443.reason}`),
    });
  }
  return rules;
}

/** The agent's security group (`${name}-agent`, child of `parent`): no ingress, egress only to the allowlist. */
export function agentSecurityGroup(name: string, model: AgentModel, platform: AgentPlatform, tags: Record<string, string>, parent: pulumi.Resource): aws.ec2.SecurityGroup {
  return new aws.ec2.SecurityGroup(
    `${name}-agent`,
    {
      vpcId: platform.vpcId,
      description: sanitizeSecurityGroupDescription(`${model.name}: no ingress; egress only to the allowlist`),
      ingress: [],
      egress: agentEgressRules(model, platform),
      tags: { ...tags, Name: `${model.name}-agent` },
    },
    { parent },
  );
}
