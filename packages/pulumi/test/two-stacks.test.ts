/**
 * Two stacks of one program (dev and prod) in one account and region: no physical name of an
 * agent's resources may be shared (the second `pulumi up` would fail on "already exists", or worse,
 * adopt the other stack's), and no alarm may read a metric the other stack writes (dev's errors
 * would roll back prod's deployment).
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import type { PlannedResource } from "@airlock/core";
import type { Recording } from "../src/plan/record.ts";
import { stackLabel } from "../src/naming.ts";
import { planExample } from "./example-plan.ts";

/** The component types a resource sits under, nearest first. */
function ancestry(rec: Recording, r: PlannedResource): string[] {
  const byUrn = new Map(rec.resources.map((x) => [x.urn, x]));
  const out: string[] = [];
  for (let p = r.parent === null ? undefined : byUrn.get(r.parent); p !== undefined; p = p.parent === null ? undefined : byUrn.get(p.parent)) out.push(p.type);
  return out;
}

/** Resources the agent's own components create (its secrets and approval alarm belong to AgentSecrets and the gateway). */
function agentResources(rec: Recording): PlannedResource[] {
  return rec.resources.filter((r) => {
    if (!r.custom) return false;
    const up = ancestry(rec, r);
    return up.includes("airlock:agent:AgentDeployment") && !up.includes("airlock:secrets:AgentSecrets") && !up.includes("airlock:observability:AlertChannel") && !r.name.endsWith("-approvals-pending");
  });
}

/** Every physical name an agent resource sets, as `type name`. A Lambda alias is named within its function, not the account. */
function physicalNames(rec: Recording): string[] {
  const out: string[] = [];
  for (const r of agentResources(rec)) {
    if (r.type === "aws:lambda/alias:Alias") continue;
    for (const key of ["name", "family", "dashboardName", "namePrefix"]) {
      const v = r.inputs[key];
      if (typeof v === "string") out.push(`${r.type} ${v}`);
    }
  }
  return out.sort();
}

/** Every metric an alarm of the agent reads: namespace, name and dimensions. */
function alarmMetrics(rec: Recording): string[] {
  const out: string[] = [];
  for (const r of agentResources(rec).filter((x) => x.type === "aws:cloudwatch/metricAlarm:MetricAlarm")) {
    const i = r.inputs as Record<string, any>;
    if (i.metricName !== undefined) out.push(JSON.stringify([i.namespace, i.metricName, i.dimensions]));
    for (const q of (i.metricQueries ?? []) as any[]) if (q.metric) out.push(JSON.stringify([q.metric.namespace, q.metric.metricName, q.metric.dimensions]));
  }
  return [...new Set(out)].sort();
}

describe("the example planned as stack dev and as stack prod", () => {
  let dev: Recording;
  let prod: Recording;
  before(async () => {
    dev = await planExample("dev");
    prod = await planExample("prod");
  });

  it("shares no physical name of the agent's resources", () => {
    const devNames = physicalNames(dev);
    const prodNames = new Set(physicalNames(prod));
    assert.ok(devNames.length >= 8, devNames.join("\n"));
    assert.deepEqual(devNames.filter((n) => prodNames.has(n)), []);
    // Each name carries its stack.
    for (const n of devNames) assert.match(n, /(^|[-/ ])dev([-/]|$)/, n);
  });

  it("shares no metric any of the agent's alarms reads", () => {
    const devMetrics = alarmMetrics(dev);
    const prodMetrics = new Set(alarmMetrics(prod));
    assert.ok(devMetrics.length >= 4, devMetrics.join("\n"));
    assert.deepEqual(devMetrics.filter((m) => prodMetrics.has(m)), []);
  });

  it("keys the tracer's metrics by {Stack, Agent} and tells the tracer its stack in the container environment", () => {
    for (const [rec, stack] of [[dev, "dev"], [prod, "prod"]] as const) {
      const errorRate = agentResources(rec).find((r) => r.name === "support-agent-observability-error-rate")!;
      const dims = (errorRate.inputs.metricQueries as any[]).filter((q) => q.metric).map((q) => q.metric.dimensions);
      assert.deepEqual(dims, [{ Stack: stack, Agent: "support-agent" }, { Stack: stack, Agent: "support-agent" }]);
      const cost = agentResources(rec).find((r) => r.name === "support-agent-observability-cost-per-hour")!;
      assert.deepEqual(cost.inputs.dimensions, { Stack: stack, Agent: "support-agent" });
      // The releases' task definitions (the sandbox's task runs no tracer).
      for (const td of agentResources(rec).filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && !r.name.endsWith("-sandbox"))) {
        const [container] = JSON.parse(td.inputs.containerDefinitions as string);
        assert.equal(container.environment.find((e: any) => e.name === "AIRLOCK_STACK")?.value, stack, td.name);
      }
      const dashboard = JSON.parse(agentResources(rec).find((r) => r.type === "aws:cloudwatch/dashboard:Dashboard")!.inputs.dashboardBody as string);
      const series = dashboard.widgets.flatMap((w: any) => (w.properties.metrics ?? []).filter((m: any[]) => m[0] === "Airlock/Agents"));
      assert.ok(series.length > 0);
      for (const m of series) assert.deepEqual(m.slice(2, 6), ["Stack", stack, "Agent", "support-agent"], JSON.stringify(m));
    }
  });

  it("names the service, log group, alarms and dashboard after the stack, within each type's length limit", () => {
    const names = Object.fromEntries(agentResources(prod).map((r) => [r.name, r.inputs.name ?? r.inputs.family ?? r.inputs.dashboardName]));
    assert.equal(names["support-agent-service"], "support-agent-prod");
    assert.equal(names["support-agent-release-v2"], "support-agent-prod");
    assert.equal(names["support-agent-observability-logs"], "/airlock/prod/agents/support-agent");
    assert.equal(names["support-agent-observability-error-rate"], "airlock-prod-support-agent-error-rate");
    assert.equal(names["support-agent-observability-dashboard"], "airlock-prod-support-agent");
    // The service's deployment alarms (the agent's and each tool's error rate) and the stopped-task rule follow the service's new name.
    const service = agentResources(prod).find((r) => r.type === "aws:ecs/service:Service")!;
    assert.deepEqual((service.inputs.alarms as any).alarmNames, ["airlock-prod-support-agent-error-rate", ...prod.agents.find((a) => a.name === "support-agent")!.tools.map((t) => `airlock-prod-support-agent-tool-${t.name}-error-rate`)]);
    assert.equal(stackLabel("Prod_EU"), "prod-eu");
  });
});
