/** ApprovalGateway, as AgentDeployment creates it for an agent with outward tools that wait for a person. */
import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type { AgentModel } from "@airlock/core";
import type { Recording } from "../src/plan/record.ts";
import { approvalLambdaSource } from "../src/approvals/bundle.ts";
import { exampleModel, find, json, recordDeployment, all } from "./harness.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

describe("ApprovalGateway for the support agent", () => {
  let model: AgentModel;
  let rec: Recording;
  before(async () => {
    model = await exampleModel();
    rec = await recordDeployment(model, { deployment: { approvals: { slack: { channelId: "C0APPROVALS", approverIds: ["U0LEAD0001", "U0LEAD0002"] }, pendingAlarmMinutes: 20 } } });
  });

  it("names its agent and lets the agent only invoke it: no Slack token, no database credentials in the agent", () => {
    const gateway = find(rec, "airlock:approvals:ApprovalGateway", "support-agent-approvals");
    assert.deepEqual(gateway.inputs, { agent: "support-agent" });
    const task = json(find(rec, "aws:iam/rolePolicy:RolePolicy", "support-agent-task"), "policy");
    assert.deepEqual(
      task.Statement.find((s: any) => s.Sid === "ApprovalsInvokeGateway"),
      { Sid: "ApprovalsInvokeGateway", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: ["arn:aws:lambda:us-east-1:123456789012:function:airlock-support-agent-approvals"] },
    );
    const [container] = json(find(rec, "aws:ecs/taskDefinition:TaskDefinition", "support-agent-release-current"), "containerDefinitions");
    assert.equal(container.environment.find((e: any) => e.name === "AIRLOCK_APPROVAL_FUNCTION").value, "arn:aws:lambda:us-east-1:123456789012:function:airlock-support-agent-approvals");
    assert.ok(!container.secrets.some((s: any) => /SLACK|DATABASE/.test(s.name)), "the agent holds no approval credentials");
    // The agent reaches the function through the Lambda VPC endpoint.
    assert.ok(find(rec, "aws:ec2/vpcEndpoint:VpcEndpoint", "platform-lambda"));
  });

  it("keeps the gateway's credentials readable by its function alone, with age alarms", () => {
    const names = all(rec, "aws:secretsmanager/secret:Secret").map((s) => s.inputs.name).filter((n) => String(n).includes("approvals"));
    assert.deepEqual(names.sort(), ["airlock/support-agent/approvals-database-url", "airlock/support-agent/approvals-slack-bot-token", "airlock/support-agent/approvals-slack-signing-secret"]);
    const rp = json(find(rec, "aws:secretsmanager/secretPolicy:SecretPolicy", "support-agent-approvals-secrets-approvals-slack-bot-token"), "policy");
    assert.deepEqual(rp.Statement[0].Condition, { StringNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/support-agent-approvals-function"] } });
    const fnPolicy = json(find(rec, "aws:iam/rolePolicy:RolePolicy", "support-agent-approvals-function"), "policy");
    assert.deepEqual(fnPolicy.Statement[0].Action, ["secretsmanager:GetSecretValue"]);
    assert.equal(fnPolicy.Statement[0].Resource.length, 3);
    assert.ok(!JSON.stringify(fnPolicy).includes('"*"'));
    const ageAlarms = all(rec, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => String(a.inputs.name).includes("-approvals-") && String(a.inputs.name).endsWith("-age"));
    assert.equal(ageAlarms.length, 3);
  });

  it("puts secrets in the environment only by ARN, and Slack ids as plain settings", () => {
    const fn = find(rec, "aws:lambda/function:Function", "support-agent-approvals-function");
    const vars = (fn.inputs.environment as any).variables;
    assert.deepEqual(Object.keys(vars).sort(), [
      "AIRLOCK_DATABASE_URL_SECRET_ARN",
      "AIRLOCK_NAMESPACE",
      "AIRLOCK_SLACK_APPROVERS",
      "AIRLOCK_SLACK_BOT_TOKEN_SECRET_ARN",
      "AIRLOCK_SLACK_CHANNEL",
      "AIRLOCK_SLACK_SIGNING_SECRET_ARN",
    ]);
    assert.match(vars.AIRLOCK_SLACK_BOT_TOKEN_SECRET_ARN, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock\/support-agent\/approvals-slack-bot-token-/);
    assert.deepEqual([vars.AIRLOCK_SLACK_CHANNEL, vars.AIRLOCK_SLACK_APPROVERS], ["C0APPROVALS", "U0LEAD0001,U0LEAD0002"]);
    const code = (fn.inputs.code as any).archive;
    assert.deepEqual(Object.keys(code).sort(), ["index.mjs", "model.json"]);
    const url = find(rec, "aws:lambda/functionUrl:FunctionUrl", "support-agent-approvals-url");
    assert.equal(url.inputs.authorizationType, "NONE");
  });

  it("alarms when an approval has waited longer than the limit (or the gateway stops reporting)", () => {
    const alarm = find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-approvals-pending");
    assert.deepEqual(
      [alarm.inputs.namespace, alarm.inputs.metricName, alarm.inputs.dimensions, alarm.inputs.threshold, alarm.inputs.treatMissingData],
      ["Airlock/Approvals", "OldestPendingSeconds", { Agent: "support-agent" }, 1200, "breaching"],
    );
    const rule = find(rec, "aws:cloudwatch/eventRule:EventRule", "support-agent-approvals-schedule");
    assert.equal(rule.inputs.scheduleExpression, "rate(1 minute)");
  });

  it("refuses an agent with outward tools that need a person but no approvals, and bad Slack ids", async () => {
    await assert.rejects(recordDeployment(model, { deployment: { approvals: undefined } }), {
      message:
        "`approvals`: agent `support-agent` has outward tools that need a person (issue_refund: always-approve, send_customer_reply: approve); give `approvals.slack.channelId` and `approvals.slack.approverIds`",
    });
    await assert.rejects(recordDeployment(model, { deployment: { approvals: { slack: { channelId: "#support", approverIds: ["U0LEAD0001"] } } } }), {
      message: "`approvals.slack.channelId`: give the channel's id (C…), as shown in Slack's channel details, not its name",
    });
    await assert.rejects(recordDeployment(model, { deployment: { approvals: { slack: { channelId: "C0APPROVALS", approverIds: ["alice"] } } } }), {
      message: '`approvals.slack.approverIds[0]`: "alice" is not a Slack user id; use the U… id from the user\'s profile',
    });
    await assert.rejects(recordDeployment(model, { deployment: { approvals: { disabled: "later" } } }), {
      message: "`approvals.disabled`: give the reason approvals are off (at least 10 characters); it is tagged on the service for reviewers",
    });
  });
});

describe("the gateway's bundle", () => {
  it("is one ES module that loads and exports the handler", async () => {
    const dir = mkdtempSync(join(ROOT, ".airlock", "bundle-"));
    writeFileSync(join(dir, "index.mjs"), approvalLambdaSource());
    writeFileSync(join(dir, "model.json"), "{}");
    // The Lambda runtime provides the AWS SDK; here the repository's copy stands in for it.
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    const mod = await import(join(dir, "index.mjs"));
    assert.equal(typeof mod.handler, "function");
    assert.equal(mod.pendingMetricLine("support-agent", "Airlock/Approvals", { count: 2, oldestAgeSeconds: 75 }, 1764000000000),
      JSON.stringify({
        _aws: { Timestamp: 1764000000000, CloudWatchMetrics: [{ Namespace: "Airlock/Approvals", Dimensions: [["Agent"]], Metrics: [{ Name: "OldestPendingSeconds", Unit: "Seconds" }, { Name: "PendingApprovals", Unit: "Count" }] }] },
        Agent: "support-agent",
        OldestPendingSeconds: 75,
        PendingApprovals: 2,
      }));
  });
});
