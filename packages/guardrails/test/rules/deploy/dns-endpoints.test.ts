/**
 * AIR-D014..D016: a fail-closed DNS firewall still resolves AWS's own names, VPC endpoints carry
 * policies (and S3's admits ECR's layer bucket), and the firewall lock is a visible choice.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DnsFirewallResolvesAwsNames, endpointService } from "../../../src/rules/deploy/DnsFirewallResolvesAwsNames.ts";
import { allowsLayerRead, VpcEndpointPolicy } from "../../../src/rules/deploy/VpcEndpointPolicy.ts";
import { DnsFirewallAssociationMutationProtection } from "../../../src/rules/deploy/DnsFirewallAssociationMutationProtection.ts";
import type { StackResource } from "../../../src/rule.ts";
import { check } from "../../helpers.ts";
import { policy, res } from "./plan-shapes.ts";

const VPC = res("aws:ec2/vpc:Vpc", "acme-vpc", { cidrBlock: "10.40.0.0/16" });
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const endpoint = (suffix: string, props: Record<string, unknown> = {}) =>
  res(ENDPOINT, `acme-${suffix}`, {
    serviceName: `com.amazonaws.us-east-1.${suffix}`,
    vpcEndpointType: suffix === "s3" || suffix === "dynamodb" ? "Gateway" : "Interface",
    vpcId: "acme-vpc-id",
    policy: policy({ Sid: "OwnPrincipals", Effect: "Allow", Principal: "*", Action: ["*"], Resource: "*", Condition: { StringEquals: { "aws:PrincipalAccount": "123456789012" } } }),
    ...props,
  });
const ENDPOINTS = ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "s3"].map((s) => endpoint(s));
const TASK_DEF = res("aws:ecs/taskDefinition:TaskDefinition", "support-agent", { containerDefinitions: JSON.stringify([{ name: "agent", image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:00" }]) });

describe("DnsFirewallResolvesAwsNames (AIR-D014)", () => {
  const group = res("aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup", "acme-dns", { name: "acme-dev-dns" });
  const allowed = res("aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList", "acme-allowed", {
    name: "acme-dev-allowed",
    domains: ["*.dkr.ecr.us-east-1.amazonaws.com", "api.ecr.us-east-1.amazonaws.com", "*.s3.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com", "logs.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"],
  });
  const everything = res("aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList", "acme-everything", { name: "acme-dev-everything", domains: ["*"] });
  const allow = (props: Record<string, unknown> = { firewallDomainRedirectionAction: "TRUST_REDIRECTION_DOMAIN" }) =>
    res("aws:route53/resolverFirewallRule:ResolverFirewallRule", "acme-allow", { action: "ALLOW", firewallDomainListId: "acme-allowed-id", firewallRuleGroupId: "acme-dns-id", name: "acme-allow", priority: 100, ...props });
  const block = res("aws:route53/resolverFirewallRule:ResolverFirewallRule", "acme-block-rest", { action: "BLOCK", blockResponse: "NXDOMAIN", firewallDomainListId: "acme-everything-id", firewallRuleGroupId: "acme-dns-id", name: "acme-block-rest", priority: 200 });
  const association = res("aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation", "acme-dns", { firewallRuleGroupId: "acme-dns-id", mutationProtection: "DISABLED", name: "acme-dns", priority: 101, vpcId: "acme-vpc-id" });
  const stack = (rules: StackResource[], extra: StackResource[] = []) => [VPC, ...ENDPOINTS, TASK_DEF, group, allowed, everything, ...rules, association, ...extra];

  it("given the platform's rules (allow list trusting redirection, then BLOCK *), then every name resolves", () => {
    assert.deepEqual(DnsFirewallResolvesAwsNames.check({ resources: stack([allow(), block]) }), []);
  });

  it("given the ALLOW rule without `firewallDomainRedirectionAction` (missing property: AWS inspects the whole chain), then the layer download's CNAME target is reported with both fixes", () => {
    assert.deepEqual(DnsFirewallResolvesAwsNames.check({ resources: stack([allow({}), block]) }), [
      {
        subject: association.urn,
        message:
          "DNS firewall rule `acme-block-rest` (BLOCK, domain list `acme-dev-everything`) of VPC `acme-vpc` blocks `s3-r-w.us-east-1.amazonaws.com`, the CNAME target `prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com` resolves through (image layer download (ECR layer bucket in S3)): rule `acme-allow` allows `prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com` but inspects every name of its redirection chain (INSPECT_REDIRECTION_DOMAIN, the default), so tasks in the VPC cannot resolve it and cannot start; set `firewallDomainRedirectionAction: TRUST_REDIRECTION_DOMAIN` on `acme-allow`, or list the chain (`s3-r-w.us-east-1.amazonaws.com`) in its domain list (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-rule-settings.html)",
      },
    ]);
  });

  it("given an interface endpoint whose name the allow list lacks, then that name is reported with what it is for", () => {
    const found = DnsFirewallResolvesAwsNames.check({ resources: stack([allow(), block], [endpoint("bedrock-runtime")]) });
    assert.deepEqual(found, [
      {
        subject: association.urn,
        message:
          "DNS firewall rule `acme-block-rest` (BLOCK, domain list `acme-dev-everything`) of VPC `acme-vpc` blocks `bedrock-runtime.us-east-1.amazonaws.com` (bedrock-runtime API (interface endpoint)), so tasks in the VPC cannot resolve it and cannot start; add `bedrock-runtime.us-east-1.amazonaws.com` to the domain list of an ALLOW rule that comes before `acme-block-rest` (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-user-managed-domain-lists.html)",
      },
    ]);
  });

  it("given the registry account only in ARNs (no ECR image in the stack), then it is still checked by that account", () => {
    const exact = { ...allowed, props: { ...allowed.props, domains: (allowed.props.domains as string[]).map((d) => (d.startsWith("*.dkr") ? "999999999999.dkr.ecr.us-east-1.amazonaws.com" : d)) } };
    const role = res("aws:iam/role:Role", "task", { name: "task", assumeRolePolicy: "{}", tags: { arn: "arn:aws:iam::123456789012:role/task" } });
    const resources = [VPC, ...ENDPOINTS, role, group, exact, everything, allow(), block, association];
    assert.deepEqual(DnsFirewallResolvesAwsNames.check({ resources }).map((f) => /blocks `([^`]+)`/.exec(f.message)![1]), ["123456789012.dkr.ecr.us-east-1.amazonaws.com"]);
  });

  it("given no catch-all BLOCK (fail open), or an ALLOW rule whose list is not in the stack, then not applicable", () => {
    assert.deepEqual(DnsFirewallResolvesAwsNames.check({ resources: stack([allow({})]) }), []);
    const managed = allow({ firewallDomainListId: "rslvr-fdl-0123456789abcdef" });
    assert.deepEqual(DnsFirewallResolvesAwsNames.check({ resources: stack([managed, block]) }), []);
  });

  it("given an AWS managed threat list BLOCKed first (not in the stack), then it is taken to block none of AWS's names", () => {
    const threats = res("aws:route53/resolverFirewallRule:ResolverFirewallRule", "acme-threats", { action: "BLOCK", blockResponse: "NODATA", firewallDomainListId: "rslvr-fdl-aws-malware", firewallRuleGroupId: "acme-dns-id", name: "acme-threats", priority: 50 });
    assert.deepEqual(DnsFirewallResolvesAwsNames.check({ resources: stack([threats, allow(), block]) }), []);
  });

  it("reads endpoint service names of every partition", () => {
    assert.deepEqual(endpointService("com.amazonaws.eu-central-1.ecr.dkr"), { region: "eu-central-1", suffix: "ecr.dkr" });
    assert.deepEqual(endpointService("cn.com.amazonaws.cn-north-1.s3"), { region: "cn-north-1", suffix: "s3" });
    assert.equal(endpointService("com.amazonaws.vpce.us-east-1.vpce-svc-0123"), undefined);
    assert.equal(endpointService(undefined), undefined);
  });
});

describe("VpcEndpointPolicy (AIR-D015)", () => {
  const layers = { Sid: "EcrImageLayers", Effect: "Allow", Principal: "*", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"] };
  const ownBuckets = { Sid: "OwnPrincipalsOwnBuckets", Effect: "Allow", Principal: "*", Action: ["s3:*"], Resource: "*", Condition: { StringEquals: { "aws:PrincipalAccount": "123456789012", "aws:ResourceAccount": "123456789012" } } };
  const s3 = (doc: string | undefined) => endpoint("s3", { policy: doc });
  const others = ENDPOINTS.filter((e) => !e.name.endsWith("s3"));

  it("given every endpoint with a policy and S3's admitting the layer bucket (today's platform), then compliant", () => {
    assert.deepEqual(VpcEndpointPolicy.check({ resources: [VPC, ...others, s3(policy(layers, ownBuckets))] }), []);
  });

  it("given an interface endpoint without `policy` (missing property), then reported with the default policy's meaning and the fix", () => {
    const logs = endpoint("logs", { policy: undefined });
    assert.deepEqual(VpcEndpointPolicy.check({ resources: [VPC, logs] }), [
      {
        subject: logs.urn,
        message:
          "ec2 VpcEndpoint `acme-logs` (Interface endpoint for com.amazonaws.us-east-1.logs): no `policy`, so AWS attaches the default endpoint policy, which lets every principal do every action on every resource of the service through the endpoint; set `policy` to a document that admits only your account's principals (and, where the service allows, resources) (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)",
      },
    ]);
  });

  it("given the policy in an aws.ec2.VpcEndpointPolicy instead, or a Gateway Load Balancer endpoint, then compliant", () => {
    const logs = endpoint("logs", { policy: undefined });
    const attached = res("aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy", "acme-logs", { vpcEndpointId: "acme-logs-id", policy: policy({ Effect: "Allow", Principal: "*", Action: "logs:*", Resource: "*" }) }, [logs.urn]);
    assert.deepEqual(VpcEndpointPolicy.check({ resources: [VPC, logs, attached] }), []);
    assert.deepEqual(VpcEndpointPolicy.check({ resources: [VPC, endpoint("vpce.gwlb", { vpcEndpointType: "GatewayLoadBalancer", policy: undefined })] }), []);
  });

  it("given a policy over 20,480 characters, then reported with its size", () => {
    const big = policy(...Array.from({ length: 200 }, (_, i) => ({ Sid: `Bucket${i}`, Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::team-bucket-with-a-long-name-${i}/*` })));
    const e = endpoint("dynamodb", { policy: big });
    assert.deepEqual(VpcEndpointPolicy.check({ resources: [VPC, e] }), [
      {
        subject: e.urn,
        message: `ec2 VpcEndpoint \`acme-dynamodb\`: \`policy\` is ${big.length} characters (white space included); an endpoint policy may have at most 20480; shorten it (fewer statements, wildcards in resource names) (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)`,
      },
    ]);
  });

  it("given ECR endpoints and an S3 policy that admits only the account's own buckets, then the layer bucket is reported", () => {
    const e = s3(policy(ownBuckets));
    assert.deepEqual(VpcEndpointPolicy.check({ resources: [VPC, ...others, e] }), [
      {
        subject: e.urn,
        message:
          "ec2 VpcEndpoint `acme-s3`: the S3 gateway endpoint's `policy` does not allow `s3:GetObject` on `arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*` (ECR's layer bucket, owned by AWS), while the VPC has ECR endpoints (`acme-ecr.api`, `acme-ecr.dkr`); image pulls through them fail when the layers are downloaded; add a statement allowing `s3:GetObject` on that ARN (principal `*`), with no condition on the resource's account (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-minimum-s3-perms)",
      },
    ]);
    // Without ECR endpoints in the VPC, S3's policy is the owner's business.
    assert.deepEqual(VpcEndpointPolicy.check({ resources: [VPC, e] }), []);
  });

  it("reads the layer grant as IAM does: wildcards count, an unconditioned Deny wins, the partition follows the Region", () => {
    const arn = "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*";
    assert.equal(allowsLayerRead(policy({ Effect: "Allow", Principal: "*", Action: "s3:Get*", Resource: "arn:aws:s3:::prod-*-starport-layer-bucket/*" }), arn), true);
    assert.equal(allowsLayerRead(policy({ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }), arn), true);
    assert.equal(allowsLayerRead(policy(layers, { Effect: "Deny", Principal: "*", NotAction: "s3:PutObject", Resource: "*" }), arn), false);
    assert.equal(allowsLayerRead(policy({ ...layers, Condition: { StringEquals: { "s3:ResourceAccount": "123456789012" } } }), arn), false);
    const cn = endpoint("s3", { serviceName: "cn.com.amazonaws.cn-north-1.s3", policy: policy(layers) });
    const [finding] = VpcEndpointPolicy.check({ resources: [VPC, endpoint("ecr.dkr"), cn] });
    assert.match(finding!.message, /`arn:aws-cn:s3:::prod-cn-north-1-starport-layer-bucket\/\*`/);
  });
});

describe("DnsFirewallAssociationMutationProtection (AIR-D016)", () => {
  const T = "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation";
  it("given the lock DISABLED (today's default), then compliant; without the property, not applicable", async () => {
    assert.deepEqual(await check(DnsFirewallAssociationMutationProtection, T, { name: "acme-dns", mutationProtection: "DISABLED" }), { status: "compliant" });
    assert.deepEqual(await check(DnsFirewallAssociationMutationProtection, T, { name: "acme-dns" }), { status: "not-applicable" });
  });
  it("given the lock ENABLED, then noted (info): what Pulumi cannot do until it is lifted, and how", async () => {
    assert.deepEqual(await check(DnsFirewallAssociationMutationProtection, T, { name: "acme-dns", mutationProtection: "ENABLED", vpcId: "acme-vpc-id" }), {
      status: "non-compliant",
      messages: [
        'DNS firewall association `acme-dns`: `mutationProtection` is ENABLED, so AWS disallows modifying or removing the association: Pulumi cannot replace or delete it (a new `vpcId` or `firewallRuleGroupId`, or `pulumi destroy`, fails) until an update sets `mutationProtection: "DISABLED"` first; keep it only as a deliberate lock (https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_AssociateFirewallRuleGroup.html)',
      ],
    });
  });
});
