/**
 * `airlock diff` on risk lines' conditions and tools' inputs, with concrete before/after
 * manifests (the example support agent, edited): a widened condition is a widening (review
 * required), a narrowed one a narrowing.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { compile } from "../../src/compile/compile.ts";
import { diffPlans, renderDiffText } from "../../src/plan/diff.ts";
import type { AgentModel } from "../../src/compile/model.ts";
import type { PlanDocument } from "../../src/plan/plan.ts";
import { EXAMPLE_DIR, exampleManifest } from "../fixtures.ts";

function planOf(model: AgentModel): PlanDocument {
  return { version: 1, project: "support", stack: "dev", resources: [], agents: [model], permissions: model.permissions.map((p) => ({ ...p, agent: model.name })), findings: [...model.findings] };
}

async function planFrom(edit: (m: Record<string, any>) => void = () => {}): Promise<PlanDocument> {
  const m = exampleManifest();
  edit(m);
  return planOf(await compile(m, { baseDir: EXAMPLE_DIR }));
}

const refundRules = (m: Record<string, any>) => m.riskLines["billing.refund"].when;
const replyRules = (m: Record<string, any>) => m.riskLines["customer.reply"].when;

/** The diff's changes about conditions and inputs, as `effect: summary`. */
async function changes(before: (m: Record<string, any>) => void, after: (m: Record<string, any>) => void): Promise<{ widened: boolean; lines: string[] }> {
  const d = diffPlans(await planFrom(before), await planFrom(after));
  return { widened: d.widened, lines: d.changes.filter((c) => / condition | input$/.test(c.subject)).map((c) => `${c.effect}: ${c.summary}`) };
}

describe("diff: conditions on arguments", () => {
  it("given the same conditions, when diffed, then nothing changes", async () => {
    assert.deepEqual(await changes(() => {}, () => {}), { widened: false, lines: [] });
  });

  it("given the refund limit raised from 10000 to 20000 cents, when diffed, then it is a widening (the forbid matches fewer calls)", async () => {
    const d = await changes(() => {}, (m) => (refundRules(m)[0].if.amount_cents.gt = 20_000));
    assert.deepEqual(d, { widened: true, lines: ["widened: condition `billing.refund.when[0]` relaxed: amount_cents > 10000 became amount_cents > 20000 (→ forbid): it matches fewer calls"] });
    assert.match(renderDiffText(diffPlans(await planFrom(), await planFrom((m) => (refundRules(m)[0].if.amount_cents.gt = 20_000)))), /review required/);
  });

  it("given the refund limit lowered, when diffed, then it is a narrowing", async () => {
    const d = await changes(() => {}, (m) => (refundRules(m)[0].if.amount_cents.gt = 5_000));
    assert.deepEqual(d, { widened: false, lines: ["narrowed: condition `billing.refund.when[0]` tightened: amount_cents > 10000 became amount_cents > 5000 (→ forbid): it matches more calls"] });
  });

  it("given forbid → approve above the limit, when diffed, then it is a widening", async () => {
    const before = (m: Record<string, any>) => (m.riskLines["billing.refund"].tier = "approve");
    const d = await changes(before, (m) => (before(m), (refundRules(m)[0].then = "approve")));
    assert.deepEqual(d, { widened: true, lines: ["widened: condition `billing.refund.when[0]` (amount_cents > 10000) relaxed: forbid → approve"] });
  });

  it("given an internal-reply rule approve → allow, and back, when diffed, then widened then narrowed", async () => {
    const ask = (m: Record<string, any>) => (replyRules(m)[0].then = "approve");
    assert.deepEqual(await changes(ask, () => {}), { widened: true, lines: ["widened: condition `customer.reply.when[0]` (to ends with \"@acme.example.com\") relaxed: approve → allow"] });
    assert.deepEqual(await changes(() => {}, ask), { widened: false, lines: ["narrowed: condition `customer.reply.when[0]` (to ends with \"@acme.example.com\") tightened: allow → approve"] });
  });

  it("given the condition that forbade removed, when diffed, then it is a widening; added back, a narrowing", async () => {
    const drop = (m: Record<string, any>) => delete m.riskLines["billing.refund"].when;
    assert.deepEqual(await changes(() => {}, drop), {
      widened: true,
      lines: ["widened: condition `billing.refund.when[0]` removed: amount_cents > 10000 → forbid no longer applies (the line's tier is always-approve)"],
    });
    assert.deepEqual(await changes(drop, () => {}), { widened: false, lines: ["narrowed: condition `billing.refund.when[0]` added: amount_cents > 10000 → forbid (the line's tier is always-approve)"] });
  });

  it("given a new rule that lets replies run alone, when diffed, then it is a widening; removing the internal-reply rule is a narrowing", async () => {
    const more = (m: Record<string, any>) => replyRules(m).push({ if: { to: { endsWith: "@partner.example" } }, then: "allow" });
    assert.deepEqual(await changes(() => {}, more), {
      widened: true,
      lines: ["widened: condition `customer.reply.when[1]` added: to ends with \"@partner.example\" → allow (the line's tier is approve)"],
    });
    assert.deepEqual(await changes(() => {}, (m) => delete m.riskLines["customer.reply"].when), {
      widened: false,
      lines: ["narrowed: condition `customer.reply.when[0]` removed: to ends with \"@acme.example.com\" → allow no longer applies (the line's tier is approve)"],
    });
  });

  it("given an allow rule's domain changed, when diffed, then it is a widening (another test is another set of calls)", async () => {
    const d = await changes(() => {}, (m) => (replyRules(m)[0].if.to.endsWith = "@example.com"));
    assert.equal(d.widened, true);
    assert.deepEqual(d.lines, ['widened: condition `customer.reply.when[0]` changed: to ends with "@acme.example.com" → allow became to ends with "@example.com" → allow']);
  });

  it("given an `in` list of forbidden orders grown, when diffed, then it is a narrowing; shrunk, a widening", async () => {
    const list = (orders: string[]) => (m: Record<string, any>) => refundRules(m).push({ if: { order_id: { in: orders } }, then: "forbid" });
    assert.deepEqual((await changes(list(["A-1"]), list(["A-1", "A-2"]))).lines, ['narrowed: condition `billing.refund.when[1]` tightened: order_id in ["A-1"] became order_id in ["A-1", "A-2"] (→ forbid): it matches more calls']);
    assert.equal((await changes(list(["A-1", "A-2"]), list(["A-1"]))).widened, true);
  });

  it("given a tool's input removed, added or changed, when diffed, then widened, narrowed or changed", async () => {
    const noInput = (m: Record<string, any>) => delete m.tools.find((t: { name: string }) => t.name === "record_reply").input;
    assert.deepEqual((await changes(() => {}, noInput)).lines, ["widened: tool `record_reply` no longer declares its input; the runtime no longer checks its arguments"]);
    assert.deepEqual((await changes(noInput, () => {})).lines, ["narrowed: tool `record_reply` now declares its input; the runtime refuses calls whose arguments do not match it"]);
    const longer = (m: Record<string, any>) => (m.tools.find((t: { name: string }) => t.name === "record_reply").input.properties.body.maxLength = 20_000);
    assert.deepEqual((await changes(() => {}, longer)).lines, ["changed: tool `record_reply`'s declared input changed (review what its arguments may now be)"]);
  });
});
