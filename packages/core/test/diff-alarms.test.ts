// Given two plans whose agent's alarms differ, when diffed, then a deployment alarm that stops
// rolling back (or goes) is a widening a reviewer must approve, one that starts rolling back is a
// narrowing, and a notify-only alarm coming or going is a change.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { diffPlans, renderDiffText, type PlanDocument, type PlannedResource } from "@airlock/core";

const alarm = (name: string, tag: string): PlannedResource => ({
  urn: `urn:alarm:${name}`,
  type: "aws:cloudwatch/metricAlarm:MetricAlarm",
  name,
  parent: null,
  custom: true,
  inputs: { name, tags: { "airlock:agent": "support-agent", "airlock:alarm": tag } },
  dependsOn: [],
});
const service = (rollback: string[]): PlannedResource => ({
  urn: "urn:svc",
  type: "aws:ecs/service:Service",
  name: "support-agent-service",
  parent: null,
  custom: true,
  inputs: { tags: { "airlock:agent": "support-agent" }, alarms: { alarmNames: rollback, enable: true, rollback: true } },
  dependsOn: [],
});
const plan = (resources: PlannedResource[]): PlanDocument => ({ version: 1, project: "p", stack: "prod", resources, agents: [], permissions: [], findings: [] });

const RATE = alarm("airlock-prod-support-agent-error-rate", "error-rate");
const REFUND = alarm("airlock-prod-support-agent-tool-issue_refund-error-rate", "tool-error-rate:issue_refund");
const COST = alarm("airlock-prod-support-agent-cost-per-hour", "cost-per-hour");

describe("diff: alarms that roll a release back", () => {
  it("given a tool's alarm taken off the deployment alarms, then it widens and names the tool", () => {
    const before = plan([RATE, REFUND, COST, service([RATE.name, REFUND.name])]);
    const after = plan([RATE, REFUND, COST, service([RATE.name])]);
    const d = diffPlans(before, after);
    assert.equal(d.widened, true);
    assert.deepEqual(
      d.changes.map((c) => [c.effect, c.category, c.subject, c.summary]),
      [["widened", "alarm", `alarm ${REFUND.name}`, `alarm \`${REFUND.name}\` (error rate of one tool: issue_refund) no longer rolls a release back; it only notifies`]],
    );
    assert.match(renderDiffText(d), /\+ \[alarm\] support-agent: alarm airlock-prod-support-agent-tool-issue_refund-error-rate \(error rate of one tool: issue_refund\) no longer rolls a release back/);
  });

  it("given cost per hour made a deployment alarm, then it narrows; given a deployment alarm removed, then it widens", () => {
    const base = plan([RATE, REFUND, COST, service([RATE.name, REFUND.name])]);
    const costBack = diffPlans(base, plan([RATE, REFUND, COST, service([RATE.name, REFUND.name, COST.name])]));
    assert.equal(costBack.widened, false);
    assert.deepEqual(costBack.changes.map((c) => [c.effect, c.summary]), [["narrowed", `alarm \`${COST.name}\` (model spend per hour) now rolls a release back`]]);
    const gone = diffPlans(base, plan([RATE, COST, service([RATE.name])]));
    assert.deepEqual(gone.changes.map((c) => [c.effect, c.summary]), [["widened", `alarm \`${REFUND.name}\` (error rate of one tool: issue_refund) removed; it rolled a bad release back`]]);
  });

  it("given equal alarms, then nothing changes; a notify-only alarm added is a change", () => {
    const base = plan([RATE, service([RATE.name])]);
    assert.deepEqual(diffPlans(base, base).changes, []);
    const more = diffPlans(base, plan([RATE, COST, service([RATE.name])]));
    assert.deepEqual(more.changes.map((c) => c.effect), ["changed"]);
    assert.equal(more.widened, false);
  });
});
