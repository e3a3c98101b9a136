/**
 * Interop with what a Pulumi user already has (issue #12): other resources' outputs as arguments,
 * an existing cluster, KMS key, log group and secrets, and an explicit AWS provider.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AgentModel } from "@airlock/core";
import { recordProgram, type Recording } from "../src/plan/record.ts";
import { AgentPlatform, type AgentPlatformArgs } from "../src/platform/index.ts";
import { AgentDeployment, validateDeploymentArgs, type AgentDeploymentArgs } from "../src/agent/agent-deployment.ts";
import { outputElements, REQUIREMENT_TOKEN } from "../src/interop.ts";
import { all, exampleModel, find, json, modelOf, needsApprovals, recordDeployment, TEST_APPROVALS, TEST_TRANSIT_GATEWAY, WIRING_ONLY } from "./harness.ts";

const T = {
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  route: "aws:ec2/route:Route",
  service: "aws:ecs/service:Service",
  cluster: "aws:ecs/cluster:Cluster",
  capacity: "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
  key: "aws:kms/key:Key",
  alias: "aws:kms/alias:Alias",
  secret: "aws:secretsmanager/secret:Secret",
  secretPolicy: "aws:secretsmanager/secretPolicy:SecretPolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  masking: "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
};

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const CLUSTER_ARN = "arn:aws:ecs:us-east-1:123456789012:cluster/shared";
const LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/team/support-agent";
const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:vendors/anthropic-AbCdEf";

/** An error thrown inside an Output reaches the program as a rejected registration; recordProgram reports it. */
async function rejectsAtDeploy(planned: () => Promise<Recording>, message: string): Promise<void> {
  const runners = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  try {
    await assert.rejects(planned(), { message });
  } finally {
    runners.forEach((l) => process.on("unhandledRejection", l));
  }
}

/** What `awsx.ec2.Vpc` gives a program: a VPC, subnets and route tables, their ids as `Output<string[]>`. */
class FakeAwsxVpc extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly privateRouteTableIds: pulumi.Output<string[]>;
  constructor(name: string) {
    super("awsx:ec2:Vpc", name, {}, {});
    const vpc = new aws.ec2.Vpc(name, { cidrBlock: "10.0.0.0/16" }, { parent: this });
    const subnets = ["a", "b"].map((z) => new aws.ec2.Subnet(`${name}-private-${z}`, { vpcId: vpc.id, cidrBlock: z === "a" ? "10.0.0.0/20" : "10.0.16.0/20" }, { parent: this }));
    const tables = ["a", "b"].map((z) => new aws.ec2.RouteTable(`${name}-private-${z}`, { vpcId: vpc.id }, { parent: this }));
    this.vpcId = vpc.id;
    this.privateSubnetIds = pulumi.all(subnets.map((s) => s.id));
    this.privateRouteTableIds = pulumi.all(tables.map((t) => t.id));
  }
}

function platformArgs(model: AgentModel, extra: Partial<AgentPlatformArgs>): AgentPlatformArgs {
  return {
    agents: [model],
    ...(needsApprovals(model) ? { approvals: { agents: { [model.name]: TEST_APPROVALS } } } : {}),
    privateRoutes: [{ cidr: "10.20.8.0/24", transitGatewayId: TEST_TRANSIT_GATEWAY }],
    ...extra,
  };
}

describe("another resource's outputs as arguments", () => {
  it("puts an Output<string[]> of subnet ids into the endpoints and the service, and route tables split by outputElements into the routes", async () => {
    const model = await exampleModel();
    const rec = await recordProgram({
      project: "airlock-test",
      stack: "test",
      config: { "aws:region": "us-east-1" },
      program: () => {
        const vpc = new FakeAwsxVpc("shared");
        const platform = new AgentPlatform(
          "platform",
          platformArgs(model, {
            network: {
              vpcId: vpc.vpcId,
              vpcCidr: "10.0.0.0/16",
              privateSubnetIds: vpc.privateSubnetIds,
              privateRouteTableIds: outputElements(vpc.privateRouteTableIds, 2, "network.privateRouteTableIds"),
            },
          }),
        );
        new AgentDeployment(model.name, { platform, model, evalGate: WIRING_ONLY });
      },
    });
    const interfaces = all(rec, T.endpoint).filter((e) => e.inputs.vpcEndpointType === "Interface");
    assert.ok(interfaces.length > 0);
    for (const e of interfaces) assert.deepEqual(e.inputs.subnetIds, ["shared-private-a-id", "shared-private-b-id"], e.name);
    for (const e of all(rec, T.endpoint).filter((x) => x.inputs.vpcEndpointType === "Gateway")) {
      assert.deepEqual(e.inputs.routeTableIds, ["shared-private-a-id", "shared-private-b-id"], e.name);
    }
    const service = find(rec, T.service, "support-agent-service");
    assert.deepEqual((service.inputs.networkConfiguration as { subnets: string[] }).subnets, ["shared-private-a-id", "shared-private-b-id"]);
    assert.deepEqual(
      all(rec, T.route).map((r) => [r.inputs.routeTableId, r.inputs.destinationCidrBlock]),
      [
        ["shared-private-a-id", "10.20.8.0/24"],
        ["shared-private-b-id", "10.20.8.0/24"],
      ],
    );
    assert.equal(find(rec, "aws:ec2/securityGroup:SecurityGroup", "platform-endpoints").inputs.vpcId, "shared-id");
  });

  it("refuses route tables as one Output, naming the field and the way to pass them", async () => {
    const model = await exampleModel();
    const ids = pulumi.output(["rtb-a", "rtb-b"]);
    assert.throws(
      () => new AgentPlatform("platform", platformArgs(model, { network: { vpcId: "vpc-1", vpcCidr: "10.0.0.0/16", privateSubnetIds: ["subnet-a"], privateRouteTableIds: ids as never } })),
      {
        message:
          "`network.privateRouteTableIds`: give a list with one entry per route table (each may be an Output): Airlock adds one route per table; from an `Output<string[]>` of known length use `outputElements(ids, <count>, \"network.privateRouteTableIds\")`",
      },
    );
  });

  it("fails the deployment when the list outputElements split has another length", async () => {
    const model = await exampleModel();
    await rejectsAtDeploy(
      () =>
        recordProgram({
          project: "airlock-test",
          stack: "test",
          program: () => {
            new AgentPlatform(
              "platform",
              platformArgs(model, {
                network: { vpcId: "vpc-1", vpcCidr: "10.0.0.0/16", privateSubnetIds: ["subnet-a"], privateRouteTableIds: outputElements(pulumi.output(["rtb-a", "rtb-b", "rtb-c"]), 2, "network.privateRouteTableIds") },
              }),
            );
          },
        }),
      "`network.privateRouteTableIds`: expected 2 elements, the list has 3; pass its length as the count",
    );
  });
});

describe("an existing ECS cluster", () => {
  it("makes no cluster and runs the service, the stopped-task rule and the redeploy grant on the given one", async () => {
    const rec = await recordDeployment(await exampleModel(), { platform: { cluster: { clusterArn: CLUSTER_ARN } } });
    assert.deepEqual(all(rec, T.cluster), []);
    assert.deepEqual(all(rec, T.capacity), []);
    assert.equal(find(rec, T.service, "support-agent-service").inputs.cluster, CLUSTER_ARN);
    const redeploy = json(find(rec, T.rolePolicy, "support-agent-rotation-redeploy"), "policy");
    assert.deepEqual(redeploy.Statement[0].Resource, ["arn:aws:ecs:us-east-1:123456789012:service/shared/support-agent-test"]);
    const note = find(rec, REQUIREMENT_TOKEN, "platform-cluster-required");
    assert.equal(note.inputs.clusterArn, CLUSTER_ARN);
    assert.deepEqual(
      rec.findings.map((f) => [f.rule, f.severity, f.subject]),
      [["AIR-I102", "info", "platform platform: cluster"]],
    );
  });

  it("refuses a name, another region's cluster, another account's (at deploy) and containerInsights, naming the field", async () => {
    const model = await exampleModel();
    const make = (extra: Partial<AgentPlatformArgs>) => () => new AgentPlatform("platform", platformArgs(model, { region: "us-east-1", ...extra }));
    assert.throws(make({ cluster: { clusterArn: "shared" } }), {
      message: '`cluster.clusterArn`: "shared" is not an ECS cluster ARN; give the cluster\'s ARN, arn:aws:ecs:<region>:<account>:cluster/<name> (`aws.ecs.Cluster.arn`) (not its name)',
    });
    assert.throws(make({ cluster: { clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/shared" } }), {
      message: "`cluster.clusterArn`: the ECS cluster is in eu-west-1 but the platform deploys to us-east-1; an ECS service runs only on a cluster of its own region: give a cluster there (or leave `cluster` out for a new one)",
    });
    assert.throws(make({ cluster: { clusterArn: CLUSTER_ARN }, containerInsights: true }), {
      message: "`containerInsights`: only applies to a new cluster; with `cluster`, turn Container Insights on for your cluster (the task-restarts alarms read its metrics)",
    });
    await rejectsAtDeploy(
      () => recordDeployment(model, { platform: { cluster: { clusterArn: pulumi.output("arn:aws:ecs:us-east-1:210987654321:cluster/shared") } } }),
      "`cluster.clusterArn`: the ECS cluster is in account 210987654321 but the stack deploys to account 123456789012; give one of account 123456789012 (Airlock's roles are granted it through IAM in the stack's own account)",
    );
  });
});

describe("an existing KMS key", () => {
  it("makes no key, alias or key policy, encrypts with the given key, and lists the key policy it needs in the plan", async () => {
    const rec = await recordDeployment(await exampleModel(), { platform: { kmsKey: { keyArn: KEY_ARN } } });
    // The approval gateway's audit anchor key (SIGN_VERIFY) signs; it encrypts nothing, so it is not the platform key.
    const signing = (r: { name: string }) => r.name === "platform-approvals-anchor-key";
    assert.deepEqual(all(rec, T.key).filter((k) => !signing(k)), []);
    assert.deepEqual(all(rec, T.alias), []);
    assert.deepEqual(
      rec.resources.filter((r) => r.type.startsWith("aws:kms/") && !signing(r)),
      [],
    );
    for (const s of all(rec, T.secret)) assert.equal(s.inputs.kmsKeyId, KEY_ARN, s.name);
    for (const g of all(rec, T.logGroup)) assert.equal(g.inputs.kmsKeyId, KEY_ARN, g.name);
    for (const t of all(rec, "aws:sns/topic:Topic")) assert.equal(t.inputs.kmsMasterKeyId, KEY_ARN, t.name);
    const execution = json(find(rec, T.rolePolicy, "support-agent-execution"), "policy");
    assert.deepEqual(execution.Statement.find((s: any) => s.Sid === "DecryptSecretsViaSecretsManager").Resource, [KEY_ARN]);

    const note = find(rec, REQUIREMENT_TOKEN, "platform-key-policy-required");
    assert.equal(note.inputs.keyArn, KEY_ARN);
    const required = JSON.parse(String(note.inputs.requiredKeyPolicy));
    assert.deepEqual(
      required.Statement.map((s: any) => s.Sid),
      ["AccountAdministers", "CloudWatchLogsUsesKeyForAirlockGroups", "AlarmsPublishToEncryptedTopics", "TaskStoppedRulesPublishToEncryptedTopics"],
    );
    assert.deepEqual(required.Statement[1].Condition, { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:log-group:/airlock/*" } });
    assert.deepEqual(rec.findings, [
      {
        rule: "AIR-I101",
        severity: "info",
        subject: "platform platform: kmsKey",
        message:
          "the key policy of your KMS key is yours; it must hold the statements AccountAdministers, CloudWatchLogsUsesKeyForAirlockGroups, AlarmsPublishToEncryptedTopics, TaskStoppedRulesPublishToEncryptedTopics (the platform's `requiredKeyPolicy`), or log groups, secrets and alarm notifications fail",
      },
    ]);
  });

  it("refuses an alias, another region's key and kmsDeletionWindowDays, naming the field", async () => {
    const model = await exampleModel();
    const make = (extra: Partial<AgentPlatformArgs>) => () => new AgentPlatform("platform", platformArgs(model, { region: "us-east-1", ...extra }));
    assert.throws(make({ kmsKey: { keyArn: "arn:aws:kms:us-east-1:123456789012:alias/airlock" } }), {
      message:
        '`kmsKey.keyArn`: "arn:aws:kms:us-east-1:123456789012:alias/airlock" is not a KMS key ARN; give the key\'s ARN, arn:aws:kms:<region>:<account>:key/<key id> (`aws.kms.Key.arn`) (not an alias or a bare key id: log groups and IAM policies name the key by its ARN)',
    });
    assert.throws(make({ kmsKey: { keyArn: KEY_ARN.replace("us-east-1", "eu-west-1") } }), {
      message: "`kmsKey.keyArn`: the KMS key is in eu-west-1 but the platform deploys to us-east-1; KMS keys are used only in their own region: give a key there (or a replica of a multi-Region key)",
    });
    assert.throws(make({ kmsKey: { keyArn: KEY_ARN }, kmsDeletionWindowDays: 7 }), {
      message: "`kmsDeletionWindowDays`: only applies to the key Airlock makes; with `kmsKey`, the key's deletion is yours",
    });
  });

  it("checks a key given as an Output when it resolves: another account's key fails the preview", async () => {
    await rejectsAtDeploy(
      () => recordDeploymentWithKey(pulumi.output(KEY_ARN.replace("123456789012", "210987654321"))),
      "`kmsKey.keyArn`: the KMS key is in account 210987654321 but the stack deploys to account 123456789012; give one of account 123456789012 (Airlock's roles are granted it through IAM in the stack's own account)",
    );
  });
});

async function recordDeploymentWithKey(keyArn: pulumi.Input<string>): Promise<Recording> {
  return recordDeployment(await exampleModel(), { platform: { kmsKey: { keyArn } } });
}

describe("an existing log group", () => {
  it("writes the agent's logs to it, masks credentials on it, and makes no group of its own", async () => {
    const rec = await recordDeployment(await exampleModel(), { deployment: { logGroup: { logGroupArn: `${LOG_GROUP_ARN}:*` } } });
    assert.deepEqual(all(rec, T.logGroup).filter((g) => g.name.startsWith("support-agent")), []);
    assert.equal(find(rec, T.masking, "support-agent-observability-logs-masking").inputs.logGroupName, "/team/support-agent");
    const execution = json(find(rec, T.rolePolicy, "support-agent-execution"), "policy");
    assert.deepEqual(execution.Statement.find((s: any) => s.Sid === "WriteOwnLogGroup").Resource, [`${LOG_GROUP_ARN}:log-stream:*`]);
    for (const td of all(rec, T.taskDefinition)) {
      const [container] = json(td, "containerDefinitions");
      assert.equal(container.logConfiguration.options["awslogs-group"], "/team/support-agent", td.name);
    }
    assert.deepEqual(rec.findings.map((f) => f.rule), ["AIR-I103"]);
  });

  it("refuses another region's group and logRetentionDays with it, naming the field", async () => {
    const model = await exampleModel();
    assert.throws(() => validateDeploymentArgs(model, { evalGate: WIRING_ONLY, logGroup: { logGroupArn: LOG_GROUP_ARN.replace("us-east-1", "eu-west-1") } }, "us-east-1"), {
      message: "`logGroup.logGroupArn`: the CloudWatch Logs log group is in eu-west-1 but the platform deploys to us-east-1; ECS tasks write only to log groups in their own region: give a group there",
    });
    assert.throws(() => validateDeploymentArgs(model, { evalGate: WIRING_ONLY, logGroup: { logGroupArn: LOG_GROUP_ARN }, logRetentionDays: 30 }, "us-east-1"), {
      message: "`logRetentionDays`: only applies to the log group Airlock makes; with `logGroup`, set the retention on your group",
    });
  });
});

describe("an existing secret", () => {
  it("makes no secret, policy or age alarm for it, grants the execution role GetSecretValue on its ARN and decrypt on its key via Secrets Manager", async () => {
    const theirKey = "arn:aws:kms:us-east-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef";
    const rec = await recordDeployment(await exampleModel(), { deployment: { existingSecrets: { "anthropic-api-key": { secretArn: SECRET_ARN, kmsKeyArn: theirKey } } } });
    assert.ok(!all(rec, T.secret).some((s) => s.name.endsWith("anthropic-api-key")));
    assert.ok(!all(rec, T.secretPolicy).some((s) => s.name.endsWith("anthropic-api-key")));
    assert.ok(!all(rec, "aws:secretsmanager/secretRotation:SecretRotation").some((s) => s.name.endsWith("anthropic-api-key")));
    const execution = json(find(rec, T.rolePolicy, "support-agent-execution"), "policy");
    const read = execution.Statement.find((s: any) => s.Sid === "ReadAgentSecrets");
    assert.deepEqual(read.Action, ["secretsmanager:GetSecretValue"]);
    assert.ok(read.Resource.includes(SECRET_ARN));
    const decrypt = execution.Statement.find((s: any) => s.Sid === "DecryptSecretsViaSecretsManager");
    // The platform key (the other vendor key is Airlock's) and the existing secret's key.
    const platformKey = find(rec, T.key, "platform-key");
    assert.equal(decrypt.Resource.length, 2);
    assert.ok(decrypt.Resource.includes(theirKey));
    assert.ok(decrypt.Resource.some((k: string) => k !== theirKey && k.startsWith("arn:aws:kms:us-east-1:123456789012:key/")), platformKey.name);
    assert.deepEqual(decrypt.Condition, { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } });
    const [container] = json(find(rec, T.taskDefinition, "support-agent-release-current"), "containerDefinitions");
    assert.deepEqual(container.secrets.find((s: any) => s.name === "ANTHROPIC_API_KEY"), { name: "ANTHROPIC_API_KEY", valueFrom: SECRET_ARN });
    // The age alarm still watches the vendor key Airlock made, not the existing one.
    const age = find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-secrets-age");
    assert.ok(String(age.inputs.alarmDescription).includes("github-token") && !String(age.inputs.alarmDescription).includes("anthropic-api-key"));
    const note = find(rec, REQUIREMENT_TOKEN, "support-agent-secret-anthropic-api-key-required");
    assert.deepEqual([note.inputs.secretArn, note.inputs.kmsKeyArn, note.inputs.readers], [SECRET_ARN, theirKey, ["arn:aws:iam::123456789012:role/support-agent-execution"]]);
    assert.deepEqual(rec.findings.map((f) => [f.rule, f.subject]), [["AIR-I104", "support-agent: existingSecrets.anthropic-api-key"]]);
  });

  it("adds no KMS grant for a secret under the AWS managed key", async () => {
    const model = await modelOf({
      apiVersion: "airlock/v1",
      agent: { name: "plain-agent", owner: "team@example.com", image: { digest: `123456789012.dkr.ecr.us-east-1.amazonaws.com/plain@sha256:${"a".repeat(64)}` }, model: { provider: "anthropic", id: "claude-haiku-4-5", secret: "anthropic-api-key" } },
      tools: [{ name: "read_orders", description: "Reads orders.", access: "read", aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"] }] }],
      secrets: [{ name: "anthropic-api-key", source: "out-of-band", rotation: { maxAgeDays: 90 } }],
    });
    const rec = await recordDeployment(model, { deployment: { existingSecrets: { "anthropic-api-key": { secretArn: SECRET_ARN, kmsKeyArn: "aws/secretsmanager" } } } });
    const execution = json(find(rec, T.rolePolicy, "plain-agent-execution"), "policy");
    assert.equal(execution.Statement.find((s: any) => s.Sid === "DecryptSecretsViaSecretsManager"), undefined);
    assert.deepEqual(execution.Statement.find((s: any) => s.Sid === "ReadAgentSecrets").Resource, [SECRET_ARN]);
    assert.deepEqual(all(rec, T.secret), []);
    assert.deepEqual(all(rec, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.endsWith("-age")), []);
  });

  it("refuses an unknown secret, a value Airlock writes, a partial ARN and another region's secret, naming the field", async () => {
    const model = await exampleModel();
    const check = (existingSecrets: AgentDeploymentArgs["existingSecrets"]) => () => validateDeploymentArgs(model, { evalGate: WIRING_ONLY, existingSecrets }, "us-east-1");
    assert.throws(check({ "openai-key": { secretArn: SECRET_ARN } }), {
      message: "`existingSecrets.openai-key`: agent `support-agent` has no secret named `openai-key`; its out-of-band secrets are anthropic-api-key, github-token",
    });
    assert.throws(check({ "billing-api-token": { secretArn: SECRET_ARN } }), {
      message: "`existingSecrets.billing-api-token`: `billing-api-token` is a generated secret, whose value Airlock writes; only an out-of-band secret can be one that exists already (its out-of-band secrets are anthropic-api-key, github-token)",
    });
    assert.throws(check({ "anthropic-api-key": { secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:vendors/anthropic" } }), {
      message:
        '`existingSecrets.anthropic-api-key.secretArn`: "arn:aws:secretsmanager:us-east-1:123456789012:secret:vendors/anthropic" is not a Secrets Manager secret ARN; give the secret\'s full ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters> (`aws.secretsmanager.Secret.arn`) (with the six characters Secrets Manager appends to the name: a partial ARN matches no IAM policy)',
    });
    assert.throws(check({ "anthropic-api-key": { secretArn: SECRET_ARN.replace("us-east-1", "eu-west-1") } }), {
      message:
        "`existingSecrets.anthropic-api-key.secretArn`: the Secrets Manager secret is in eu-west-1 but the platform deploys to us-east-1; ECS reads a task's secrets in its own region: replicate the secret there and give the replica's ARN",
    });
    assert.throws(check({ "anthropic-api-key": { secretArn: SECRET_ARN, kmsKeyArn: "alias/vendors" } }), {
      message:
        '`existingSecrets.anthropic-api-key.kmsKeyArn`: "alias/vendors" is not a KMS key ARN; give the key\'s ARN, arn:aws:kms:<region>:<account>:key/<key id> (`aws.kms.Key.arn`) (not an alias; `"aws/secretsmanager"` for the AWS managed key)',
    });
  });
});

describe("an explicit AWS provider", () => {
  const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/plain@sha256:${"a".repeat(64)}`;
  async function euModel(): Promise<AgentModel> {
    return modelOf({
      apiVersion: "airlock/v1",
      agent: { name: "plain-agent", owner: "team@example.com", image: { digest: IMAGE }, model: { provider: "anthropic", id: "claude-haiku-4-5", secret: "anthropic-api-key" } },
      tools: [{ name: "read_orders", description: "Reads orders.", access: "read", aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders"] }] }],
      secrets: [{ name: "anthropic-api-key", source: "out-of-band", rotation: { maxAgeDays: 90 } }],
    });
  }

  async function record(
    model: AgentModel,
    how: (p: aws.Provider) => pulumi.ComponentResourceOptions,
    deploymentOpts?: (p: aws.Provider, other: aws.Provider) => pulumi.ComponentResourceOptions,
  ): Promise<{ rec: Recording; urns: Record<string, string> }> {
    const urns: Record<string, string> = {};
    const rec = await recordProgram({
      project: "airlock-test",
      stack: "test",
      config: { "aws:region": "us-east-1" },
      program: async () => {
        const provider = new aws.Provider("eu", { region: "eu-west-1" });
        const other = new aws.Provider("eu-other", { region: "eu-west-1" });
        const platform = new AgentPlatform("platform", { agents: [model], region: "eu-west-1" }, how(provider));
        const deployment = new AgentDeployment(model.name, { platform, model, evalGate: WIRING_ONLY }, deploymentOpts?.(provider, other));
        urns.eu = await new Promise((r) => provider.urn.apply(r));
        urns.other = await new Promise((r) => other.urn.apply(r));
        urns.platform = await new Promise((r) => platform.urn.apply(r));
        urns.deployment = await new Promise((r) => deployment.urn.apply(r));
      },
    });
    return { rec, urns };
  }

  /** The AWS resources of the program (not the providers themselves). */
  const awsResources = (rec: Recording) => rec.resources.filter((r) => r.custom && r.type.startsWith("aws:"));

  for (const [label, how] of [
    ["provider", (p: aws.Provider) => ({ provider: p })],
    ["providers: { aws }", (p: aws.Provider) => ({ providers: { aws: p } })],
    ["providers: [p]", (p: aws.Provider) => ({ providers: [p] })],
  ] as const) {
    it(`puts every child of the platform and of its agents on the platform's provider (${label}), and builds ARNs in its region`, async () => {
      const { rec, urns } = await record(await euModel(), how);
      const resources = awsResources(rec);
      assert.ok(resources.length > 30, `${resources.length} resources`);
      for (const r of resources) assert.ok(rec.providers[r.urn]?.startsWith(`${urns.eu}::`), `${r.type} ${r.name} is on ${rec.providers[r.urn] ?? "the default provider"}`);
      // ARNs Airlock builds, and those the provider returns, are the provider's region.
      const execution = json(find(rec, T.rolePolicy, "plain-agent-execution"), "policy");
      assert.deepEqual(execution.Statement.find((s: any) => s.Sid === "WriteOwnLogGroup").Resource, ["arn:aws:logs:eu-west-1:123456789012:log-group:/airlock/test/agents/plain-agent:log-stream:*"]);
      assert.equal(find(rec, T.service, "plain-agent-service").inputs.cluster, "arn:aws:ecs:eu-west-1:123456789012:cluster/platform-cluster");
      assert.deepEqual(
        execution.Statement.find((s: any) => s.Sid === "DecryptSecretsViaSecretsManager").Condition,
        { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      );
      const arns = JSON.stringify(resources.map((r) => r.inputs));
      assert.ok(!arns.includes(":us-east-1:") && !arns.includes(".us-east-1."), "no ARN or endpoint of the config's region");
    });
  }

  it("keeps an agent on another provider when it is given one", async () => {
    const { rec, urns } = await record(await euModel(), (p) => ({ provider: p }), (_p, other) => ({ providers: { aws: other } }));
    const service = find(rec, T.service, "plain-agent-service");
    assert.ok(rec.providers[service.urn]?.startsWith(`${urns.other}::`));
    assert.ok(rec.providers[find(rec, T.cluster, "platform-cluster").urn]?.startsWith(`${urns.eu}::`));
  });

  it("leaves programs without a provider on the default provider", async () => {
    const rec = await recordDeployment(await exampleModel());
    assert.deepEqual(rec.providers, {});
  });
});
