/** The plan's text shows each agent's eval gate under its permission map: the tag, quarantined cases with their reasons, warnings. */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { EVAL_PLAN_RULES, PLAN_VERSION, loadManifest, type PlanDocument } from "@airlock/core";
import { TAGS } from "@airlock/core/contracts";
import { renderPlan } from "../src/plan/render.ts";

const MANIFEST = new URL("../../../examples/support-agent/agent.yaml", import.meta.url).pathname;

describe("airlock plan: the eval gate beside the permission map", () => {
  it("given a quarantined case and a grown quarantine, when the plan is rendered, then both show under the agent's permission map", async () => {
    const model = await loadManifest(MANIFEST);
    const plan: PlanDocument = {
      version: PLAN_VERSION,
      project: "p",
      stack: "dev",
      resources: [
        {
          urn: "urn:pulumi:dev::p::aws:ecs/service:Service::support-agent-service",
          type: "aws:ecs/service:Service",
          name: "support-agent-service",
          parent: null,
          custom: true,
          inputs: { name: "support-agent", tags: { [TAGS.agent]: "support-agent", [TAGS.evalGate]: "on: pass rate at least 90 percent / 1 quarantined" } },
          dependsOn: [],
        },
      ],
      agents: [model],
      permissions: [],
      findings: [
        { rule: EVAL_PLAN_RULES.caseNote, severity: "info", subject: 'support-agent: release v3 evals case "tone"', message: 'case "tone" is quarantined (grader flaky on dates, #412): passed 1 of 3 runs in release "v3", not counted' },
        { rule: EVAL_PLAN_RULES.warning, severity: "warning", subject: 'support-agent: release v3 evals case "tone"', message: 'the quarantine grew: case "tone" is quarantined (grader flaky on dates, #412) and was counted in release "v2"' },
        { rule: EVAL_PLAN_RULES.caseNote, severity: "info", subject: 'other-agent: release v1 evals case "x"', message: "not this agent's" },
      ],
    };
    const lines = renderPlan(plan).split("\n");
    const at = lines.indexOf("  eval gate: on: pass rate at least 90 percent / 1 quarantined");
    assert.ok(at > lines.findIndex((l) => l.startsWith("Permission map for agent support-agent")), "after the permission map");
    assert.deepEqual(lines.slice(at + 1, at + 3), [
      '    case "tone" is quarantined (grader flaky on dates, #412): passed 1 of 3 runs in release "v3", not counted',
      '    WARNING the quarantine grew: case "tone" is quarantined (grader flaky on dates, #412) and was counted in release "v2"',
    ]);
    assert.ok(!lines.slice(at, at + 4).some((l) => l.includes("not this agent's")));
  });
});
