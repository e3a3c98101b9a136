/**
 * Two stacks of one program in one account and region (dev and prod of the example): no physical
 * name is shared, and no alarm reads a metric the other stack writes, so dev's errors can never
 * count toward prod's rollback alarm (issue #11, "Two stacks in one account").
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { PlanDocument, PlannedResource } from "@airlock/core";
import { planTarget } from "../packages/cli/src/plan/plan.ts";

const ROOT_PROJECT = fileURLToPath(new URL("../", import.meta.url));

/**
 * The inputs that carry a name AWS keeps unique per account and region (or per account, for IAM),
 * by resource type. Names scoped inside another resource (a rule in its rule group, an alias of
 * its function, a policy of its role) are not listed: they cannot collide across stacks.
 */
const NAME_INPUTS: Readonly<Record<string, readonly string[]>> = {
  "aws:secretsmanager/secret:Secret": ["name"],
  "aws:lambda/function:Function": ["name"],
  "aws:cloudwatch/logGroup:LogGroup": ["name"],
  "aws:cloudwatch/metricAlarm:MetricAlarm": ["name"],
  "aws:cloudwatch/dashboard:Dashboard": ["dashboardName"],
  "aws:cloudwatch/eventRule:EventRule": ["name"],
  "aws:sns/topic:Topic": ["name"],
  "aws:kms/alias:Alias": ["name"],
  "aws:ecr/repository:Repository": ["name"],
  "aws:ecs/cluster:Cluster": ["name"],
  "aws:ecs/taskDefinition:TaskDefinition": ["family"],
  "aws:iam/role:Role": ["name"],
  "aws:iam/policy:Policy": ["name"],
  "aws:ec2/securityGroup:SecurityGroup": ["name"],
  "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList": ["name"],
  "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup": ["name"],
  "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation": [],
  "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": ["configurationName"],
  "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy": [],
};

/** ECS service names are unique per cluster; the clusters differ, but the names must too (a shared cluster). */
const SERVICE = "aws:ecs/service:Service";

function physicalNames(plan: PlanDocument): Map<string, PlannedResource> {
  const out = new Map<string, PlannedResource>();
  for (const r of plan.resources) {
    for (const field of [...(NAME_INPUTS[r.type] ?? []), ...(r.type === SERVICE ? ["name"] : [])]) {
      const v = r.inputs[field];
      if (typeof v === "string") out.set(`${r.type} ${field}=${v}`, r);
    }
  }
  return out;
}

interface MetricRef {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Every metric an alarm reads: its own metric, or each metric of its metric math. */
function alarmMetrics(plan: PlanDocument): { alarm: string; key: string }[] {
  const out: { alarm: string; key: string }[] = [];
  const key = (m: MetricRef) => JSON.stringify([m.namespace, m.metricName, Object.entries(m.dimensions ?? {}).sort()]);
  for (const r of plan.resources.filter((x) => x.type === "aws:cloudwatch/metricAlarm:MetricAlarm")) {
    const i = r.inputs as Record<string, unknown>;
    if (typeof i.metricName === "string") out.push({ alarm: r.name, key: key(i as unknown as MetricRef) });
    for (const q of (i.metricQueries as { metric?: MetricRef }[] | undefined) ?? []) if (q.metric) out.push({ alarm: r.name, key: key(q.metric) });
  }
  return out;
}

describe("dev and prod of the example in one account and region", () => {
  let dev: PlanDocument;
  let prod: PlanDocument;
  before(async () => {
    dev = await planTarget(ROOT_PROJECT, { stack: "dev", guardrails: false });
    prod = await planTarget(ROOT_PROJECT, { stack: "prod", guardrails: false });
  });

  it("share no physical name", () => {
    const a = physicalNames(dev);
    const b = physicalNames(prod);
    assert.ok(a.size > 20, `the dev plan names ${a.size} resources`);
    const shared = [...a.keys()].filter((k) => b.has(k));
    assert.deepEqual(shared, [], `names both stacks would create:\n${shared.join("\n")}`);
  });

  it("read no alarm metric the other stack writes", () => {
    const a = alarmMetrics(dev);
    const b = new Set(alarmMetrics(prod).map((m) => m.key));
    assert.ok(a.length >= 5, `dev alarms read ${a.length} metrics`);
    const shared = a.filter((m) => b.has(m.key));
    assert.deepEqual(shared, [], `metrics both stacks' alarms read:\n${shared.map((m) => `${m.alarm}: ${m.key}`).join("\n")}`);
  });

  it("scope every alarm metric by the stack: Airlock's by a Stack dimension, AWS's by a stack-scoped resource", () => {
    for (const m of alarmMetrics(dev)) {
      const [namespace, , dims] = JSON.parse(m.key) as [string, string, [string, string][]];
      if (namespace.startsWith("Airlock/")) assert.ok(dims.some(([k, v]) => k === "Stack" && v === "dev"), `${m.alarm} reads ${m.key} with no Stack=dev dimension`);
      else assert.ok(dims.some(([, v]) => /(^|-)dev($|-)/.test(v)), `${m.alarm} reads ${m.key}, named by no stack-scoped resource`);
    }
  });
});
