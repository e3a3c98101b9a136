/**
 * The argument policy's verdicts combined with the tool's tier: deny wins, an evaluation error
 * denies, no verdict leaves the tier, and a looser verdict never goes below the tier's floors.
 * Through the guard, with a fake policy standing for the compiled Cedar policies.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { combineVerdicts, createToolGuard, tierDecision, type ArgumentPolicy, type PolicyDecision, type PolicyVerdict, type ShippedModel } from "../src/index.ts";
import { shippedModel } from "./helpers/model.ts";

const reply = { outward: true, tier: "approve", actionType: "customer.reply" } as const;
const refund = { outward: true, tier: "always-approve", actionType: "billing.refund" } as const;
const broadcast = { outward: true, tier: "approve", actionType: "status.broadcast" } as const;
const label = { outward: true, tier: "auto", actionType: "ticket.label" } as const;
const lines = [
  { actionType: "customer.reply" },
  { actionType: "billing.refund", riskClass: "money" },
  { actionType: "status.broadcast", riskClass: "mass-communication" },
  { actionType: "ticket.label" },
] as const;
const v = (decision: PolicyDecision, reason: string = decision): PolicyVerdict => ({ decision, reason });

describe("combineVerdicts", () => {
  test("without a policy, or with no verdict, the tier decides", () => {
    assert.deepEqual(combineVerdicts(reply, lines, undefined), { decision: "approve", reasons: [], byTier: true });
    assert.deepEqual(combineVerdicts(reply, lines, () => undefined), { decision: "approve", reasons: [], byTier: true });
    assert.deepEqual(combineVerdicts(label, lines, () => []), { decision: "allow", reasons: [], byTier: true });
  });

  test("deny wins over every other verdict, and says why", () => {
    const out = combineVerdicts(label, lines, () => [v("allow"), v("forbid", "refunds above 500 EUR are forbidden"), v("always-approve")]);
    assert.deepEqual(out, { decision: "forbid", reasons: ["refunds above 500 EUR are forbidden"], byTier: false });
  });

  test("an evaluation error denies; so does an answer that is not a verdict", () => {
    assert.deepEqual(
      combineVerdicts(label, lines, () => {
        throw new Error("context attribute `amount` is missing");
      }),
      { decision: "forbid", reasons: ["the argument policy could not be evaluated (context attribute `amount` is missing), which denies the call"], byTier: false },
    );
    for (const bad of [{ decision: "permit", reason: "x" }, [v("allow"), { decision: "allow" }], "allow", null, 42]) {
      assert.equal(combineVerdicts(label, lines, () => bad).decision, "forbid", JSON.stringify(bad));
    }
  });

  test("the strictest verdict decides, and may loosen a plain risk line", () => {
    assert.equal(combineVerdicts(label, lines, () => [v("allow"), v("approve")]).decision, "approve");
    assert.deepEqual(combineVerdicts(reply, lines, () => v("allow", "replies to acme.example.com run automatically")), {
      decision: "allow",
      reasons: ["replies to acme.example.com run automatically"],
      byTier: false,
    });
  });

  test("never below always-approve for a tool whose tier says so, nor below approve for money or mass communication", () => {
    assert.equal(combineVerdicts(refund, lines, () => v("allow")).decision, "always-approve");
    assert.equal(combineVerdicts(refund, lines, () => v("approve")).decision, "always-approve");
    assert.equal(combineVerdicts(broadcast, lines, () => v("allow")).decision, "approve");
    assert.equal(combineVerdicts(broadcast, lines, () => v("always-approve")).decision, "always-approve");
  });

  test("property: a forbid or a throw anywhere always forbids; otherwise the result is never looser than the floor", () => {
    const decision = fc.constantFrom<PolicyDecision>("allow", "approve", "always-approve", "forbid");
    const tool = fc.constantFrom(reply, refund, broadcast, label);
    const rank = { allow: 0, approve: 1, "always-approve": 2, forbid: 3 } as const;
    fc.assert(
      fc.property(tool, fc.array(decision, { maxLength: 5 }), fc.boolean(), (t, ds, throws) => {
        const out = combineVerdicts(t, lines, () => {
          if (throws) throw new Error("boom");
          return ds.map((d) => v(d));
        });
        if (throws || ds.includes("forbid")) return out.decision === "forbid";
        if (ds.length === 0) return out.decision === tierDecision(t);
        const strictest = ds.reduce((a, b) => (rank[b] > rank[a] ? b : a), "allow" as PolicyDecision);
        const floor = t === refund ? "always-approve" : t === broadcast ? "approve" : "allow";
        return rank[out.decision] === Math.max(rank[strictest], rank[floor]);
      }),
    );
  });
});

describe("the guard with a policy", () => {
  let model: ShippedModel;
  before(async () => {
    model = await shippedModel();
  });

  const guardWith = (policy: ArgumentPolicy) => createToolGuard({ model, modelHash: false, policy });

  test("a forbidden refund is refused with the policy's reason, without asking anyone", () => {
    const policy: ArgumentPolicy = (tool, args) =>
      tool.name === "issue_refund" && typeof args.amount === "number" && args.amount > 500 ? v("forbid", "refunds above 500 are forbidden") : undefined;
    const d = guardWith(policy).check("issue_refund", { order: "O-7", amount: 900 });
    assert.equal(d.verdict, "refuse");
    assert.deepEqual(d.verdict === "refuse" && [d.reason, d.content], [
      "forbidden",
      'The call to "issue_refund" is forbidden by this agent\'s policy: refunds above 500 are forbidden. It was not run and no one was asked; do not retry it with the same arguments.',
    ]);
    assert.equal(guardWith(policy).check("issue_refund", { order: "O-7", amount: 90 }).verdict, "ask");
  });

  test("a policy that throws denies the call", () => {
    const d = guardWith(() => {
      throw new TypeError("cedar: evaluation failed");
    }).check("read_ticket", { ticket: "T-1" });
    assert.equal(d.verdict === "refuse" && d.reason, "forbidden");
    assert.match(d.verdict === "refuse" ? d.content : "", /could not be evaluated \(cedar: evaluation failed\), which denies the call/);
  });

  test("the policy sees only declared tools with valid arguments", () => {
    const seen: string[] = [];
    const g = guardWith((tool) => {
      seen.push(tool.name);
      return undefined;
    });
    g.check("nope", {});
    g.check("send_customer_reply", { ticket: "T-1" });
    g.check("read_ticket", { ticket: "T-1" });
    assert.deepEqual(seen, ["read_ticket"]);
  });
});
