// Given the example manifest planned offline, when `airlock plan` prints it (JSON and text), then
// every tool's error-rate alarm is listed as a deployment alarm that rolls a release back, the
// cost alarms as ones that only notify, and the list agrees with the service's `alarms`.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { describe, it } from "node:test";
import { plannedAlarms, type PlanDocument, type PlannedResource } from "@airlock/core";
import { main } from "../src/main.ts";
import { bufferIo } from "../src/io.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const MANIFEST = join(ROOT, "examples/support-agent/agent.yaml");

describe("airlock plan lists the alarms and which roll back", () => {
  it("shows each tool's error-rate alarm as a deployment alarm in the plan JSON and text", async () => {
    const io = bufferIo(ROOT);
    assert.equal(await main(["plan", MANIFEST, "--json", "--no-guardrails"], io), 0, io.stderr);
    const plan = JSON.parse(io.stdout) as PlanDocument;
    const agent = plan.agents[0]!;
    const service = plan.resources.find((r) => r.type === "aws:ecs/service:Service")!;
    const alarmsInput = service.inputs.alarms as { alarmNames: string[]; enable: boolean; rollback: boolean };
    assert.equal(alarmsInput.enable && alarmsInput.rollback, true);
    for (const tool of agent.tools) {
      const row = plan.alarms!.find((a) => a.signal === "tool-error-rate" && a.tool === tool.name);
      assert.ok(row, `no per-tool alarm for ${tool.name}`);
      assert.equal(row.rollsBack, true, `${tool.name}'s alarm should roll back`);
      assert.ok(alarmsInput.alarmNames.includes(row.name), `${row.name} is among the service's deployment alarms`);
      assert.match(row.name, new RegExp(`-tool-${tool.name}-error-rate$`));
    }
    assert.deepEqual(
      plan.alarms!.filter((a) => a.rollsBack).map((a) => a.name).sort(),
      [...alarmsInput.alarmNames].sort(),
      "exactly the service's deployment alarms roll back",
    );
    assert.equal(plan.alarms!.find((a) => a.signal === "cost-per-hour")?.rollsBack, false);
    assert.equal(plan.alarms!.find((a) => a.signal === "error-rate")?.rollsBack, true);

    const text = bufferIo(ROOT);
    assert.equal(await main(["plan", MANIFEST, "--no-guardrails"], text), 0, text.stderr);
    const rollsBack = plan.alarms!.filter((a) => a.rollsBack).length;
    assert.match(text.stdout, new RegExp(`Alarms of ${agent.name} \\(${rollsBack} of ${plan.alarms!.length} roll a release back`));
    const refund = plan.alarms!.find((a) => a.tool === "issue_refund")!;
    assert.ok(text.stdout.includes(`  ROLLS BACK  ${refund.name}  (error rate of one tool: issue_refund)`), text.stdout);
    assert.match(text.stdout, /\n {2}notifies {4}\S+-cost-per-hour {2}\(model spend per hour\)/);
  });

  it("counts no alarm as rolling back when the service's alarm method is off", () => {
    const alarm = (name: string, tag: string): PlannedResource => ({
      urn: `urn:${name}`,
      type: "aws:cloudwatch/metricAlarm:MetricAlarm",
      name,
      parent: null,
      custom: true,
      inputs: { name, tags: { "airlock:agent": "a", "airlock:alarm": tag } },
      dependsOn: [],
    });
    const service = (enable: boolean): PlannedResource => ({
      urn: "urn:svc",
      type: "aws:ecs/service:Service",
      name: "svc",
      parent: null,
      custom: true,
      inputs: { tags: { "airlock:agent": "a" }, alarms: { alarmNames: ["x-error-rate", "x-tool-t-error-rate"], enable, rollback: enable } },
      dependsOn: [],
    });
    const resources = [alarm("x-error-rate", "error-rate"), alarm("x-tool-t-error-rate", "tool-error-rate:t"), alarm("x-cost", "cost-per-hour")];
    assert.deepEqual(
      plannedAlarms([...resources, service(true)]).map((a) => [a.name, a.signal, a.tool ?? null, a.rollsBack]),
      [
        ["x-error-rate", "error-rate", null, true],
        ["x-tool-t-error-rate", "tool-error-rate", "t", true],
        ["x-cost", "cost-per-hour", null, false],
      ],
    );
    assert.deepEqual(plannedAlarms([...resources, service(false)]).filter((a) => a.rollsBack), []);
  });
});
