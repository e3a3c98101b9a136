/**
 * AIR-D017..D019: AWS services can publish to an encrypted topic, private egress has a route,
 * and a grant on a Bedrock inference profile covers every Region it routes to.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inferenceProfileModelArns } from "@airlock/core";
import { EncryptedTopicPublishers } from "../../../src/rules/deploy/EncryptedTopicPublishers.ts";
import { PrivateEgressRouted } from "../../../src/rules/deploy/PrivateEgressRouted.ts";
import { BedrockInferenceProfileGrants } from "../../../src/rules/deploy/BedrockInferenceProfileGrants.ts";
import type { StackResource } from "../../../src/rule.ts";
import { policy, res } from "./plan-shapes.ts";

const TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:airlock-dev-alarms";

describe("EncryptedTopicPublishers (AIR-D017)", () => {
  const admin = { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: ["kms:*"], Resource: "*" };
  const service = (Sid: string, principal: string, Action: string[] = ["kms:Decrypt", "kms:GenerateDataKey*"]) => ({
    Sid,
    Effect: "Allow",
    Principal: { Service: principal },
    Action,
    Resource: "*",
    Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
  });
  const keyPolicy = (...extra: object[]) => policy(admin, ...extra);
  const key = (doc: string | undefined = keyPolicy(service("Alarms", "cloudwatch.amazonaws.com"), service("Rules", "events.amazonaws.com"))) => res("aws:kms/key:Key", "acme-key", doc === undefined ? {} : { policy: doc });
  const topic = (props: Record<string, unknown> = {}, deps: string[] = [key().urn]) => res("aws:sns/topic:Topic", "acme-alerts", { name: "airlock-dev-alarms", kmsMasterKeyId: "arn:aws:kms:us-east-1:123456789012:key/0DNIXSE-key", ...props }, deps);
  const topicPolicy = (doc = policy({ Sid: "RulesPublish", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: ["sns:Publish"], Resource: [TOPIC_ARN], Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/x" } } })) =>
    res("aws:sns/topicPolicy:TopicPolicy", "acme-alerts", { arn: TOPIC_ARN, policy: doc }, [topic().urn]);
  const target = res("aws:cloudwatch/eventTarget:EventTarget", "acme-task-stopped", { arn: TOPIC_ARN, rule: "airlock-dev-task-stopped" }, [topic().urn]);
  const alarm = (name: string) => res("aws:cloudwatch/metricAlarm:MetricAlarm", name, { alarmActions: [TOPIC_ARN], okActions: [TOPIC_ARN], metricName: "Errors" }, [topic().urn]);
  const stack = (over: { key?: StackResource; topic?: StackResource; topicPolicy?: StackResource | null } = {}) =>
    [over.key ?? key(), over.topic ?? topic(), ...(over.topicPolicy === null ? [] : [over.topicPolicy ?? topicPolicy()]), target, alarm("error-rate")];

  it("given the platform's key and topic policies (conditions on the source account and encryption context), then compliant", () => {
    assert.deepEqual(EncryptedTopicPublishers.check({ resources: stack() }), []);
  });

  it("given an unencrypted topic, or an encrypted one nobody publishes to, then not applicable", () => {
    assert.deepEqual(EncryptedTopicPublishers.check({ resources: [key(policy(admin)), topic({ kmsMasterKeyId: undefined }), target] }), []);
    assert.deepEqual(EncryptedTopicPublishers.check({ resources: [key(policy(admin)), topic()] }), []);
  });

  it("given a key policy without EventBridge's statement, then the key is reported, naming the principal, the actions, the publisher and the fix", () => {
    const k = key(keyPolicy(service("Alarms", "cloudwatch.amazonaws.com")));
    assert.deepEqual(EncryptedTopicPublishers.check({ resources: stack({ key: k }) }), [
      {
        subject: k.urn,
        message:
          "kms Key `acme-key`: its policy does not allow `events.amazonaws.com` `kms:GenerateDataKey*` and `kms:Decrypt`, so EventBridge target `acme-task-stopped` cannot publish to topic `airlock-dev-alarms`, which the key encrypts, and the notification is lost; add a key policy statement allowing the service principal `events.amazonaws.com` `kms:GenerateDataKey*` and `kms:Decrypt` (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services)",
      },
    ]);
  });

  it("given CloudWatch allowed only kms:GenerateDataKey (which SNS calls), then compliant; allowed only Decrypt, then the data key is reported", () => {
    const enough = key(keyPolicy(service("Alarms", "cloudwatch.amazonaws.com", ["kms:GenerateDataKey", "kms:Decrypt"]), service("Rules", "events.amazonaws.com")));
    assert.deepEqual(EncryptedTopicPublishers.check({ resources: stack({ key: enough }) }), []);
    const short = key(keyPolicy(service("Alarms", "cloudwatch.amazonaws.com", ["kms:Decrypt"]), service("Rules", "events.amazonaws.com")));
    assert.deepEqual(EncryptedTopicPublishers.check({ resources: stack({ key: short }) }).map((f) => f.message.split(", so")[0]), [
      "kms Key `acme-key`: its policy does not allow `cloudwatch.amazonaws.com` `kms:GenerateDataKey*`",
    ]);
  });

  it("given a key with no `policy` (missing property: the default admits only the account), then both publishers are reported", () => {
    const k = res("aws:kms/key:Key", "acme-key", { description: "no policy" });
    const found = EncryptedTopicPublishers.check({ resources: stack({ key: k }) });
    assert.deepEqual(found.map((f) => f.message.split(", so")[0]), [
      "kms Key `acme-key`: its policy (the default, which admits only the account) does not allow `events.amazonaws.com` `kms:GenerateDataKey*` and `kms:Decrypt`",
      "kms Key `acme-key`: its policy (the default, which admits only the account) does not allow `cloudwatch.amazonaws.com` `kms:GenerateDataKey*` and `kms:Decrypt`",
    ]);
    assert.match(found[1]!.message, /CloudWatch alarm `error-rate` cannot publish/);
  });

  it("given no topic policy for events.amazonaws.com, then the topic is reported (EventBridge publishes through the topic's resource policy)", () => {
    const t = topic();
    assert.deepEqual(EncryptedTopicPublishers.check({ resources: stack({ topic: t, topicPolicy: null }) }), [
      {
        subject: t.urn,
        message:
          "sns Topic `acme-alerts`: no topic policy allows `events.amazonaws.com` `sns:Publish`, so EventBridge target `acme-task-stopped` cannot publish to it (EventBridge uses the topic's resource policy); add a statement allowing the service principal `events.amazonaws.com` `sns:Publish` on the topic (an aws.sns.TopicPolicy) (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions)",
      },
    ]);
    assert.deepEqual(EncryptedTopicPublishers.check({ resources: stack({ topic: topic({ policy: topicPolicy().props.policy }), topicPolicy: null }) }), []);
  });

  it("given the key named by an alias of the stack, then that key's policy is read; the AWS managed key is reported", () => {
    const k = key(keyPolicy(service("Rules", "events.amazonaws.com")));
    const alias = res("aws:kms/alias:Alias", "acme-key-alias", { name: "alias/airlock/dev/acme", targetKeyId: "0DNIXSE-key" }, [k.urn]);
    const t = topic({ kmsMasterKeyId: "alias/airlock/dev/acme" }, [alias.urn]);
    assert.deepEqual(EncryptedTopicPublishers.check({ resources: [k, alias, t, topicPolicy(), target, alarm("error-rate")] }).map((f) => [f.subject, f.message.split(", so")[0]]), [
      [k.urn, "kms Key `acme-key`: its policy does not allow `cloudwatch.amazonaws.com` `kms:GenerateDataKey*` and `kms:Decrypt`"],
    ]);
    const managed = topic({ kmsMasterKeyId: "alias/aws/sns" }, []);
    assert.deepEqual(EncryptedTopicPublishers.check({ resources: [managed, topicPolicy(), alarm("error-rate")] }), [
      {
        subject: managed.urn,
        message:
          "sns Topic `acme-alerts`: encrypted with the AWS managed key `alias/aws/sns`, whose policy cannot admit `cloudwatch.amazonaws.com`, so CloudWatch alarm `error-rate` cannot publish to it; encrypt the topic with a customer managed key whose policy allows `cloudwatch.amazonaws.com` `kms:GenerateDataKey*` and `kms:Decrypt` (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services)",
      },
    ]);
  });

  it("given a key outside the stack (an ARN nothing here depends on), then its policy is not judged", () => {
    const t = topic({ kmsMasterKeyId: "arn:aws:kms:us-east-1:210987654321:key/shared" }, []);
    assert.deepEqual(EncryptedTopicPublishers.check({ resources: [key(policy(admin)), t, topicPolicy(), target] }), []);
  });

  it("given a key without `policy` and an aws.kms.KeyPolicy that depends on it and names it by an id the plan made up (the key's id is an output), then the KeyPolicy's document is the one read", () => {
    const bare = res("aws:kms/key:Key", "acme-key", {}); // (key(undefined) would take the default policy)
    const attached = (doc: string, deps: string[] = [bare.urn], keyId = "9c1f3a52-7e0b-4d1a-8f23-5b6c7d8e9f01") => res("aws:kms/keyPolicy:KeyPolicy", "team", { keyId, policy: doc }, deps);
    const full = keyPolicy(service("Alarms", "cloudwatch.amazonaws.com"), service("Rules", "events.amazonaws.com"));
    assert.deepEqual(EncryptedTopicPublishers.check({ resources: [bare, attached(full), ...stack({ key: bare }).slice(1)] }), []);
    // The attached document is judged: without EventBridge's statement, the key is reported.
    const partial = EncryptedTopicPublishers.check({ resources: [bare, attached(keyPolicy(service("Alarms", "cloudwatch.amazonaws.com"))), ...stack({ key: bare }).slice(1)] });
    assert.deepEqual(partial.map((v) => v.subject), [bare.urn]);
    assert.match(partial[0]!.message, /does not allow `events\.amazonaws\.com`/);
    // A KeyPolicy that depends on nothing, or names another key of the stack, is not this key's.
    const other = res("aws:kms/key:Key", "other-key", { policy: full });
    for (const stray of [attached(full, []), res("aws:kms/keyPolicy:KeyPolicy", "team", { keyId: "other-key", policy: full }, [bare.urn, other.urn])]) {
      const found = EncryptedTopicPublishers.check({ resources: [bare, other, stray, ...stack({ key: bare }).slice(1)] });
      assert.ok(found.length > 0, `a stray KeyPolicy was taken as the key's: ${JSON.stringify(stray.props)}`);
    }
  });
});

describe("PrivateEgressRouted (AIR-D018)", () => {
  const vpc = res("aws:ec2/vpc:Vpc", "acme-vpc", { cidrBlock: "10.40.0.0/16" });
  const https = (cidr: string, description: string) => ({ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [cidr], description });
  const sg = (egress: object[], props: Record<string, unknown> = { vpcId: "acme-vpc-id" }) => res("aws:ec2/securityGroup:SecurityGroup", "support-agent", { egress, ...props }, [vpc.urn]);
  const table = (routes: object[]) => res("aws:ec2/routeTable:RouteTable", "acme-private-a", { vpcId: "acme-vpc-id", routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: "acme-nat-id" }, ...routes] }, [vpc.urn]);
  const billing = https("10.20.8.0/24", "HTTPS to api.billing.acme.example.com");
  const resolver = { protocol: "udp", fromPort: 53, toPort: 53, cidrBlocks: ["10.40.0.2/32"] };
  const attachment = res("aws:ec2transitgateway/vpcAttachment:VpcAttachment", "acme-tgw", { vpcId: "acme-vpc-id", transitGatewayId: "tgw-0a1b", subnetIds: ["acme-private-a-id"] }, [vpc.urn]);

  it("given private egress with a transit gateway route, the VPC resolver, and public ranges, then compliant", () => {
    const resources = [vpc, sg([resolver, billing, https("140.82.112.0/20", "HTTPS to api.github.com"), https("0.0.0.0/0", "OPT-OUT anyIpOn443")]), table([{ cidrBlock: "10.20.0.0/16", transitGatewayId: "tgw-0a1b" }]), attachment];
    assert.deepEqual(PrivateEgressRouted.check({ resources }), []);
  });

  it("given a route to a transit gateway the VPC of this stack is not attached to, then reported: the route carries nothing", () => {
    const g = sg([billing]);
    assert.deepEqual(PrivateEgressRouted.check({ resources: [vpc, g, table([{ cidrBlock: "10.20.0.0/16", transitGatewayId: "tgw-0a1b" }])] }), [
      {
        subject: g.urn,
        message:
          "ec2 SecurityGroup `support-agent`: egress[0] allows egress to 10.20.8.0/24 through transit gateway tgw-0a1b, but VPC `acme-vpc` has no `aws.ec2transitgateway.VpcAttachment` to it in this stack, so the route carries nothing (and a new VPC cannot be attached anywhere else); attach the VPC's subnets in each zone and make the route tables wait for the attachment (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html)",
      },
    ]);
    const other = res("aws:ec2transitgateway/vpcAttachment:VpcAttachment", "acme-tgw-other", { vpcId: "acme-vpc-id", transitGatewayId: "tgw-other" }, [vpc.urn]);
    assert.equal(PrivateEgressRouted.check({ resources: [vpc, g, table([{ cidrBlock: "10.20.0.0/16", transitGatewayId: "tgw-0a1b" }]), other] }).length, 1, "an attachment to another gateway does not count");
  });

  it("given a VPC not in the stack (another VPC's id, or a missing `vpcId` with no VPC to wait for), then not applicable", () => {
    assert.deepEqual(PrivateEgressRouted.check({ resources: [vpc, sg([billing], { vpcId: "vpc-0123456789abcdef0" })] }), []);
    assert.deepEqual(PrivateEgressRouted.check({ resources: [vpc, { ...sg([billing], {}), dependencies: [] }] }), []);
    // In a preview the group's `vpcId` may be unknown: the VPC is then the one the group depends on.
    assert.equal(PrivateEgressRouted.check({ resources: [vpc, sg([billing], {}), table([])] }).length, 1);
  });

  it("given private egress whose only route is the NAT gateway's default route, then reported with the range, the VPC and the fix", () => {
    const g = sg([resolver, billing]);
    assert.deepEqual(PrivateEgressRouted.check({ resources: [vpc, g, table([])] }), [
      {
        subject: g.urn,
        message:
          'ec2 SecurityGroup `support-agent`: egress[1] ("HTTPS to api.billing.acme.example.com") allows egress to 10.20.8.0/24, private address space outside VPC `acme-vpc` (10.40.0.0/16), but no route table of the VPC sends it to a transit gateway, peering connection or VPN gateway, so the traffic can never arrive; add a route for 10.20.8.0/24 (`transitGatewayId` or `vpcPeeringConnectionId`) to the route tables of the subnets that use the group, or remove the rule (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html)',
      },
    ]);
  });

  it("given a route that covers only part of the range, then still reported; a peering route or an aws.ec2.Route to a transit gateway covers it", () => {
    const g = sg([billing]);
    assert.equal(PrivateEgressRouted.check({ resources: [vpc, g, table([{ cidrBlock: "10.20.8.0/25", transitGatewayId: "tgw-0a1b" }])] }).length, 1);
    assert.deepEqual(PrivateEgressRouted.check({ resources: [vpc, g, table([{ cidrBlock: "10.20.8.0/24", vpcPeeringConnectionId: "pcx-11223344" }])] }), []);
    const t = table([]);
    const route = res("aws:ec2/route:Route", "to-billing", { routeTableId: "acme-private-a-id", destinationCidrBlock: "10.20.0.0/16", transitGatewayId: "tgw-0a1b" }, [t.urn]);
    assert.deepEqual(PrivateEgressRouted.check({ resources: [vpc, g, t, route, attachment] }), []);
  });

  it("given standalone egress rules (vpc.SecurityGroupEgressRule, ec2.SecurityGroupRule) and a secondary VPC CIDR, then each is read", () => {
    const g = sg([]);
    const rule = res("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "to-payments", { securityGroupId: "support-agent-id", cidrIpv4: "172.16.4.0/24", ipProtocol: "tcp", fromPort: 443, toPort: 443 }, [g.urn]);
    const legacy = res("aws:ec2/securityGroupRule:SecurityGroupRule", "to-shared", { type: "egress", securityGroupId: "support-agent-id", cidrBlocks: ["100.64.1.0/24"], protocol: "tcp", fromPort: 443, toPort: 443 }, [g.urn]);
    const secondary = res("aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation", "acme-secondary", { vpcId: "acme-vpc-id", cidrBlock: "100.64.0.0/16" }, [vpc.urn]);
    assert.deepEqual(PrivateEgressRouted.check({ resources: [vpc, g, rule, legacy, secondary, table([])] }).map((f) => f.message.split(" allows")[0]), ["vpc SecurityGroupEgressRule `to-payments`: `cidrIpv4`"]);
  });
});

describe("BedrockInferenceProfileGrants (AIR-D019)", () => {
  const PROFILE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
  const profileArn = `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${PROFILE}`;
  const model = (region: string) => `arn:aws:bedrock:${region}::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0`;
  const invoke = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];
  const role = res("aws:iam/role:Role", "research-agent-task", { name: "research-agent-task", assumeRolePolicy: policy({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }) });
  const rolePolicy = (...statements: object[]) => res("aws:iam/rolePolicy:RolePolicy", "research-agent-task", { role: "research-agent-task", policy: policy(...statements) }, [role.urn]);
  const onProfile = { Sid: "ModelInvokeBedrockProfile", Effect: "Allow", Action: invoke, Resource: [profileArn] };
  const throughProfile = (regions: string[]) => ({ Sid: "ModelInvokeBedrockThroughProfile", Effect: "Allow", Action: invoke, Resource: regions.map(model), Condition: { ArnEquals: { "bedrock:InferenceProfileArn": profileArn } } });

  it("given the profile and the model in each of its destination Regions (the multi-agent example's research agent), then compliant", () => {
    assert.deepEqual(inferenceProfileModelArns(PROFILE, "us-east-1", "aws"), ["us-east-1", "us-east-2", "us-west-2"].map(model));
    assert.deepEqual(BedrockInferenceProfileGrants.check({ resources: [role, rolePolicy(onProfile, throughProfile(["us-east-1", "us-east-2", "us-west-2"]))] }), []);
  });

  it("given the models granted in a managed policy attached to the same role, then compliant", () => {
    const managed = res("aws:iam/policy:Policy", "bedrock-models", { policy: policy(throughProfile(["us-east-1", "us-east-2", "us-west-2"])) });
    const attachment = res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "bedrock-models", { role: "research-agent-task", policyArn: "arn:aws:iam::123456789012:policy/bedrock-models" }, [role.urn, managed.urn]);
    assert.deepEqual(BedrockInferenceProfileGrants.check({ resources: [role, rolePolicy(onProfile), managed, attachment] }), []);
  });

  it("given the model in the calling Region only, then the missing destinations are reported, with the error and the fix", () => {
    const p = rolePolicy(onProfile, throughProfile(["us-east-1"]));
    assert.deepEqual(BedrockInferenceProfileGrants.check({ resources: [role, p] }), [
      {
        subject: p.urn,
        message: `iam RolePolicy \`research-agent-task\`: policy statement ModelInvokeBedrockProfile allows \`bedrock:InvokeModel\`, \`bedrock:InvokeModelWithResponseStream\` on inference profile \`${PROFILE}\` (called from us-east-1), which routes calls to us-east-1, us-east-2, us-west-2, but no policy of iam Role \`research-agent-task\` allows it on \`${model("us-east-2")}\`, \`${model("us-west-2")}\`, so calls routed there fail with AccessDeniedException; allow \`bedrock:InvokeModel\`, \`bedrock:InvokeModelWithResponseStream\` on the foundation model in every destination Region (only through the profile, if you like, with the \`bedrock:InferenceProfileArn\` condition) (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html)`,
      },
    ]);
  });

  it("given a wildcard model grant, then compliant; a global profile needs the Region-less model ARN too", () => {
    const wildcard = { Effect: "Allow", Action: ["bedrock:InvokeModel*"], Resource: ["arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"] };
    assert.deepEqual(BedrockInferenceProfileGrants.check({ resources: [role, rolePolicy(onProfile, wildcard)] }), []);
    const global = "global.anthropic.claude-sonnet-4-5-20250929-v1:0";
    const p = rolePolicy({ Sid: "Profile", Effect: "Allow", Action: ["bedrock:InvokeModel"], Resource: [`arn:aws:bedrock:eu-west-1:123456789012:inference-profile/${global}`] }, { Sid: "Model", Effect: "Allow", Action: ["bedrock:InvokeModel"], Resource: [model("eu-west-1")] });
    const [finding] = BedrockInferenceProfileGrants.check({ resources: [role, p] });
    assert.match(finding!.message, /which routes calls to \(any Region\), eu-west-1, but no policy of iam Role `research-agent-task` allows it on `arn:aws:bedrock:::foundation-model\/anthropic\.claude-sonnet-4-5-20250929-v1:0`/);
  });

  it("given a profile the table does not know, an application inference profile, or no Bedrock action (missing property), then not applicable", () => {
    const unknown = { Effect: "Allow", Action: invoke, Resource: ["arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.example.model-v9:0"] };
    const application = { Effect: "Allow", Action: invoke, Resource: ["arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"] };
    const other = { Effect: "Allow", Action: ["bedrock:GetInferenceProfile"], Resource: [profileArn] };
    assert.deepEqual(BedrockInferenceProfileGrants.check({ resources: [role, rolePolicy(unknown, application, other)] }), []);
    assert.deepEqual(BedrockInferenceProfileGrants.check({ resources: [role, res("aws:iam/rolePolicy:RolePolicy", "empty", { role: "research-agent-task" })] }), []);
  });
});
