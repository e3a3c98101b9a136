/**
 * Two stacks of the example (dev and prod) in one account and region: the resources of the secret,
 * approval and alert components share no physical name, and their alarms read no shared metric.
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import type { PlanDocument, PlannedResource } from "@airlock/core";
import { planTarget } from "../../cli/src/plan/plan.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

/** Resources these components name: [type, which of them]. */
const OWN: [string, (r: PlannedResource) => boolean][] = [
  ["aws:secretsmanager/secret:Secret", () => true],
  ["aws:lambda/function:Function", () => true],
  ["aws:sns/topic:Topic", () => true],
  ["aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration", () => true],
  ["aws:cloudwatch/eventRule:EventRule", (r) => r.inputs.name !== undefined],
  ["aws:cloudwatch/logGroup:LogGroup", (r) => r.name.endsWith("-approvals-logs")],
  ["aws:cloudwatch/metricAlarm:MetricAlarm", (r) => /-(secrets-age|approvals-pending)$/.test(r.name)],
];

function own(plan: PlanDocument): PlannedResource[] {
  return plan.resources.filter((r) => OWN.some(([type, pick]) => r.type === type && pick(r)));
}

const physicalName = (r: PlannedResource) => String(r.inputs.name ?? r.inputs.configurationName);
const metricOf = (r: PlannedResource) => JSON.stringify([r.inputs.namespace, r.inputs.metricName, r.inputs.dimensions]);

describe("two stacks of the example in one account", () => {
  let dev: PlanDocument;
  let prod: PlanDocument;
  before(async () => {
    dev = await planTarget(ROOT, { stack: "dev", guardrails: false });
    prod = await planTarget(ROOT, { stack: "prod", guardrails: false });
  });

  it("give the secrets, functions, topics, rules, log groups and alarms of each stack names of their own", () => {
    const devNames = own(dev).map((r) => `${r.type} ${physicalName(r)}`);
    const prodNames = new Set(own(prod).map((r) => `${r.type} ${physicalName(r)}`));
    assert.ok(devNames.length >= 12, devNames.join("\n"));
    assert.deepEqual(devNames.filter((n) => prodNames.has(n)), []);
    for (const r of own(dev)) assert.ok(!physicalName(r).includes("undefined"), physicalName(r));
  });

  it("point each stack's alarms at metrics only that stack writes", () => {
    const alarms = (p: PlanDocument) => own(p).filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
    assert.ok(alarms(dev).length >= 3);
    const prodMetrics = new Set(alarms(prod).map(metricOf));
    assert.deepEqual(alarms(dev).map(metricOf).filter((m) => prodMetrics.has(m)), []);
    for (const a of alarms(dev)) assert.equal((a.inputs.dimensions as Record<string, string>).Stack, "dev", a.name);
  });
});
