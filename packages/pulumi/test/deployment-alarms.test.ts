// Given the example agent, when it is deployed with the default and with chosen `alarms.rollback`,
// then each tool of the manifest has an error-rate alarm on the tracer's [Stack, Agent, Tool]
// series, each alarm says what it watches (airlock:alarm), and the service's deployment alarms
// are exactly the ones `rollback` picks; bad settings are refused with the field named.
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import type { AgentModel } from "@airlock/core";
import { METRIC_MATH_ALARM_LIMITS } from "@airlock/core";
import { TAGS } from "@airlock/core/contracts";
import type { Recording } from "../src/plan/record.ts";
import { all, exampleModel, find, recordDeployment } from "./harness.ts";

const PREFIX = "airlock-test-support-agent";

describe("per-tool alarms as deployment alarms", () => {
  let model: AgentModel;
  let byDefault: Recording;
  let chosen: Recording;
  before(async () => {
    model = await exampleModel();
    byDefault = await recordDeployment(model);
    chosen = await recordDeployment(model, {
      deployment: { alarms: { toolErrorRatePercent: 25, minCallsForToolErrorRate: 3, maxCallsPerToolPerHour: 400, rollback: { errorRate: false, toolCalls: true, costPerHour: true } } },
    });
  });

  it("gives each tool an error-rate alarm on its own series, within a metric-math alarm's 10 metrics", () => {
    const tool = "issue_refund";
    const alarm = find(byDefault, "aws:cloudwatch/metricAlarm:MetricAlarm", `support-agent-observability-tool-${tool}-error-rate`);
    assert.equal(alarm.inputs.name, `${PREFIX}-tool-${tool}-error-rate`);
    assert.equal(alarm.inputs.threshold, 10, "defaults to the agent's error rate");
    const dims = { Stack: "test", Agent: "support-agent", Tool: tool };
    assert.deepEqual(alarm.inputs.metricQueries, [
      { id: "errors", returnData: false, metric: { namespace: "Airlock/Agents", metricName: "Errors", dimensions: dims, period: 300, stat: "Sum" } },
      { id: "calls", returnData: false, metric: { namespace: "Airlock/Agents", metricName: "Calls", dimensions: dims, period: 300, stat: "Sum" } },
      { id: "tool_error_rate", expression: "IF(calls >= 5, 100 * errors / calls, 0)", label: `${tool} error rate (%)`, returnData: true },
    ]);
    assert.ok((alarm.inputs.metricQueries as unknown[]).filter((q: any) => q.metric).length <= METRIC_MATH_ALARM_LIMITS.maxMetrics.max);
    assert.equal((alarm.inputs.tags as Record<string, string>)[TAGS.alarm], `tool-error-rate:${tool}`);
    assert.match(alarm.inputs.alarmDescription as string, /It is a deployment alarm: a new release that trips it while it deploys or bakes is rolled back\.$/);
    const perTool = all(byDefault, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => (a.inputs.tags as Record<string, string>)[TAGS.alarm]?.startsWith("tool-error-rate:"));
    assert.deepEqual(perTool.map((a) => (a.inputs.tags as Record<string, string>)[TAGS.alarm]).sort(), model.tools.map((t) => `tool-error-rate:${t.name}`).sort());
    assert.equal(all(byDefault, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name.includes("-calls")).length, 0, "no call alarms unless asked");
  });

  it("by default, the agent's and every tool's error rate roll back; cost alarms only notify", () => {
    const service = find(byDefault, "aws:ecs/service:Service", "support-agent-service");
    assert.deepEqual(service.inputs.alarms, {
      alarmNames: [`${PREFIX}-error-rate`, ...model.tools.map((t) => `${PREFIX}-tool-${t.name}-error-rate`)],
      enable: true,
      rollback: true,
    });
    const cost = find(byDefault, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-observability-cost-per-hour");
    assert.doesNotMatch(cost.inputs.alarmDescription as string, /deployment alarm/);
    assert.equal((cost.inputs.tags as Record<string, string>)[TAGS.alarm], "cost-per-hour");
  });

  it("rolls back on exactly the alarms `rollback` picks, with per-tool call alarms when a ceiling is set", () => {
    const service = find(chosen, "aws:ecs/service:Service", "support-agent-service");
    assert.deepEqual(service.inputs.alarms, {
      alarmNames: [`${PREFIX}-cost-per-hour`, ...model.tools.map((t) => `${PREFIX}-tool-${t.name}-error-rate`), ...model.tools.map((t) => `${PREFIX}-tool-${t.name}-calls`)],
      enable: true,
      rollback: true,
    });
    const calls = find(chosen, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-observability-tool-read_ticket-calls");
    assert.deepEqual(
      [calls.inputs.namespace, calls.inputs.metricName, calls.inputs.dimensions, calls.inputs.statistic, calls.inputs.period, calls.inputs.threshold],
      ["Airlock/Agents", "Calls", { Stack: "test", Agent: "support-agent", Tool: "read_ticket" }, "Sum", 3600, 400],
    );
    const rate = find(chosen, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-observability-tool-read_ticket-error-rate");
    assert.equal(rate.inputs.threshold, 25);
    assert.match(JSON.stringify(rate.inputs.metricQueries), /IF\(calls >= 3, 100 \* errors \/ calls, 0\)/);
    const overall = find(chosen, "aws:cloudwatch/metricAlarm:MetricAlarm", "support-agent-observability-error-rate");
    assert.doesNotMatch(overall.inputs.alarmDescription as string, /deployment alarm/, "the agent's error rate was taken off");
  });

  it("with no deployment alarm picked, or disableAlarmRollback, names the error-rate alarm with the method off", async () => {
    const none = await recordDeployment(model, { deployment: { alarms: { rollback: { errorRate: false, toolErrorRate: false } } } });
    assert.deepEqual(find(none, "aws:ecs/service:Service", "support-agent-service").inputs.alarms, { alarmNames: [`${PREFIX}-error-rate`], enable: false, rollback: false });
    const off = await recordDeployment(model, { deployment: { disableAlarmRollback: true } });
    assert.deepEqual(find(off, "aws:ecs/service:Service", "support-agent-service").inputs.alarms, { alarmNames: [`${PREFIX}-error-rate`], enable: false, rollback: false });
  });

  it("refuses bad rollback settings with the field named", async () => {
    await assert.rejects(recordDeployment(model, { deployment: { alarms: { rollback: { latency: true } as never } } }), {
      message: "`alarms.rollback.latency`: no such alarm; the alarms that can roll a release back are errorRate, toolErrorRate, toolCalls, costPerHour, costAnomaly",
    });
    await assert.rejects(recordDeployment(model, { deployment: { alarms: { rollback: { toolCalls: true } } } }), {
      message: "`alarms.rollback.toolCalls`: there are no per-tool call alarms to roll back on; set `alarms.maxCallsPerToolPerHour` too, or drop `toolCalls`",
    });
    await assert.rejects(recordDeployment(model, { deployment: { alarms: { rollback: { costPerHour: "yes" as never } } } }), { message: "`alarms.rollback.costPerHour`: must be true or false" });
    await assert.rejects(recordDeployment(model, { deployment: { alarms: { toolErrorRatePercent: 0 } } }), { message: "`alarms.toolErrorRatePercent`: must be more than 0 and at most 100" });
    await assert.rejects(recordDeployment(model, { deployment: { alarms: { maxCallsPerToolPerHour: 0.5 } } }), {
      message: "`alarms.maxCallsPerToolPerHour`: must be a whole number of calls, 1 or more (or leave it out for no per-tool call alarms)",
    });
    await assert.rejects(recordDeployment(model, { deployment: { disableAlarmRollback: true, alarms: { rollback: { toolErrorRate: true } } } }), {
      message: "`disableAlarmRollback`: turns every deployment alarm off, but `alarms.rollback.toolErrorRate` is true; drop one of the two",
    });
  });
});
