/**
 * The VPC endpoints the agents reach AWS through: interface endpoints in the private subnets
 * behind one security group (HTTPS from the VPC), gateway endpoints (S3, DynamoDB) on the private
 * and isolated route tables, each with an endpoint policy that keeps to this account.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DNS_FIREWALL_FACTS, endpointsForServices, type AgentModel, type EndpointSpec } from "@airlock/core";
import type { AwsContext } from "../aws-context.ts";
import { policyJson, type StatementInput } from "../policy.ts";
import type { PlatformNetwork } from "./network.ts";

/** The endpoints made, and what the agents' security groups and the DNS firewall need of them. */
export interface PlatformEndpoints {
  /** Every endpoint, gateway and interface, in the order made. */
  readonly endpoints: readonly EndpointSpec[];
  /** Security group of the interface endpoints. */
  readonly securityGroupId: pulumi.Output<string>;
  /** Managed prefix lists of the gateway endpoints, by endpoint suffix. */
  readonly gatewayPrefixListIds: Readonly<Record<string, pulumi.Output<string>>>;
  /** Interface endpoint suffixes. */
  readonly interfaceSuffixes: readonly string[];
}

/** The endpoints of the AWS services `agents` call, in `network`'s VPC; children of `parent`. */
export function platformEndpoints(
  name: string,
  agents: readonly AgentModel[],
  network: PlatformNetwork & { readonly vpcCidr: string },
  ctx: AwsContext,
  tags: Readonly<Record<string, string>>,
  parent: pulumi.Resource,
): PlatformEndpoints {
  const { vpcId, privateSubnetIds, privateRouteTableIds, isolatedRouteTableIds } = network;
  const services = new Set<string>(agents.flatMap((a) => a.egress.awsServices));
  const endpoints = endpointsForServices(services);
  const endpointSg = new aws.ec2.SecurityGroup(
    `${name}-endpoints`,
    {
      vpcId,
      description: "Airlock VPC interface endpoints: HTTPS from inside the VPC only",
      ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [network.vpcCidr], description: "HTTPS from the VPC" }],
      egress: [],
      tags: { ...tags, Name: `${name}-endpoints` },
    },
    { parent },
  );
  const prefixLists: Record<string, pulumi.Output<string>> = {};
  for (const e of endpoints) {
    const serviceName = `com.amazonaws.${ctx.region}.${e.suffix}`;
    if (e.type === "Gateway") {
      const ep = new aws.ec2.VpcEndpoint(
        `${name}-${e.suffix}`,
        {
          vpcId,
          serviceName,
          vpcEndpointType: "Gateway",
          routeTableIds: Array.isArray(privateRouteTableIds) && Array.isArray(isolatedRouteTableIds)
            ? [...privateRouteTableIds, ...isolatedRouteTableIds]
            : pulumi.all([privateRouteTableIds, isolatedRouteTableIds]).apply(([p, i]) => [...p, ...i]),
          policy: endpointPolicy(e.suffix, ctx),
          tags: { ...tags, Name: `${name}-${e.suffix}` },
        },
        { parent },
      );
      prefixLists[e.suffix] = ep.prefixListId;
    } else {
      new aws.ec2.VpcEndpoint(
        `${name}-${e.suffix}`,
        {
          vpcId,
          serviceName,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: privateSubnetIds,
          securityGroupIds: [endpointSg.id],
          policy: endpointPolicy(e.suffix, ctx),
          tags: { ...tags, Name: `${name}-${e.suffix}` },
        },
        { parent },
      );
    }
  }
  return {
    endpoints,
    securityGroupId: endpointSg.id,
    gatewayPrefixListIds: prefixLists,
    interfaceSuffixes: endpoints.filter((e) => e.type === "Interface").map((e) => e.suffix),
  };
}

/** Domain names an endpoint answers to inside the VPC (private DNS), for the DNS firewall. */
export function endpointDomains(e: EndpointSpec, region: string): string[] {
  switch (e.suffix) {
    case "ecr.api":
      return [`api.ecr.${region}.amazonaws.com`];
    case "ecr.dkr":
      return [`dkr.ecr.${region}.amazonaws.com`, `*.dkr.ecr.${region}.amazonaws.com`];
    case "s3":
      // us-east-1 also answers on the legacy global names.
      return [`s3.${region}.amazonaws.com`, `*.s3.${region}.amazonaws.com`, ...(region === "us-east-1" ? ["s3.amazonaws.com", "*.s3.amazonaws.com"] : [])];
    case "dynamodb":
      // Current AWS SDKs call account-based endpoints (`<account>.ddb.<region>.amazonaws.com`) by
      // default when they know the account (AWS SDKs and Tools reference, "Account-based endpoints").
      return [`dynamodb.${region}.amazonaws.com`, `*.ddb.${region}.amazonaws.com`];
    default:
      return [`${e.suffix}.${region}.amazonaws.com`];
  }
}

/**
 * The endpoint policy of each VPC endpoint: only this account's principals may use it (an
 * identity perimeter: a stolen key of another account cannot leave through it), and on the
 * gateway endpoints and Secrets Manager only on this account's resources. The one documented
 * exception: ECR image layers are read from the region's layer bucket, which AWS owns.
 * The size limit of an endpoint policy is 20,480 characters.
 */
export function endpointPolicy(suffix: string, ctx: AwsContext): pulumi.Output<string> {
  const own: StatementInput["Condition"] = { StringEquals: { "aws:PrincipalAccount": ctx.accountId } };
  const ownOnOwn: StatementInput["Condition"] = { StringEquals: { "aws:PrincipalAccount": ctx.accountId, "aws:ResourceAccount": ctx.accountId } };
  switch (suffix) {
    case "s3":
      return policyJson([
        {
          Sid: "EcrImageLayers",
          Effect: "Allow",
          Principal: "*",
          Action: ["s3:GetObject"],
          // ${DNS_FIREWALL_FACTS.ecrLayers.source.url}
          Resource: [pulumi.interpolate`arn:${ctx.partition}:s3:::prod-${ctx.region}-starport-layer-bucket/*`],
        },
        { Sid: "OwnPrincipalsOwnBuckets", Effect: "Allow", Principal: "*", Action: ["s3:*"], Resource: "*", Condition: ownOnOwn },
      ]);
    case "dynamodb":
    case "secretsmanager":
      return policyJson([{ Sid: "OwnPrincipalsOwnResources", Effect: "Allow", Principal: "*", Action: [`${suffix}:*`], Resource: "*", Condition: ownOnOwn }]);
    default:
      return policyJson([{ Sid: "OwnPrincipals", Effect: "Allow", Principal: "*", Action: ["*"], Resource: "*", Condition: own }]);
  }
}
