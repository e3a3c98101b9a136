import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import type { AgentModel } from "@airlock/core";
import { logMaskingRegexOf, SECRET_PATTERNS } from "@airlock/core";
import type { Recording } from "../src/plan/record.ts";
import { all, exampleModel, find, json, recordDeployment } from "./harness.ts";

const IMAGE = (n: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:${n.repeat(64)}`;
// The model each image ships (a hash of the right shape; these tests are not about it).
const SHIPPED = "5".repeat(64);
const RELEASES = { v1: { image: IMAGE("1"), modelHash: SHIPPED }, v2: { image: IMAGE("2"), modelHash: SHIPPED }, v3: { image: IMAGE("3"), modelHash: SHIPPED, bad: "doubled refund amounts" } };

describe("releases and rollback", () => {
  let model: AgentModel;
  let atV2: Recording;
  let atV1: Recording;
  before(async () => {
    model = await exampleModel();
    atV2 = await recordDeployment(model, { deployment: { releases: RELEASES, activeRelease: "v2" } });
    atV1 = await recordDeployment(model, { deployment: { releases: RELEASES, activeRelease: "v1" } });
  });

  it("keeps every release as its own retained task definition", () => {
    const tds = all(atV2, "aws:ecs/taskDefinition:TaskDefinition").filter((t) => t.name.includes("-release-"));
    assert.deepEqual(
      tds.map((t) => [t.name, t.inputs.skipDestroy, JSON.parse(t.inputs.containerDefinitions as string)[0].image]),
      [
        ["support-agent-release-v1", true, IMAGE("1")],
        ["support-agent-release-v2", true, IMAGE("2")],
        ["support-agent-release-v3", true, IMAGE("3")],
      ],
    );
  });

  it("rolling back from v2 to v1 changes only the service's task definition: nothing replaced, nothing else updated", () => {
    assert.deepEqual(atV1.resources.map((r) => r.urn), atV2.resources.map((r) => r.urn), "the same resources exist");
    const changed: string[] = [];
    for (const [i, r] of atV2.resources.entries()) {
      const other = atV1.resources[i]!;
      for (const key of new Set([...Object.keys(r.inputs), ...Object.keys(other.inputs)])) {
        if (JSON.stringify(r.inputs[key]) !== JSON.stringify(other.inputs[key])) changed.push(`${r.type} ${r.name}.${key}`);
      }
    }
    assert.deepEqual(changed, ["aws:ecs/service:Service support-agent-service.taskDefinition"]);
    assert.equal(find(atV2, "aws:ecs/service:Service", "support-agent-service").inputs.taskDefinition, "arn:aws:ecs:us-east-1:123456789012:task-definition/support-agent-test:2");
    assert.equal(find(atV1, "aws:ecs/service:Service", "support-agent-service").inputs.taskDefinition, "arn:aws:ecs:us-east-1:123456789012:task-definition/support-agent-test:1");
  });

  it("turns on the circuit breaker and the error-rate alarms (the agent's and each tool's) as deployment alarms with rollback", () => {
    const service = find(atV2, "aws:ecs/service:Service", "support-agent-service");
    assert.deepEqual(service.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
    assert.deepEqual(service.inputs.alarms, {
      alarmNames: ["airlock-test-support-agent-error-rate", ...model.tools.map((t) => `airlock-test-support-agent-tool-${t.name}-error-rate`)],
      enable: true,
      rollback: true,
    });
  });

  it("refuses to run a release marked bad", async () => {
    await assert.rejects(recordDeployment(model, { deployment: { releases: RELEASES, activeRelease: "v3" } }), {
      message: '`activeRelease`: "v3" is marked bad (doubled refund amounts); run another release (`airlock rollback`)',
    });
  });
});

describe("alarms, dashboard and log masking", () => {
  let rec: Recording;
  before(async () => {
    rec = await recordDeployment(await exampleModel(), {
      deployment: {
        alarms: { errorRatePercent: 5, maxCostPerHourUsd: 12.5 },
        alerts: { slack: { workspaceId: "T0123ABCD", channelId: "C0456EFGH" }, emails: ["oncall@example.com"] },
      },
    });
  });

  it("alarms on the error rate with metric math over the tracer's Calls and Errors", () => {
    const alarm = find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-observability-error-rate");
    assert.equal(alarm.inputs.threshold, 5);
    assert.equal(alarm.inputs.comparisonOperator, "GreaterThanThreshold");
    assert.equal(alarm.inputs.evaluationPeriods, 2);
    assert.equal(alarm.inputs.datapointsToAlarm, 2);
    assert.equal(alarm.inputs.treatMissingData, "notBreaching");
    assert.deepEqual(alarm.inputs.metricQueries, [
      { id: "errors", metric: { dimensions: { Stack: "test", Agent: "support-agent" }, metricName: "Errors", namespace: "Airlock/Agents", period: 300, stat: "Sum" }, returnData: false },
      { id: "calls", metric: { dimensions: { Stack: "test", Agent: "support-agent" }, metricName: "Calls", namespace: "Airlock/Agents", period: 300, stat: "Sum" }, returnData: false },
      { expression: "IF(calls >= 5, 100 * errors / calls, 0)", id: "error_rate", label: "Error rate (%)", returnData: true },
    ]);
    assert.deepEqual(alarm.inputs.alarmActions, ["arn:aws:sns:us-east-1:123456789012:airlock-test-support-agent-alarms"]);
  });

  it("alarms on cost per hour and on a cost anomaly band", () => {
    const cost = find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-observability-cost-per-hour");
    assert.deepEqual([cost.inputs.metricName, cost.inputs.statistic, cost.inputs.period, cost.inputs.threshold], ["CostUsd", "Sum", 3600, 12.5]);
    const anomaly = find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-observability-cost-anomaly");
    assert.equal(anomaly.inputs.thresholdMetricId, "cost_band");
    assert.equal(anomaly.inputs.comparisonOperator, "GreaterThanUpperThreshold");
    assert.deepEqual((anomaly.inputs.metricQueries as any[])[1], { expression: "ANOMALY_DETECTION_BAND(cost, 3)", id: "cost_band", label: "Expected cost", returnData: true });
  });

  it("alarms when fewer tasks run than desired, and reports every task that stops on its own", () => {
    const restarts = find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-observability-task-restarts");
    assert.deepEqual((restarts.inputs.metricQueries as any[]).map((q) => q.expression ?? q.metric.metricName), ["RunningTaskCount", "DesiredTaskCount", "desired - running"]);
    // The agent has its own channel, so its own rule reports its tasks; the platform's covers the cluster.
    const own = find(rec, "aws:cloudwatch/eventRule:EventRule", "support-agent-task-stopped");
    assert.deepEqual(json(own, "eventPattern").detail, {
      clusterArn: ["arn:aws:ecs:us-east-1:123456789012:cluster/platform-cluster"],
      group: ["service:support-agent-test"],
      lastStatus: ["STOPPED"],
      stopCode: ["EssentialContainerExited", "TaskFailedToStart"],
    });
    assert.equal(find(rec, "aws:cloudwatch/eventTarget:EventTarget", "support-agent-task-stopped").inputs.arn, "arn:aws:sns:us-east-1:123456789012:airlock-test-support-agent-alarms");
    const platformRule = find(rec, "aws:cloudwatch/eventRule:EventRule", "platform-task-stopped");
    // The platform's rule reports service tasks only (sandbox tasks started with RunTask never page).
    assert.deepEqual(json(platformRule, "eventPattern").detail.group, [{ prefix: "service:" }]);
  });

  it("delivers the agent's alarms to its own Slack channel through Chatbot with a deny-all guardrail, and to email", () => {
    const slack = find(rec, "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration", "support-agent-alerts-slack");
    assert.deepEqual([slack.inputs.slackTeamId, slack.inputs.slackChannelId, slack.inputs.guardrailPolicyArns], ["T0123ABCD", "C0456EFGH", ["arn:aws:iam::aws:policy/AWSDenyAll"]]);
    assert.deepEqual(slack.inputs.snsTopicArns, ["arn:aws:sns:us-east-1:123456789012:airlock-test-support-agent-alarms"]);
    const email = find(rec, "aws:sns/topicSubscription:TopicSubscription", "support-agent-alerts-email-oncall-example-com");
    assert.deepEqual([email.inputs.protocol, email.inputs.endpoint], ["email", "oncall@example.com"]);
    assert.match(String(find(rec, "aws:sns/topic:Topic", "support-agent-alerts-topic").inputs.kmsMasterKeyId), /^arn:aws:kms:/);
    for (const a of all(rec, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((x) => x.name.startsWith("support-agent"))) {
      assert.deepEqual(a.inputs.alarmActions, ["arn:aws:sns:us-east-1:123456789012:airlock-test-support-agent-alarms"], a.name);
    }
  });

  it("without its own alerts, an agent's alarms go to the platform's channel", async () => {
    const shared = await recordDeployment(await exampleModel(), { platform: { alerts: { emails: ["platform@example.com"] } } });
    assert.equal(all(shared, "aws:sns/topic:Topic").length, 1);
    const alarm = find(shared, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-observability-error-rate");
    assert.deepEqual(alarm.inputs.alarmActions, ["arn:aws:sns:us-east-1:123456789012:airlock-test-platform-alarms"]);
  });

  it("masks credentials with AWS's managed identifiers and Airlock's own patterns", () => {
    const dp = json(find(rec, "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy", "support-agent-observability-logs-masking"), "policyDocument");
    const custom = dp.Configuration.CustomDataIdentifier.map((c: any) => c.Name);
    // The scanner's patterns packed by group: at most ten identifiers (CloudWatch's limit), each within 200 characters.
    assert.deepEqual(custom, ["AnthropicApiKey", "OpenAiApiKey", "AiPlatformKey", "CloudProviderKey", "SourceControlToken", "ChatToken", "CommerceKey", "PlatformToken", "PrivateKey", "UrlPassword"]);
    for (const c of dp.Configuration.CustomDataIdentifier) {
      // CloudWatch's form of the patterns: custom data identifiers accept no `(`, `)` or `:`.
      const members = SECRET_PATTERNS.filter((p) => p.logMasking && (p.logMaskingGroup ?? p.id) === c.Name);
      assert.equal(c.Regex, members.map(logMaskingRegexOf).join("|"));
      assert.doesNotMatch(c.Regex, /[():]/, c.Name);
      assert.ok(c.Regex.length <= 200);
    }
    const ids = [
      "arn:aws:dataprotection::aws:data-identifier/AwsSecretKey",
      "arn:aws:dataprotection::aws:data-identifier/OpenSshPrivateKey",
      "arn:aws:dataprotection::aws:data-identifier/PgpPrivateKey",
      "arn:aws:dataprotection::aws:data-identifier/PkcsPrivateKey",
      "arn:aws:dataprotection::aws:data-identifier/PuttyPrivateKey",
      ...custom,
    ];
    assert.deepEqual(dp.Statement, [
      { Sid: "audit-credentials", DataIdentifier: ids, Operation: { Audit: { FindingsDestination: {} } } },
      { Sid: "mask-credentials", DataIdentifier: ids, Operation: { Deidentify: { MaskConfig: {} } } },
    ]);
    // Every Airlock log group carries the same masking.
    const groups = all(rec, "aws:cloudwatch/logGroup:LogGroup").map((g) => g.name);
    const masked = all(rec, "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy").map((p) => p.name.replace(/-masking$/, ""));
    assert.deepEqual(masked.sort(), groups.sort());
  });

  it("draws a dashboard of calls, errors, latency, cost and the running release", () => {
    const body = json(find(rec, "aws:cloudwatch/dashboard:Dashboard", "support-agent-observability-dashboard"), "dashboardBody");
    assert.deepEqual(body.widgets.map((w: any) => w.properties.title), [
      "Calls, errors and refusals",
      "Error rate (%)",
      "Latency (ms)",
      "Cost (USD per hour)",
      "Tokens",
      "Running tasks",
      "Running release (calls per release, last hour)",
      "Alarms",
    ]);
    assert.match(body.widgets[6].properties.query, /^SOURCE '\/airlock\/test\/agents\/support-agent' \| filter ispresent\(Release\)/);
    assert.match(body.widgets[6].properties.query, /sum\(Errors\) as errors, sum\(Refusals\) as refusals by Release/);
    // Refusals are drawn beside the errors, and the error rate is Errors / Calls alone.
    assert.deepEqual(body.widgets[0].properties.metrics.map((m: any[]) => m[1]), ["Calls", "Errors", "Refusals"]);
    assert.equal(body.widgets[1].properties.metrics[0][0].expression, "IF(calls > 0, 100 * errors / calls, 0)");
    // The agent's four alarms and one error-rate alarm per tool.
    assert.equal(body.widgets[7].properties.alarms.length, 4 + all(rec, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.includes("-observability-tool-")).length);
  });

  it("rejects bad alarm settings and alert targets with the field named", async () => {
    const model = await exampleModel();
    await assert.rejects(recordDeployment(model, { deployment: { alarms: { errorRatePercent: 0 } } }), { message: "`alarms.errorRatePercent`: must be more than 0 and at most 100" });
    await assert.rejects(recordDeployment(model, { deployment: { alerts: { emails: ["oncall"] } } }), { message: '`alerts.emails[0]`: "oncall" is not an email address' });
    await assert.rejects(recordDeployment(model, { deployment: { alerts: { slack: { workspaceId: "acme", channelId: "#alerts" } } } }), {
      message: "`alerts.slack`: give the Slack workspace id (T…) and channel id (C…), as shown in Slack's channel details",
    });
  });
});
