/**
 * Settings resolved once (issue #13): each concern has one `resolve…` that fills its defaults and
 * checks it; the outer component (AgentDeployment, AgentPlatform) resolves and hands the result to
 * the inner ones (AgentObservability, AlertChannel, ApprovalGateway), which use it as it is; a user
 * who builds an inner component directly with raw settings gets the same checks and messages.
 */
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { loadManifest, type AgentModel } from "@airlock/core";
import { SLACK_CHANNEL_ID } from "@airlock/approvals/slack-ids";
import { recordProgram } from "../src/plan/record.ts";
import type { AwsContext } from "../src/aws-context.ts";
import { AgentPlatform, privateRoutesVia } from "../src/platform/index.ts";
import { AgentDeployment } from "../src/agent/agent-deployment.ts";
import { AgentObservability } from "../src/observability/agent-observability.ts";
import { AlertChannel, resolveAlertTargets } from "../src/observability/alert-channel.ts";
import { DEFAULT_ALARM_ROLLBACK, DEFAULT_ALARM_SETTINGS, resolveAlarmSettings } from "../src/observability/alarms.ts";
import { DEFAULT_LOG_RETENTION_DAYS, RETENTION_DAYS, resolveLogRetention } from "../src/observability/secure-log-group.ts";
import { ApprovalGateway, DEFAULT_CREDENTIAL_MAX_AGE_DAYS, DEFAULT_PENDING_ALARM_MINUTES, DEFAULT_RESERVED_CONCURRENCY, resolveApprovalSettings } from "../src/approvals/approval-gateway.ts";
import { resolvePlatformApprovals } from "../src/platform/approvals.ts";
import { SecretFunctions } from "../src/secrets/secret-functions.ts";
import { all, exampleModel, find, recordDeployment, TEST_APPROVALS, TEST_TRANSIT_GATEWAY, WIRING_ONLY } from "./harness.ts";

const MULTI = new URL("../../../examples/multi-agent/", import.meta.url).pathname;
const RETENTION_MESSAGE = (field: string, days: number) => `\`${field}\`: ${days} is not a CloudWatch Logs retention; use one of ${RETENTION_DAYS.join(", ")}`;

/** `values` as an object whose every field counts its reads (how often a check looked at it). */
function counted<T extends object>(values: T): { readonly value: T; readonly reads: Record<string, number> } {
  const reads: Record<string, number> = {};
  const value = {} as T;
  for (const [key, v] of Object.entries(values)) {
    reads[key] = 0;
    Object.defineProperty(value, key, { enumerable: true, get: () => (reads[key]!++, v) });
  }
  return { value, reads };
}

/** Counts the calls of `object[method]`, an inherited method (a RegExp's `test`, an array's `includes`), while `run` runs. */
async function countCalls<T extends object>(object: T, method: keyof T & string, run: () => Promise<unknown>): Promise<number> {
  assert.ok(!Object.hasOwn(object, method), `${method} is inherited`);
  const original = object[method] as (...a: unknown[]) => unknown;
  let calls = 0;
  Object.defineProperty(object, method, { configurable: true, writable: true, value: function (this: unknown, ...a: unknown[]) { calls++; return original.apply(this, a); } });
  try {
    await run();
  } finally {
    delete (object as Record<string, unknown>)[method];
  }
  return calls;
}

/** An account context for an inner component built on its own (no platform). */
function testContext(): AwsContext {
  return {
    region: "us-east-1",
    accountId: pulumi.output("123456789012"),
    partition: pulumi.output("aws"),
    dnsSuffix: pulumi.output("amazonaws.com"),
    deployerArn: pulumi.output("arn:aws:iam::123456789012:role/deployer"),
  };
}

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0b2c4c1e-6d0a-4a53-9d55-2a8f8c1f1c11";
const TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms";
const LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/airlock/test/team";

function record(program: () => void) {
  return recordProgram({ project: "airlock-test", stack: "test", config: { "aws:region": "us-east-1" }, program });
}

describe("resolve…: one function per concern fills the defaults and checks", () => {
  it("alarm settings: given none, then every default; given one, then the rest defaulted; given a bad value, then the field and the range", () => {
    // The per-tool error rate follows the agent's unless given; no per-tool call alarms; the error rates roll back.
    const perTool = (rate: number) => ({ toolErrorRatePercent: rate, minCallsForToolErrorRate: DEFAULT_ALARM_SETTINGS.minCallsForErrorRate, maxCallsPerToolPerHour: undefined, rollback: { ...DEFAULT_ALARM_ROLLBACK } });
    assert.deepEqual({ ...resolveAlarmSettings() }, { ...DEFAULT_ALARM_SETTINGS, ...perTool(DEFAULT_ALARM_SETTINGS.errorRatePercent) });
    assert.deepEqual({ ...resolveAlarmSettings({ errorRatePercent: 25 }) }, { ...DEFAULT_ALARM_SETTINGS, errorRatePercent: 25, ...perTool(25) });
    assert.deepEqual(DEFAULT_ALARM_SETTINGS, { errorRatePercent: 10, minCallsForErrorRate: 5, errorRatePeriodSeconds: 300, errorRateEvaluationPeriods: 2, maxCostPerHourUsd: 20, costAnomalyBandWidth: 3 });
    const cases: [object, string][] = [
      [{ errorRatePercent: 0 }, "`alarms.errorRatePercent`: must be more than 0 and at most 100"],
      [{ minCallsForErrorRate: 1.5 }, "`alarms.minCallsForErrorRate`: must be a whole number, 1 or more"],
      [{ errorRatePeriodSeconds: 120 }, "`alarms.errorRatePeriodSeconds`: use 60, 300, 900 or 3600"],
      [{ errorRateEvaluationPeriods: 11 }, "`alarms.errorRateEvaluationPeriods`: must be a whole number from 1 to 10"],
      [{ maxCostPerHourUsd: 0 }, "`alarms.maxCostPerHourUsd`: must be more than 0 (USD per hour)"],
      [{ costAnomalyBandWidth: 20 }, "`alarms.costAnomalyBandWidth`: must be from 1 to 10 standard deviations"],
    ];
    for (const [s, message] of cases) assert.throws(() => resolveAlarmSettings(s), { message });
    assert.throws(() => resolveAlarmSettings({ errorRatePercent: 101 }, "agents.billing.alarms"), { message: "`agents.billing.alarms.errorRatePercent`: must be more than 0 and at most 100" });
  });

  it("log retention: given none, then 90 days; given a CloudWatch value, then it; given another, then the field and the values allowed", () => {
    assert.equal(DEFAULT_LOG_RETENTION_DAYS, 90);
    assert.equal(resolveLogRetention(undefined, "logRetentionDays").days, 90);
    assert.equal(resolveLogRetention(30, "logRetentionDays").days, 30);
    assert.throws(() => resolveLogRetention(31, "logRetentionDays"), { message: RETENTION_MESSAGE("logRetentionDays", 31) });
  });

  it("alert targets: given none, then no email and no Slack; given bad ones, then the field and how to fix it", () => {
    assert.deepEqual({ ...resolveAlertTargets(undefined) }, { emails: [] });
    assert.deepEqual({ ...resolveAlertTargets({ emails: ["oncall@example.com"], slack: { workspaceId: "T0WORKSPACE", channelId: "C0ALERTS01" } }) }, {
      slack: { workspaceId: "T0WORKSPACE", channelId: "C0ALERTS01" },
      emails: ["oncall@example.com"],
    });
    assert.throws(() => resolveAlertTargets({ emails: ["a@example.com", "oncall"] }), { message: '`alerts.emails[1]`: "oncall" is not an email address' });
    assert.throws(() => resolveAlertTargets({ slack: { workspaceId: "acme", channelId: "C0ALERTS01" } }), {
      message: "`alerts.slack`: give the Slack workspace id (T…) and channel id (C…), as shown in Slack's channel details",
    });
  });

  it("an approval route: given no alarm minutes, then 30; given bad ids or minutes, then the route's field and the fix", () => {
    assert.equal(DEFAULT_PENDING_ALARM_MINUTES, 30);
    assert.deepEqual(JSON.parse(JSON.stringify(resolveApprovalSettings(TEST_APPROVALS, "approvals.agents.support-agent"))), { ...TEST_APPROVALS, pendingAlarmMinutes: 30 });
    const field = "approvals.agents.support-agent";
    const cases: [unknown, string][] = [
      [{ slack: { channelId: "#support", approverIds: ["U0APPROVER1"] } }, `\`${field}.slack.channelId\`: give the channel's id (C…), as shown in Slack's channel details, not its name`],
      [{ slack: { channelId: "C0APPROVALS", approverIds: [] } }, `\`${field}.slack.approverIds\`: list at least one Slack user id (U…) allowed to decide`],
      [{ slack: { channelId: "C0APPROVALS", approverIds: ["alice"] } }, `\`${field}.slack.approverIds[0]\`: "alice" is not a Slack user id; use the U… id from the user's profile`],
      [{ ...TEST_APPROVALS, pendingAlarmMinutes: 2 }, `\`${field}.pendingAlarmMinutes\`: must be a whole number of minutes from 5 to 1440`],
    ];
    for (const [s, message] of cases) assert.throws(() => resolveApprovalSettings(s as never, field), { message });
  });

  it("a platform's approvals: given no limits, then 90-day credentials and 10 reserved executions; given bad ones, then `approvals.…`", async () => {
    const model = await exampleModel();
    const routed = { agents: { [model.name]: TEST_APPROVALS } };
    const resolved = resolvePlatformApprovals([model], routed);
    assert.deepEqual([resolved.credentialMaxAgeDays, resolved.reservedConcurrency], [DEFAULT_CREDENTIAL_MAX_AGE_DAYS, DEFAULT_RESERVED_CONCURRENCY]);
    assert.deepEqual([DEFAULT_CREDENTIAL_MAX_AGE_DAYS, DEFAULT_RESERVED_CONCURRENCY], [90, 10]);
    assert.deepEqual(resolved.routes.map((r) => [r.model.name, r.settings.pendingAlarmMinutes]), [[model.name, 30]]);
    assert.equal(resolved.routesByAgent[model.name], resolved.routes[0]!.settings, "the agent's route and the gateway's are one value");
    assert.throws(() => resolvePlatformApprovals([model], { ...routed, credentialMaxAgeDays: 0 }), { message: "`approvals.credentialMaxAgeDays`: must be a whole number of days from 1 to 730" });
    assert.throws(() => resolvePlatformApprovals([model], { ...routed, reservedConcurrency: 0 }), {
      message: "`approvals.reservedConcurrency`: give a whole number of executions from 1 to 1000, or \"none\" in an account whose concurrency quota is below 110",
    });
  });

  it("given a value it resolved, each returns it as it is; a copy of one is raw again and checked", () => {
    const alarms = resolveAlarmSettings({ errorRatePercent: 25 });
    const retention = resolveLogRetention(30, "logRetentionDays");
    const targets = resolveAlertTargets({ emails: ["oncall@example.com"] });
    const route = resolveApprovalSettings(TEST_APPROVALS);
    assert.equal(resolveAlarmSettings(alarms), alarms);
    assert.equal(resolveLogRetention(retention, "logRetentionDays"), retention);
    assert.equal(resolveAlertTargets(targets), targets);
    assert.equal(resolveApprovalSettings(route), route);
    for (const v of [alarms, retention, targets, route]) assert.ok(Object.isFrozen(v));
    assert.throws(() => resolveAlarmSettings({ ...alarms, errorRatePercent: 0 }), { message: "`alarms.errorRatePercent`: must be more than 0 and at most 100" });
    assert.throws(() => resolveApprovalSettings({ ...route, pendingAlarmMinutes: 2 }), { message: "`approvals.pendingAlarmMinutes`: must be a whole number of minutes from 5 to 1440" });
  });
});

describe("the outer components resolve once; the inner ones take the result as it is", () => {
  it("given a deployment's alarms and alerts, when it builds its observability and alert channel, then each setting is read once", async () => {
    const model = await exampleModel();
    const alarms = counted({ errorRatePercent: 25, maxCostPerHourUsd: 50 });
    const alerts = counted({ emails: ["oncall@example.com"] });
    const rec = await recordDeployment(model, { deployment: { alarms: alarms.value, alerts: alerts.value } });
    // Before, validateDeploymentArgs and then AgentObservability and AlertChannel each checked them.
    assert.deepEqual(alarms.reads, { errorRatePercent: 1, maxCostPerHourUsd: 1 });
    assert.deepEqual(alerts.reads, { emails: 1 });
    // And the inner components used them.
    assert.equal(find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-observability-error-rate").inputs.threshold, 25);
    assert.equal(find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-observability-cost-per-hour").inputs.threshold, 50);
    assert.deepEqual(all(rec, "aws:sns/topicSubscription:TopicSubscription").map((s) => s.inputs.endpoint), ["oncall@example.com"]);
  });

  it("given a platform's routes, retention and alerts, when it builds its gateway and alert channel and the agents deploy, then each is checked once", async () => {
    const models = await Promise.all(["research", "billing", "newsletter"].map((d) => loadManifest(join(MULTI, d, "agent.yaml"))));
    const billing = counted({ slack: { channelId: "C0FINANCE01", approverIds: ["U0FINANCE01"] }, pendingAlarmMinutes: 15 });
    const newsletter = counted({ slack: { channelId: "C0GROWTH001", approverIds: ["U0GROWTH001"] } });
    const alerts = counted({ emails: ["platform@example.com"] });
    let retentionReads = 0;
    const program = (deploy: (platform: AgentPlatform, model: AgentModel) => void) => () => {
      const args = {
        agents: models,
        approvals: { agents: { "billing-agent": billing.value, "newsletter-agent": newsletter.value } },
        privateRoutes: privateRoutesVia(models, { transitGatewayId: TEST_TRANSIT_GATEWAY }),
        alerts: alerts.value,
      };
      Object.defineProperty(args, "logRetentionDays", { enumerable: true, get: () => (retentionReads++, 30) });
      const platform = new AgentPlatform("platform", args);
      for (const model of models) deploy(platform, model);
    };
    let rec!: Awaited<ReturnType<typeof record>>;
    const channelChecks = await countCalls(SLACK_CHANNEL_ID, "test", async () => {
      rec = await record(program((platform, model) => new AgentDeployment(model.name, { platform, model, evalGate: WIRING_ONLY, logRetentionDays: 14 })));
    });
    // Two routes, each checked once (before: by the platform, then again by the gateway).
    assert.equal(channelChecks, 2);
    assert.deepEqual([billing.reads, newsletter.reads, alerts.reads, retentionReads], [{ slack: 1, pendingAlarmMinutes: 1 }, { slack: 1 }, { emails: 1 }, 1]);
    // Retention: once for the platform (its functions' and the gateway's logs), once per agent.
    const retentionChecks = await countCalls(RETENTION_DAYS as unknown as number[], "includes", () =>
      record(program((platform, model) => new AgentDeployment(model.name, { platform, model, evalGate: WIRING_ONLY, logRetentionDays: 14 }))),
    );
    assert.equal(retentionChecks, 1 + models.length);
    // What was resolved reached the resources: the route's minutes, the platform's retention.
    assert.equal(find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", "billing-agent-approvals-pending").inputs.threshold, 900);
    assert.equal(find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", "newsletter-agent-approvals-pending").inputs.threshold, 1800);
    assert.equal(find(rec, "aws:cloudwatch/logGroup:LogGroup", "platform-approvals-logs").inputs.retentionInDays, 30);
    assert.equal(find(rec, "aws:cloudwatch/logGroup:LogGroup", "billing-agent-observability-logs").inputs.retentionInDays, 14);
  });
});

describe("an inner component built directly with raw settings checks them itself", () => {
  it("AgentObservability: given good raw settings, then it uses them with the defaults; given bad ones, then the same messages", async () => {
    const model = await exampleModel();
    const observability = (extra: object) => () =>
      new AgentObservability("obs", {
        model,
        aws: testContext(),
        kmsKeyArn: KEY,
        clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/agents",
        clusterName: "agents",
        serviceName: "support-agent",
        alarmTopicArn: TOPIC,
        tags: {},
        ...extra,
      });
    const rec = await record(observability({ alarms: { errorRatePercent: 25 } }));
    assert.equal(find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", "obs-error-rate").inputs.threshold, 25);
    assert.equal(find(rec, "aws:cloudwatch/metricAlarm:MetricAlarm", "obs-error-rate").inputs.evaluationPeriods, DEFAULT_ALARM_SETTINGS.errorRateEvaluationPeriods);
    assert.equal(find(rec, "aws:cloudwatch/logGroup:LogGroup", "obs-logs").inputs.retentionInDays, 90);
    await assert.rejects(record(observability({ alarms: { errorRatePercent: 0 } })), { message: "`alarms.errorRatePercent`: must be more than 0 and at most 100" });
    await assert.rejects(record(observability({ logRetentionDays: 31 })), { message: RETENTION_MESSAGE("logRetentionDays", 31) });
  });

  it("AlertChannel: given bad raw targets, then the same messages as on a deployment", async () => {
    const channel = (targets: object) => () => new AlertChannel("alerts", { topicName: "team", aws: testContext(), kmsKeyArn: KEY, targets, tags: {} });
    await assert.rejects(record(channel({ emails: ["oncall"] })), { message: '`alerts.emails[0]`: "oncall" is not an email address' });
    await assert.rejects(record(channel({ slack: { workspaceId: "T0WORKSPACE", channelId: "general" } })), {
      message: "`alerts.slack`: give the Slack workspace id (T…) and channel id (C…), as shown in Slack's channel details",
    });
    const rec = await record(channel({ emails: ["oncall@example.com"] }));
    assert.deepEqual(all(rec, "aws:sns/topicSubscription:TopicSubscription").map((s) => s.inputs.endpoint), ["oncall@example.com"]);
  });

  it("ApprovalGateway: given a raw route, then its minutes default; given bad routes or retention, then the same messages as on a platform", async () => {
    const model = await exampleModel();
    const gateway = (extra: object) => () => {
      const ctx = testContext();
      // The gateway's credentials are hand-rotated: they need the platform's age monitor.
      const functions = new SecretFunctions("fn", { platformName: "team", aws: ctx, logGroupName: "/airlock/test/team", logGroupArn: LOG_GROUP, kmsKeyArn: KEY, rotation: false, ageMonitor: true, tags: {} });
      new ApprovalGateway("gw", { platformName: "team", aws: ctx, kmsKeyArn: KEY, ageMonitor: functions.ageMonitor!, alarmTopicArn: TOPIC, routes: [{ model, settings: TEST_APPROVALS }], tags: {}, ...extra });
    };
    const rec = await record(gateway({}));
    assert.deepEqual(find(rec, "airlock:approvals:ApprovalGateway", "gw").inputs.routes, { [model.name]: { channelId: "C0APPROVALS", approverIds: ["U0APPROVER1", "U0APPROVER2"] } });
    assert.equal(find(rec, "aws:cloudwatch/logGroup:LogGroup", "gw-logs").inputs.retentionInDays, 90);
    await assert.rejects(record(gateway({ routes: [] })), { message: "`routes`: an approval gateway serves at least one agent" });
    await assert.rejects(record(gateway({ routes: [{ model, settings: { slack: { channelId: "#support", approverIds: ["U0APPROVER1"] } } }] })), {
      message: "`approvals.agents.support-agent.slack.channelId`: give the channel's id (C…), as shown in Slack's channel details, not its name",
    });
    await assert.rejects(record(gateway({ routes: [{ model, settings: { ...TEST_APPROVALS, pendingAlarmMinutes: 2 } }] })), {
      message: "`approvals.agents.support-agent.pendingAlarmMinutes`: must be a whole number of minutes from 5 to 1440",
    });
    await assert.rejects(record(gateway({ logRetentionDays: 31 })), { message: RETENTION_MESSAGE("logRetentionDays", 31) });
  });
});
