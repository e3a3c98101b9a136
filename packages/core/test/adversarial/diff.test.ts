/**
 * `airlock diff` read as a reviewer would (issue #15): a narrowed range (a /24 to its /25) is a
 * narrowing (ranges compared as address sets), a finding whose wording changes is not a new error
 * (findings compared by rule and subject), and dropping a risk line's `class: money` widens.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { compile, diffPlans, type AgentModel, type Finding, type PlanDocument } from "../../src/index.ts";
import { EXAMPLE_DIR, exampleManifest } from "../fixtures.ts";

function planOf(models: AgentModel[], findings: Finding[] = []): PlanDocument {
  return {
    version: 1,
    project: "support",
    stack: "dev",
    resources: [],
    agents: models,
    permissions: models.flatMap((m) => m.permissions.map((p) => ({ ...p, agent: m.name }))),
    findings: [...models.flatMap((m) => m.findings), ...findings],
  };
}

async function planFrom(edit: (m: Record<string, any>) => void = () => {}, findings: Finding[] = []): Promise<PlanDocument> {
  const m = exampleManifest();
  edit(m);
  return planOf([await compile(m, { baseDir: EXAMPLE_DIR })], findings);
}

const summaries = (d: ReturnType<typeof diffPlans>) => d.changes.map((c) => `${c.effect} ${c.category} ${c.agent}: ${c.summary}`);

describe("diff: ranges as address sets", () => {
  it("given a host's /24 narrowed to its /25, when diffed, then it reads as a narrowing and nothing widens", async () => {
    const d = diffPlans(await planFrom(), await planFrom((m) => (m.egress.ranges["api.billing.acme.example.com"] = ["10.20.8.0/25"])));
    assert.equal(d.widened, false, summaries(d).join("\n"));
    assert.deepEqual(summaries(d), ["narrowed egress support-agent: egress on 443 to 10.20.8.0/24 narrowed to 10.20.8.0/25"]);
  });

  it("given a /25 widened to its /24, when diffed, then it widens", async () => {
    const narrow = await planFrom((m) => (m.egress.ranges["api.billing.acme.example.com"] = ["10.20.8.0/25"]));
    const d = diffPlans(narrow, await planFrom());
    assert.equal(d.widened, true);
    assert.deepEqual(summaries(d), ["widened egress support-agent: egress on 443 to 10.20.8.0/24 opened (was 10.20.8.0/25 of it)"]);
  });

  it("given a /24 split into its two /25s, when diffed, then nothing changed", async () => {
    const d = diffPlans(await planFrom(), await planFrom((m) => (m.egress.ranges["api.billing.acme.example.com"] = ["10.20.8.0/25", "10.20.8.128/25"])));
    assert.deepEqual(summaries(d), []);
  });
});

describe("diff: findings by rule and subject", () => {
  const finding = (message: string, severity: Finding["severity"] = "error"): Finding => ({ rule: "AIR-G001", severity, subject: "support-agent: role support-agent-task", message });

  it("given a finding whose wording changed, when diffed, then it is a change, not a new error", async () => {
    const d = diffPlans(await planFrom(() => {}, [finding("the task role allows *")]), await planFrom(() => {}, [finding("the task role allows `*`; list exact actions")]));
    assert.equal(d.widened, false);
    assert.deepEqual(summaries(d), ["changed finding : error AIR-G001 on support-agent: role support-agent-task reworded: the task role allows `*`; list exact actions"]);
  });

  it("given a finding raised from warning to error, when diffed, then it widens", async () => {
    const d = diffPlans(await planFrom(() => {}, [finding("the task role allows *", "warning")]), await planFrom(() => {}, [finding("the task role allows *")]));
    assert.equal(d.widened, true);
    assert.deepEqual(summaries(d), ["widened finding : AIR-G001 on support-agent: role support-agent-task raised from warning to error: the task role allows *"]);
  });
});

describe("diff: risk classes", () => {
  it("given a risk line's class: money dropped, when diffed, then it widens (the autonomy floor is gone)", async () => {
    const d = diffPlans(await planFrom(), await planFrom((m) => delete m.riskLines["billing.refund"].class));
    assert.equal(d.widened, true);
    assert.deepEqual(summaries(d), [
      "widened approval support-agent: risk line `billing.refund` no longer has class `money`: its calls may now be made `auto` and proposed for autonomy",
    ]);
  });

  it("given class: money added to a risk line, when diffed, then it narrows", async () => {
    const d = diffPlans(await planFrom((m) => delete m.riskLines["billing.refund"].class), await planFrom());
    assert.deepEqual(summaries(d), ["narrowed approval support-agent: risk line `billing.refund` now has class `money`"]);
  });
});
