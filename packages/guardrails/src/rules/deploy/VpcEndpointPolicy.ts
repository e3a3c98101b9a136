/**
 * Every Gateway or Interface `aws.ec2.VpcEndpoint` (the provider's default type is Gateway) has an
 * endpoint policy, its own `policy` or an `aws.ec2.VpcEndpointPolicy`: without one AWS attaches
 * the default policy, which lets any principal do anything on the service through the endpoint.
 * A policy is at most 20,480 characters, white space included. And in a VPC with ECR endpoints
 * (`ecr.dkr`, `ecr.api`) and an S3 gateway endpoint, the S3 endpoint's policy allows
 * `s3:GetObject` on `arn:<partition>:s3:::prod-<region>-starport-layer-bucket/*`, where ECR keeps
 * image layers, or image pulls fail (`VPC_ENDPOINT_FACTS` in `@airlock/core`). For that grant an
 * Allow statement counts unless its condition tests the resource's owner (`aws:ResourceAccount`,
 * `s3:ResourceAccount`, `aws:ResourceOrgID`, `aws:ResourceOrgPaths`: the bucket is AWS's, not
 * yours); principals and other conditions are not evaluated, and a Deny counts only without a
 * condition. Services that take no endpoint policy at all are not told apart.
 */
import { ecrLayerBucketObjects, partitionOfRegion, VPC_ENDPOINT_FACTS, VPC_ENDPOINT_POLICY_MAX } from "@airlock/core";
import type { StackInput, StackResource, StackRule, StackViolation } from "../../rule.ts";
import { coversAction, coversResource, ofType, policyStatementsOf, referent, resourceLabel, type PolicyStatement } from "../../support.ts";
import { endpointService } from "./DnsFirewallResolvesAwsNames.ts";
import { vpcKey } from "./NatGatewayAfterInternetGateway.ts";
import { EC2_VPC as VPC, EC2_VPC_ENDPOINT as VPC_ENDPOINT, EC2_VPC_ENDPOINT_POLICY as ENDPOINT_POLICY } from "../../types.ts";

const OWNER_KEYS = ["aws:resourceaccount", "s3:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths"];
const LAYER_READ = "s3:GetObject";

function applies(s: PolicyStatement, arn: string): boolean {
  return coversAction(s, LAYER_READ) && coversResource(s, arn);
}

/** Whether an endpoint policy lets tasks read the ECR layer objects `arn`. */
export function allowsLayerRead(doc: unknown, arn: string): boolean {
  const statements = policyStatementsOf(doc);
  if (statements.some((s) => s.effect === "Deny" && !s.hasCondition && applies(s, arn))) return false;
  return statements.some((s) => s.effect === "Allow" && applies(s, arn) && !s.conditionKeys.some((k) => OWNER_KEYS.includes(k.toLowerCase())));
}

export const VpcEndpointPolicy: StackRule = {
  kind: "stack",
  name: "VpcEndpointPolicy",
  check({ resources }: StackInput): StackViolation[] {
    const vpcs = ofType(resources, VPC);
    const attached = ofType(resources, ENDPOINT_POLICY);
    const endpoints = ofType(resources, VPC_ENDPOINT);
    const policyOf = (e: StackResource): unknown => e.props.policy ?? attached.find((p) => referent(p.props.vpcEndpointId, [e], p) !== undefined)?.props.policy;
    const out: StackViolation[] = [];
    for (const e of endpoints) {
      const type = e.props.vpcEndpointType ?? "Gateway";
      if (type !== "Gateway" && type !== "Interface") continue;
      const doc = policyOf(e);
      const service = typeof e.props.serviceName === "string" ? e.props.serviceName : "its service";
      if (doc === undefined || doc === null || doc === "") {
        out.push({
          subject: e.urn,
          message: `${resourceLabel(e)} (${type} endpoint for ${service}): no \`policy\`, so AWS attaches the default endpoint policy, which lets every principal do every action on every resource of the service through the endpoint; set \`policy\` to a document that admits only your account's principals (and, where the service allows, resources) (${VPC_ENDPOINT_FACTS.defaultPolicy.url})`,
        });
        continue;
      }
      if (doc === "[secret]") continue;
      const text = typeof doc === "string" ? doc : JSON.stringify(doc);
      if (text.length > VPC_ENDPOINT_POLICY_MAX) {
        out.push({
          subject: e.urn,
          message: `${resourceLabel(e)}: \`policy\` is ${text.length} characters (white space included); an endpoint policy may have at most ${VPC_ENDPOINT_POLICY_MAX}; shorten it (fewer statements, wildcards in resource names) (${VPC_ENDPOINT_FACTS.size.url})`,
        });
      }
    }
    for (const s3 of endpoints) {
      const service = endpointService(s3.props.serviceName);
      if (service?.suffix !== "s3" || (s3.props.vpcEndpointType ?? "Gateway") !== "Gateway") continue;
      const vpc = vpcKey(s3.props.vpcId, s3, vpcs);
      const ecr = endpoints.filter((e) => vpc !== undefined && vpcKey(e.props.vpcId, e, vpcs) === vpc && /^ecr\.(dkr|api)$/.test(endpointService(e.props.serviceName)?.suffix ?? ""));
      const doc = policyOf(s3);
      if (ecr.length === 0 || doc === undefined || doc === null || doc === "" || doc === "[secret]") continue;
      const arn = ecrLayerBucketObjects(partitionOfRegion(service.region), service.region);
      if (allowsLayerRead(doc, arn)) continue;
      out.push({
        subject: s3.urn,
        message: `${resourceLabel(s3)}: the S3 gateway endpoint's \`policy\` does not allow \`${LAYER_READ}\` on \`${arn}\` (ECR's layer bucket, owned by AWS), while the VPC has ECR endpoints (${ecr.map((e) => `\`${e.name}\``).join(", ")}); image pulls through them fail when the layers are downloaded; add a statement allowing \`${LAYER_READ}\` on that ARN (principal \`*\`), with no condition on the resource's account (${VPC_ENDPOINT_FACTS.ecrLayerBucket.url})`,
      });
    }
    return out;
  },
};
