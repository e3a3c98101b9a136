/**
 * AgentPlatform against AWS's documented rules (issue #11): creation order the engine must follow,
 * the DNS firewall that must still resolve AWS's own names, endpoint policies, routes to private
 * ranges, the firewall lock as an explicit choice and the provider's region.
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as aws from "@pulumi/aws";
import { knownChains, resolveChain, type AgentModel, type FirewallRuleSpec, type PlannedResource } from "@airlock/core";
import { recordProgram, type Recording } from "../src/plan/record.ts";
import { AgentPlatform } from "../src/platform/index.ts";
import { all, exampleModel, find, json, recordDeployment, TEST_APPROVALS, TEST_TRANSIT_GATEWAY } from "./harness.ts";

const T = {
  igw: "aws:ec2/internetGateway:InternetGateway",
  nat: "aws:ec2/natGateway:NatGateway",
  eip: "aws:ec2/eip:Eip",
  rule: "aws:route53/resolverFirewallRule:ResolverFirewallRule",
  list: "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList",
  association: "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  routeTable: "aws:ec2/routeTable:RouteTable",
  route: "aws:ec2/route:Route",
};

/** The firewall rules of a plan as the evaluator reads them (domain lists joined by the mocks' ids). */
function firewallRules(rec: Recording): FirewallRuleSpec[] {
  const lists = new Map(all(rec, T.list).map((l) => [`${l.name}-id`, l.inputs.domains as string[]]));
  return all(rec, T.rule).map((r) => ({
    name: r.name,
    priority: r.inputs.priority as number,
    action: r.inputs.action as FirewallRuleSpec["action"],
    domains: lists.get(r.inputs.firewallDomainListId as string) ?? [],
    ...(r.inputs.firewallDomainRedirectionAction !== undefined ? { redirection: r.inputs.firewallDomainRedirectionAction as FirewallRuleSpec["redirection"] } : {}),
  }));
}

function endpointSuffixes(rec: Recording): string[] {
  return all(rec, T.endpoint).map((e) => String(e.inputs.serviceName).replace(/^com\.amazonaws\.[a-z0-9-]+\./, ""));
}

describe("AgentPlatform: what AWS needs before the first deploy", () => {
  let model: AgentModel;
  let rec: Recording;
  before(async () => {
    model = await exampleModel();
    rec = await recordDeployment(model);
  });

  it("creates the NAT gateway and its address only after the internet gateway", () => {
    const igw = all(rec, T.igw)[0]!;
    for (const r of [...all(rec, T.nat), ...all(rec, T.eip)]) {
      assert.ok(r.dependsOn.includes(igw.urn), `${r.type} ${r.name} must depend on the internet gateway; has ${r.dependsOn.join(", ")}`);
    }
  });

  it("resolves every name a task needs to start (image, layers, secrets, logs, the agent's AWS APIs) through the fail-closed firewall", () => {
    const rules = firewallRules(rec);
    const chains = knownChains("us-east-1", "123456789012", endpointSuffixes(rec));
    assert.ok(chains.some((c) => c.purpose.startsWith("image layer")), "the layer download is among the proofs");
    for (const c of chains) {
      const r = resolveChain(rules, c.chain);
      assert.equal(r.resolved, true, `${c.purpose}: ${c.chain.join(" → ")} is blocked: ${JSON.stringify(r.decisions)}`);
    }
    for (const host of model.egress.hosts) assert.equal(resolveChain(rules, [host, "edge.cdn-of-the-vendor.example.net"]).resolved, true, host);
  });

  it("still blocks every other name, and would block the layer download if redirection were inspected (AWS's default)", () => {
    const rules = firewallRules(rec);
    assert.equal(resolveChain(rules, ["exfiltrate.attacker.example.com"]).resolved, false);
    assert.equal(resolveChain(rules, ["secretsmanager.us-east-1.amazonaws.com.attacker.example.com"]).resolved, false);
    const inspecting = rules.map(({ redirection: _r, ...rest }) => rest);
    const layers = knownChains("us-east-1", "123456789012", ["s3"]).find((c) => c.purpose.startsWith("image layer"))!;
    assert.equal(resolveChain(inspecting, layers.chain).resolved, false, "with INSPECT_REDIRECTION_DOMAIN the CNAME target is blocked");
  });

  it("lets alarms and EventBridge rules publish to the encrypted topics: the key for this stack's Airlock topics only", () => {
    const policy = json(all(rec, "aws:kms/key:Key").find((k) => k.inputs.keyUsage !== "SIGN_VERIFY") /* the platform key, not the audit anchor's signing key */!, "policy");
    const sid = (id: string) => policy.Statement.find((s: { Sid: string }) => s.Sid === id);
    const topics = "arn:aws:sns:us-east-1:123456789012:airlock-test-*";
    assert.deepEqual(sid("AlarmsPublishToEncryptedTopics"), {
      Sid: "AlarmsPublishToEncryptedTopics",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" }, ArnLike: { "kms:EncryptionContext:aws:sns:topicArn": topics } },
    });
    // EventBridge's KMS requests carry no source keys: only the topic is constrained.
    assert.deepEqual(sid("TaskStoppedRulesPublishToEncryptedTopics").Condition, { ArnLike: { "kms:EncryptionContext:aws:sns:topicArn": topics } });
    // Every topic and task-stopped rule the plan creates is one the key lets in.
    for (const t of all(rec, "aws:sns/topic:Topic")) assert.match(String(t.inputs.name), /^airlock-test-/);
    for (const r of all(rec, "aws:cloudwatch/eventRule:EventRule").filter((e) => e.inputs.eventPattern !== undefined)) assert.match(String(r.inputs.name), /^airlock-test-/);
  });

  it("leaves the firewall association unlocked unless the platform asks for the lock", async () => {
    assert.equal(all(rec, T.association)[0]!.inputs.mutationProtection, "DISABLED");
    const locked = await recordDeployment(model, { platform: { dnsFirewallMutationProtection: true } });
    assert.equal(all(locked, T.association)[0]!.inputs.mutationProtection, "ENABLED");
  });

  it("lets only this account's principals use each endpoint; S3 also only on this account's buckets, plus ECR's layer bucket", () => {
    const s3 = json(find(rec, T.endpoint, "platform-s3"), "policy");
    assert.deepEqual(s3.Statement, [
      { Sid: "EcrImageLayers", Effect: "Allow", Principal: "*", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"] },
      {
        Sid: "OwnPrincipalsOwnBuckets",
        Effect: "Allow",
        Principal: "*",
        Action: ["s3:*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:PrincipalAccount": "123456789012", "aws:ResourceAccount": "123456789012" } },
      },
    ]);
    for (const e of all(rec, T.endpoint)) {
      const policy = json(e, "policy");
      for (const s of policy.Statement.filter((x: { Sid: string }) => x.Sid !== "EcrImageLayers")) {
        assert.equal(s.Condition?.StringEquals?.["aws:PrincipalAccount"], "123456789012", `${e.name}: ${JSON.stringify(s)}`);
      }
    }
  });

  it("routes the agent's private range over the transit gateway from every private subnet", () => {
    for (const rt of all(rec, T.routeTable).filter((r) => r.name.includes("-private-"))) {
      assert.deepEqual(
        (rt.inputs.routes as unknown[]).filter((x) => (x as { transitGatewayId?: string }).transitGatewayId !== undefined),
        [{ cidrBlock: "10.20.8.0/24", transitGatewayId: TEST_TRANSIT_GATEWAY }],
      );
    }
    for (const rt of all(rec, T.routeTable).filter((r) => !r.name.includes("-private-"))) {
      assert.ok(!JSON.stringify(rt.inputs.routes ?? []).includes("10.20.8.0"), `${rt.name} must not route to the private range`);
    }
  });

  it("attaches the new VPC to the transit gateway in every zone before routing to it", () => {
    const attachments = all(rec, "aws:ec2transitgateway/vpcAttachment:VpcAttachment");
    assert.equal(attachments.length, 1);
    const [attachment] = attachments;
    const privateSubnets = all(rec, "aws:ec2/subnet:Subnet").filter((x) => x.name.includes("-private-"));
    assert.equal(attachment!.inputs.transitGatewayId, TEST_TRANSIT_GATEWAY);
    assert.deepEqual([...(attachment!.inputs.subnetIds as string[])].sort(), privateSubnets.map((x) => `${x.name}-id`).sort());
    for (const rt of all(rec, T.routeTable).filter((r) => r.name.includes("-private-"))) {
      assert.ok(rt.dependsOn.includes(attachment!.urn), `${rt.name} must wait for the attachment`);
    }
  });

  it("refuses a private egress range that no route reaches, naming the host and the fix", async () => {
    await assert.rejects(
      recordDeployment(model, { platform: { privateRoutes: [] } }),
      {
        message:
          "`agents`: agent `support-agent` allows api.billing.acme.example.com at 10.20.8.0/24, a private range outside the VPC (10.40.0.0/16) that no route reaches; add `privateRoutes: [{ cidr: \"10.20.8.0/24\", transitGatewayId: … }]` (or `vpcPeeringConnectionId`, or `managedElsewhere: { reason }` for a route your network team keeps), or list the host's public range",
      },
    );
  });

  it("checks each private route's target", async () => {
    await assert.rejects(recordDeployment(model, { platform: { privateRoutes: [{ cidr: "10.20.8.0/24" }] } }), {
      message: "`privateRoutes[0]`: give exactly one of `transitGatewayId`, `vpcPeeringConnectionId` or `managedElsewhere: { reason }`",
    });
    await assert.rejects(recordDeployment(model, { platform: { privateRoutes: [{ cidr: "10.20.8.0/33", transitGatewayId: TEST_TRANSIT_GATEWAY }] } }), {
      message: "`privateRoutes[0].cidr`: \"10.20.8.0/33\" is not an IPv4 CIDR block such as 10.20.0.0/16",
    });
  });

  it("adds the routes to an existing network's private route tables as route resources", async () => {
    const existing = await recordDeployment(model, {
      platform: {
        network: { vpcId: "vpc-0abc", vpcCidr: "10.50.0.0/16", privateSubnetIds: ["subnet-a", "subnet-b"], privateRouteTableIds: ["rtb-a", "rtb-b"] },
        privateRoutes: [{ cidr: "10.20.0.0/16", vpcPeeringConnectionId: "pcx-0123" }],
      },
    });
    assert.deepEqual(
      all(existing, T.route).map((r) => r.inputs),
      [
        { destinationCidrBlock: "10.20.0.0/16", routeTableId: "rtb-a", vpcPeeringConnectionId: "pcx-0123" },
        { destinationCidrBlock: "10.20.0.0/16", routeTableId: "rtb-b", vpcPeeringConnectionId: "pcx-0123" },
      ],
    );
  });
});

describe("AgentPlatform and an explicit AWS provider", () => {
  async function withProvider(providerRegion: string, region?: string): Promise<Recording> {
    const model = await exampleModel();
    return recordProgram({
      project: "airlock-test",
      stack: "test",
      config: { "aws:region": "us-east-1" },
      program: () => {
        const provider = new aws.Provider("eu", { region: providerRegion as aws.Region });
        new AgentPlatform(
          "platform",
          {
            agents: [model],
            ...(region !== undefined ? { region } : {}),
            approvals: { agents: { [model.name]: TEST_APPROVALS } },
            privateRoutes: [{ cidr: "10.20.8.0/24", transitGatewayId: TEST_TRANSIT_GATEWAY }],
          },
          { providers: { aws: provider } },
        );
      },
    });
  }

  it("fails when the provider deploys to another region than the one the names and ARNs were built for", async () => {
    // The failure surfaces as Pulumi surfaces any error inside an Output: a rejected registration.
    // The test runner would take that for a stray rejection of its own; recordProgram reports it.
    const runners = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const planned = withProvider("eu-west-1");
    await assert.rejects(planned.finally(() => runners.forEach((l) => process.on("unhandledRejection", l))), {
      message:
        "`region`: the AWS provider of this component deploys to eu-west-1, but the component was given us-east-1 (the `aws:region` config); pass `region: \"eu-west-1\"` (or give the component a provider for us-east-1)",
    });
  });

  it("builds endpoints, zones and ARNs in the provider's region when told it", async () => {
    // The example's image is in us-east-1, so only the platform is planned here.
    const rec = await withProvider("eu-west-1", "eu-west-1");
    const endpoints = all(rec, T.endpoint).map((e) => e.inputs.serviceName as string);
    assert.ok(endpoints.length > 0 && endpoints.every((s) => s.startsWith("com.amazonaws.eu-west-1.")), endpoints.join(", "));
    const subnets = all(rec, "aws:ec2/subnet:Subnet").map((s) => s.inputs.availabilityZone);
    assert.deepEqual([...new Set(subnets)].sort(), ["eu-west-1a", "eu-west-1b"]);
    const key = all(rec, "aws:kms/key:Key").find((k) => k.inputs.keyUsage !== "SIGN_VERIFY") /* the platform key, not the audit anchor's signing key */ as PlannedResource;
    assert.ok(String(key.inputs.policy).includes("logs.eu-west-1.amazonaws.com"));
  });
});

describe("caller tags", () => {
  it("refuses tag keys no service takes, before any resource, naming the key; values are made valid instead", async () => {
    const model = await exampleModel();
    for (const [tags, message] of [
      [{ "cost%centre": "x" }, "`tags.cost%centre`: tag keys are 1 to 127 letters, numbers, spaces and _ . : / = + - @ (what every service Airlock tags accepts); rename the key"],
      [{ "aws:team": "x" }, "`tags.aws:team`: the `aws:` prefix is reserved for AWS; rename the key"],
      [{ ["k".repeat(128)]: "x" }, `\`tags.${"k".repeat(128)}\`: tag keys are 1 to 127 letters, numbers, spaces and _ . : / = + - @ (what every service Airlock tags accepts); rename the key`],
      [Object.fromEntries(Array.from({ length: 39 }, (_, i) => [`t${i}`, "x"])), "`tags`: 39 tags; a resource carries at most 50 and Airlock adds up to 12, so give at most 38"],
    ] as const) {
      await assert.rejects(recordDeployment(model, { platform: { tags } }), { message });
      await assert.rejects(recordDeployment(model, { deployment: { tags } }), { message });
    }
    const rec = await recordDeployment(model, { platform: { tags: { "cost centre": "R&D 50%" } } });
    assert.equal(all(rec, "aws:ec2/vpc:Vpc")[0]!.inputs.tags && (all(rec, "aws:ec2/vpc:Vpc")[0]!.inputs.tags as Record<string, string>)["cost centre"], "R and D 50 percent");
  });
});

describe("the deploying principal", () => {
  const readers = (rec: Recording, secretName: string): string[] => {
    const policy = all(rec, "aws:secretsmanager/secretPolicy:SecretPolicy").find((p) => p.name.endsWith(`-${secretName}`))!;
    const deny = JSON.parse(String(policy.inputs.policy)).Statement.find((s: { Sid: string }) => s.Sid === "OnlyNamedRolesReadTheValue");
    return deny.Condition.StringNotEquals["aws:PrincipalArn"];
  };

  it("is the caller's role by default, and the platform's `deployerArn` when given, in the generated secret's readers", async () => {
    const model = await exampleModel();
    assert.ok(readers(await recordDeployment(model), "billing-api-token").includes("arn:aws:iam::123456789012:role/airlock-deployer"));
    const given = readers(await recordDeployment(model, { platform: { deployerArn: "arn:aws:iam::123456789012:role/ci/pipeline" } }), "billing-api-token");
    assert.ok(given.includes("arn:aws:iam::123456789012:role/ci/pipeline"), given.join(", "));
    assert.ok(!given.includes("arn:aws:iam::123456789012:role/airlock-deployer"), given.join(", "));
  });
});
