/** ApprovalGateway under mocks: the function, its URL, secrets, role, network, schedule and alarm. */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { AgentModel } from "@airlock/core";
import { recordProgram, type Recording } from "../src/plan/record.ts";
import { AgentPlatform } from "../src/platform/agent-platform.ts";
import { ApprovalGateway, approvalModelJson, validateApprovalGatewayArgs, type ApprovalGatewayArgs } from "../src/approvals/approval-gateway.ts";
import { all, exampleModel, find, json } from "./harness.ts";

const T = {
  fn: "aws:lambda/function:Function",
  url: "aws:lambda/functionUrl:FunctionUrl",
  secret: "aws:secretsmanager/secret:Secret",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  permission: "aws:lambda/permission:Permission",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
};

function gatewayArgs(model: AgentModel): Omit<ApprovalGatewayArgs, "platform"> {
  return {
    model,
    release: "v7",
    code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset("export const handler = async () => ({ statusCode: 200 });") }),
    slack: { channel: "C0APPROVALS", approvers: ["U0APPROVER1", "U0APPROVER2"] },
    database: { cidrs: ["10.0.8.0/24"] },
  };
}

function record(model: AgentModel, over: Partial<ApprovalGatewayArgs> = {}, domains: string[] = ["slack.com"]): Promise<Recording> {
  return recordProgram({
    project: "airlock-test",
    stack: "test",
    config: { "aws:region": "us-east-1" },
    program: () => {
      const platform = new AgentPlatform("platform", { agents: [model], extraAllowedDomains: domains });
      new ApprovalGateway("approvals", { platform, ...gatewayArgs(model), ...over });
    },
  });
}

describe("ApprovalGateway for the support agent", () => {
  let model: AgentModel;
  let rec: Recording;
  before(async () => {
    model = await exampleModel();
    rec = await record(model);
  });

  it("runs the handler in the private subnets with the approvals settings and no secret value in its environment", () => {
    const fn = find(rec, T.fn, "approvals-function");
    assert.equal(fn.inputs.runtime, "nodejs20.x");
    assert.deepEqual(fn.inputs.architectures, ["arm64"]);
    assert.equal(fn.inputs.handler, "index.handler");
    const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    assert.deepEqual(Object.keys(env).sort(), ["AIRLOCK_APPROVALS_SECRET_ARNS", "AIRLOCK_APPROVAL_MODEL", "AIRLOCK_RELEASE", "AIRLOCK_SLACK_APPROVERS", "AIRLOCK_SLACK_CHANNEL", "NODE_OPTIONS"]);
    assert.equal(env.AIRLOCK_SLACK_APPROVERS, "U0APPROVER1,U0APPROVER2");
    assert.equal(env.AIRLOCK_RELEASE, "v7");
    assert.deepEqual(JSON.parse(env.AIRLOCK_APPROVAL_MODEL!), JSON.parse(approvalModelJson(model)));
    assert.deepEqual(Object.keys(JSON.parse(env.AIRLOCK_APPROVALS_SECRET_ARNS!)).sort(), ["AIRLOCK_APPROVALS_DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]);
    const vpc = fn.inputs.vpcConfig as { subnetIds: string[]; securityGroupIds: string[] };
    assert.ok(vpc.subnetIds.length > 0 && vpc.securityGroupIds.length === 1);
    assert.equal(fn.inputs.reservedConcurrentExecutions, 10);
  });

  it("keeps the three secrets under the platform key, created without values", () => {
    const secrets = all(rec, T.secret).filter((s) => s.name.startsWith("approvals-"));
    assert.deepEqual(secrets.map((s) => s.inputs.name).sort(), [
      "airlock/support-agent/approvals/database-url",
      "airlock/support-agent/approvals/slack-bot-token",
      "airlock/support-agent/approvals/slack-signing-secret",
    ]);
    for (const s of secrets) assert.equal(typeof s.inputs.kmsKeyId, "string");
    assert.equal(all(rec, "aws:secretsmanager/secretVersion:SecretVersion").filter((s) => s.name.startsWith("approvals-")).length, 0);
  });

  it("gives the role exactly its logs, its three secrets and the VPC interfaces", () => {
    const policy = json(find(rec, T.rolePolicy, "approvals-function"), "policy") as { Statement: { Sid: string; Action: string[]; Resource: unknown; Condition?: unknown }[] };
    assert.deepEqual(policy.Statement.map((s) => [s.Sid, s.Action]), [
      ["WriteOwnLogGroup", ["logs:CreateLogStream", "logs:PutLogEvents"]],
      ["ReadGatewaySecrets", ["secretsmanager:GetSecretValue"]],
      [policy.Statement[2]!.Sid, ["kms:Decrypt"]],
      ["VpcNetworkInterfaces", ["ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:UnassignPrivateIpAddresses"]],
    ]);
    assert.deepEqual(
      (policy.Statement[1]!.Resource as string[]).map((r) => r.replace(/-[A-Z0-9]{6}$/, "-XXXXXX")),
      ["database-url", "slack-bot-token", "slack-signing-secret"].map((n) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock/support-agent/approvals/${n}-XXXXXX`),
    );
    assert.deepEqual(policy.Statement[0]!.Resource, ["arn:aws:logs:us-east-1:123456789012:log-group:/airlock/support-agent/approvals:log-stream:*"]);
    assert.deepEqual(policy.Statement[2]!.Condition, { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } });
    const trust = JSON.parse(find(rec, T.role, "approvals-function").inputs.assumeRolePolicy as string);
    assert.deepEqual(trust.Statement[0].Principal, { Service: "lambda.amazonaws.com" });
  });

  it("has no ingress and reaches only HTTPS, the database subnets and the resolver", () => {
    const sg = find(rec, T.sg, "approvals-gateway");
    assert.deepEqual(sg.inputs.ingress, []);
    const egress = sg.inputs.egress as { protocol: string; fromPort: number; cidrBlocks: string[] }[];
    assert.deepEqual(
      egress.map((e) => [e.protocol, e.fromPort, e.cidrBlocks.length === 1 && e.cidrBlocks[0]!.endsWith("/32") ? "resolver" : e.cidrBlocks]),
      [
        ["tcp", 443, ["0.0.0.0/0"]],
        ["tcp", 5432, ["10.0.8.0/24"]],
        ["udp", 53, "resolver"],
        ["tcp", 53, "resolver"],
      ],
    );
  });

  it("exposes a function URL, runs the outbox every minute and alarms on an approval waiting over an hour", () => {
    assert.equal(find(rec, T.url, "approvals-url").inputs.authorizationType, "NONE");
    assert.equal(find(rec, T.rule, "approvals-outbox").inputs.scheduleExpression, "rate(1 minute)");
    assert.equal(find(rec, T.target, "approvals-outbox").inputs.input, '{"airlock":"outbox"}');
    assert.equal(find(rec, T.permission, "approvals-outbox").inputs.principal, "events.amazonaws.com");
    const alarm = find(rec, T.alarm, "approvals-pending");
    assert.deepEqual(
      [alarm.inputs.name, alarm.inputs.namespace, alarm.inputs.metricName, alarm.inputs.dimensions, alarm.inputs.threshold, alarm.inputs.treatMissingData],
      ["airlock-support-agent-approval-pending", "Airlock/Approvals", "OldestPendingSeconds", { Agent: "support-agent" }, 3600, "breaching"],
    );
    const logs = find(rec, T.logGroup, "approvals-logs");
    assert.equal(logs.inputs.name, "/airlock/support-agent/approvals");
    assert.equal(logs.inputs.retentionInDays, 90);
  });

  it("tags every taggable child with the agent and the component", () => {
    for (const t of [T.fn, T.secret, T.role, T.sg, T.rule, T.alarm]) {
      for (const r of all(rec, t).filter((x) => x.name.startsWith("approvals"))) {
        const tags = r.inputs.tags as Record<string, string>;
        assert.equal(tags["airlock:agent"], "support-agent", `${r.type} ${r.name}`);
        assert.equal(tags["airlock:component"], "approval-gateway", `${r.type} ${r.name}`);
      }
    }
  });
});

describe("ApprovalGateway input checks", () => {
  it("refuse bad input before anything is made, naming the field", async () => {
    const model = await exampleModel();
    const base = gatewayArgs(model);
    const check = (over: Partial<typeof base>, domains = ["slack.com"]) => () => validateApprovalGatewayArgs({ ...base, ...over }, domains);
    assert.throws(check({ slack: { channel: "#approvals", approvers: ["U0A1"] } }), { message: '`slack.channel`: "#approvals" is not a Slack channel id; use the C… id from the channel\'s details, not its name' });
    assert.throws(check({ slack: { channel: "C0A1", approvers: [] } }), { message: "`slack.approvers`: list at least one Slack user id (U…) allowed to decide" });
    assert.throws(check({ slack: { channel: "C0A1", approvers: ["alice"] } }), { message: '`slack.approvers[0]`: "alice" is not a Slack user id; use the U… id from the user\'s profile, not a name' });
    assert.throws(check({ database: { cidrs: ["0.0.0.0/0"] } }), { message: '`database.cidrs[0]`: "0.0.0.0/0" opens the database port to every address; give the database\'s own subnets' });
    assert.throws(check({ database: { cidrs: [] } }), { message: "`database.cidrs`: give the CIDR blocks the approvals database is reached at (e.g. the RDS subnets)" });
    assert.throws(check({ maxPendingSeconds: 5 }), { message: "`maxPendingSeconds`: give a whole number of seconds, at least 60" });
    assert.throws(check({ logRetentionDays: 10 }), { message: /^`logRetentionDays`: 10 is not a CloudWatch Logs retention/ });
    assert.throws(check({}, ["api.github.com"]), {
      message: "`platform.extraAllowedDomains`: the DNS firewall does not allow slack.com, so the gateway could not reach Slack; add \"slack.com\" to the platform's `extraAllowedDomains`",
    });
    // And through the component, nothing of the gateway is made
    await assert.rejects(record(model, {}, []), { message: /`platform\.extraAllowedDomains`: the DNS firewall does not allow slack\.com/ });
  });
});
