// Given the example's plan, when the runbook is rendered, then it has one entry per alarm of the
// agent saying what happens on its own (a deployment alarm rolls a release back while it deploys
// or bakes; the others only notify) and what a person does (verify the deployment, bring the stack
// config back in line, check the tool's systems, pause a looping agent).
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadManifest, renderRunbook, type AgentModel, type PlanDocument } from "@airlock/core";
import { EXAMPLE_DIR } from "./fixtures.ts";
import { examplePlan } from "../../../test/example-plan.ts";

/** The Markdown of one alarm's entry, up to the next entry or section. */
function entry(md: string, alarm: string): string {
  const at = md.indexOf(`#### \`${alarm}\``);
  assert.ok(at >= 0, `no entry for ${alarm}`);
  const next = md.slice(at + 5).search(/\n#{2,4} /);
  return next < 0 ? md.slice(at) : md.slice(at, at + 5 + next);
}

describe("runbook: what each alarm does on its own and what a person does", () => {
  let model: AgentModel;
  let plan: PlanDocument;
  let md: string;
  before(async () => {
    model = await loadManifest(join(EXAMPLE_DIR, "agent.yaml"));
    plan = await examplePlan();
    md = renderRunbook(model, { plan, stackDir: "examples/support-agent" });
  });

  it("has an entry for every alarm of the agent in the plan, saying which roll back", () => {
    const alarms = plan.alarms!.filter((a) => a.agent === model.name);
    assert.ok(md.includes(`### 5. When an alarm fires`));
    assert.ok(md.includes(`${alarms.length} alarms watch this agent; ${alarms.filter((a) => a.rollsBack).length} of them are deployment alarms`));
    for (const a of alarms) assert.ok(md.includes(`#### \`${a.name}\` (${a.rollsBack ? "rolls back" : "notifies"})`), a.name);
  });

  it("for a tool's error rate: ECS rolls the release back during a deployment; the person verifies, realigns the stack config, checks the tool's systems", () => {
    const refund = plan.alarms!.find((a) => a.tool === "issue_refund")!;
    const text = entry(md, refund.name);
    assert.match(text, /\(rolls back\)/);
    assert.match(text, /ECS fails that deployment and returns the service to the last completed one \(Pulumi still reports the service "updated"\)/);
    assert.match(text, /Outside a deployment nothing rolls back/);
    assert.match(text, /airlock deploy verify --region us-east-1 --cluster \S+ --service support-agent-dev --release <the release you deployed>/);
    assert.match(text, /mark the release `bad: <reason>`.*`airlock rollback examples\/support-agent --write`/s);
    const systems = model.permissions.filter((p) => p.tool === "issue_refund").map((p) => p.system);
    assert.ok(systems.length > 0);
    for (const s of systems) assert.ok(text.includes(`\`${s}\``), s);
    assert.ok(text.includes('`Tool = "issue_refund"`'));
  });

  it("for cost per hour: it only notifies, and the person pauses a looping agent", () => {
    const cost = plan.alarms!.find((a) => a.agent === model.name && a.signal === "cost-per-hour")!;
    const text = entry(md, cost.name);
    assert.match(text, /\(notifies\)/);
    assert.match(text, /it only notifies `[^`]+`; nothing rolls back \(make it a deployment alarm with the AgentDeployment's `alarms.rollback`\)/);
    assert.match(text, /pause it \(section 1\)/);
    assert.doesNotMatch(text, /deploy verify/);
  });

  it("without a plan, lists the convention's alarms with the default rollback and says so", () => {
    const bare = renderRunbook(model);
    assert.ok(bare.includes("> Without a plan these are the alarms with the default settings"));
    for (const t of model.tools) assert.ok(bare.includes(`#### \`airlock-<stack>-${model.name}-tool-${t.name}-error-rate\` (rolls back)`), t.name);
    assert.ok(bare.includes(`#### \`airlock-<stack>-${model.name}-cost-per-hour\` (notifies)`));
  });
});
