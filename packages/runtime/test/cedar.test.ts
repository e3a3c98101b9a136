/**
 * The compiled argument policies evaluated by Cedar (`cedarArgumentPolicy`, and the guard that uses
 * them by default), on the example support agent's own model: refunds above 10000 cents are
 * forbidden, replies to @acme.example.com run without a person. Adversarial arguments must never
 * loosen a decision.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { loadManifest, type AgentModel } from "@airlock/core";
import { cedarArgumentPolicy, createToolGuard, modelContentHash, type ArgumentPolicy, type GuardDecision, type GuardedTool, type PolicyVerdict } from "../src/index.ts";

const EXAMPLE = new URL("../../../examples/support-agent/agent.yaml", import.meta.url).pathname;
const model: AgentModel = await loadManifest(EXAMPLE);
const guard = createToolGuard({ model, modelHash: model.hash });
const policy: ArgumentPolicy = cedarArgumentPolicy(model)!;
const tool = (name: string): GuardedTool => guard.tool(name)!;

const REFUND = { ticket_id: "T-1046", order_id: "A-7731", reason: "Charged twice." };
const REPLY = { ticket_id: "T-1042", subject: "Re: your ticket", body: "Hello." };

/** The verdicts as a list. */
function verdicts(v: PolicyVerdict | readonly PolicyVerdict[] | undefined): readonly PolicyVerdict[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v as PolicyVerdict];
}

/** A model like the example's with other policy text, its hash recomputed. */
function withPolicies(text: string | undefined): AgentModel {
  const m = JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
  if (text === undefined) delete m.argumentPolicies;
  else m.argumentPolicies = text;
  m.hash = modelContentHash(m);
  return m as unknown as AgentModel;
}

function summary(d: GuardDecision): string {
  return d.verdict === "refuse" ? `refuse:${d.reason}` : d.verdict === "ask" ? `ask:${d.tier}` : "run";
}

describe("the example's argument policies under Cedar", () => {
  it("given refunds at, below and above the limit, when checked, then up to 10000 cents a person is asked (always-approve) and above it the call is forbidden", () => {
    assert.equal(summary(guard.check("issue_refund", { ...REFUND, amount_cents: 1 })), "ask:always-approve");
    assert.equal(summary(guard.check("issue_refund", { ...REFUND, amount_cents: 10_000 })), "ask:always-approve");
    const above = guard.check("issue_refund", { ...REFUND, amount_cents: 10_001 });
    assert.equal(summary(above), "refuse:forbidden");
    assert.equal(
      above.verdict === "refuse" && above.content,
      'The call to "issue_refund" is forbidden by this agent\'s policy: amount_cents > 10000 (billing.refund.when[0]). It was not run and no one was asked; do not retry it with the same arguments.',
    );
  });

  it("given replies to the internal domain and elsewhere, when checked, then an internal reply runs and any other waits for approval", () => {
    const internal = guard.check("send_customer_reply", { ...REPLY, to: "billing-team@acme.example.com" });
    assert.equal(summary(internal), "run");
    assert.deepEqual(internal.verdict === "run" && internal.reasons, ['to ends with "@acme.example.com" (customer.reply.when[0])']);
    assert.equal(summary(guard.check("send_customer_reply", { ...REPLY, to: "ana@customer.example" })), "ask:approve");
  });

  it("given a tool no condition names, when its policy is asked, then there is no verdict and Cedar is not consulted", () => {
    assert.equal(policy(tool("read_ticket"), { ticket_id: "T-1" }), undefined);
    assert.equal(summary(guard.check("read_ticket", { ticket_id: "T-1" })), "run");
  });

  it("given the hook directly (no schema in front), when an argument is missing, then the call is forbidden with the reason", () => {
    assert.deepEqual(verdicts(policy(tool("issue_refund"), REFUND)), [{ decision: "forbid", reason: "the argument `amount_cents` is missing, and the policy compares it" }]);
  });

  it("given the hook directly, when the amount is a string, a fraction or past 2^53, then the call is forbidden, never compared", () => {
    for (const amount of ["99999999", "5", 10_000.5, 2 ** 53, 1e20, -(2 ** 53), Number.NaN, Infinity, null, true, [5], { __extn: { fn: "decimal", arg: "1.0" } }]) {
      const v = verdicts(policy(tool("issue_refund"), { ...REFUND, amount_cents: amount }));
      assert.equal(v?.length, 1, String(amount));
      assert.equal(v![0]!.decision, "forbid", String(amount));
      assert.match(v![0]!.reason, /^the argument `amount_cents` must be a whole number from -\(2\^53 - 1\) to 2\^53 - 1, not .*, so the policy cannot compare it$/);
    }
  });
});

describe("adversarial arguments do not loosen the decision", () => {
  it("given lookalikes of the internal domain, when checked, then none runs without a person (the real domain does)", () => {
    assert.equal(summary(guard.check("send_customer_reply", { ...REPLY, to: "x@acme.example.com" })), "run");
    for (const to of [
      "x@acme.example.com.evil.test",
      "x@ACME.example.com",
      "x@acme.example.com.",
      "x@acme.exаmple.com", // Cyrillic а
      "x@evil.test@acme.example.com",
      "x@evil.test\u200b@acme.example.com",
      "x@sub.acme.example.com.evil",
    ]) {
      const d = guard.check("send_customer_reply", { ...REPLY, to });
      assert.notEqual(d.verdict, "run", to);
    }
  });

  it("given a list of recipients that ends with the internal domain, when checked by the guard or by the hook alone, then it does not run", () => {
    const to = "victim@evil.test,billing@acme.example.com";
    assert.equal(summary(guard.check("send_customer_reply", { ...REPLY, to })), "refuse:invalid-arguments");
    assert.deepEqual(verdicts(policy(tool("send_customer_reply"), { ...REPLY, to })), [
      { decision: "forbid", reason: 'the argument `to` must match the pattern ^[^@\\s,;<>"]+@[^@\\s,;<>"]+$, so the policy cannot compare it' },
    ]);
  });

  it("given `__proto__` and inherited keys carrying the amount, when checked, then the amount counts as missing", () => {
    const viaJson = JSON.parse(`{"ticket_id":"T-1","order_id":"A-1","reason":"x","__proto__":{"amount_cents":1}}`) as Record<string, unknown>;
    assert.equal(verdicts(policy(tool("issue_refund"), viaJson))![0]!.decision, "forbid");
    assert.equal(summary(guard.check("issue_refund", viaJson)), "refuse:invalid-arguments");
    const inherited = Object.assign(Object.create({ amount_cents: 1 }) as Record<string, unknown>, REFUND);
    assert.deepEqual(verdicts(policy(tool("issue_refund"), inherited)), [{ decision: "forbid", reason: "the argument `amount_cents` is missing, and the policy compares it" }]);
  });

  it("given strings where the schema wants numbers, when checked by the guard, then the schema refuses them before any policy", () => {
    assert.equal(summary(guard.check("issue_refund", { ...REFUND, amount_cents: "100" })), "refuse:invalid-arguments");
    assert.equal(summary(guard.check("issue_refund", { ...REFUND, amount_cents: 1e20 })), "refuse:forbidden");
  });
});

describe("evaluation errors and malformed policies deny", () => {
  it("given policy text that does not parse, when any tool is called, then the call is forbidden and says why", () => {
    const g = createToolGuard({ model: withPolicies("permit (principal, action, resource) when { context.x >"), modelHash: false });
    for (const [name, args] of [
      ["read_ticket", { ticket_id: "T-1" }],
      ["send_customer_reply", { ...REPLY, to: "a@acme.example.com" }],
    ] as const) {
      const d = g.check(name, args);
      assert.equal(summary(d), "refuse:forbidden");
      assert.match(d.verdict === "refuse" ? d.content : "", /the agent's argument policies do not parse \(.*\), which denies every call/);
    }
  });

  it("given a policy without @decision, or a forbid that says allow, when called, then every call is forbidden", () => {
    const noDecision = '@id("x")\npermit (principal, action, resource);\n';
    assert.match(JSON.stringify(verdicts(cedarArgumentPolicy(withPolicies(noDecision))!(tool("read_ticket"), {}))), /policy x has no @decision/);
    const lying = '@id("x")\n@decision("allow")\nforbid (principal, action, resource);\n';
    assert.match(JSON.stringify(verdicts(cedarArgumentPolicy(withPolicies(lying))!(tool("read_ticket"), {}))), /says @decision allow but is a forbid/);
  });

  it("given a rule whose evaluation errs (an attribute the context lacks), when called, then the call is forbidden with Cedar's error", () => {
    const text = '@id("r")\n@decision("allow")\n@condition("nope > 1")\npermit (principal, action == Airlock::Action::"read_ticket", resource) when { context.nope > 1 };\n';
    const v = verdicts(cedarArgumentPolicy(withPolicies(text))!(tool("read_ticket"), { ticket_id: "T-1" }));
    assert.equal(v?.length, 1);
    assert.equal(v![0]!.decision, "forbid");
    assert.match(v![0]!.reason, /^the rule r \(nope > 1\) could not be evaluated \(.*`nope`.*\), which denies the call$/);
  });

  it("given a model whose policy text is not text, or whose conditions are misshapen, when called, then every call is forbidden", () => {
    const notText = { ...model, argumentPolicies: 42 as unknown as string };
    assert.match(JSON.stringify(verdicts(cedarArgumentPolicy(notText)!(tool("read_ticket"), {}))), /cannot be read from its model \(`argumentPolicies` is not text\)/);
    const misshapen = { ...model, riskLines: model.riskLines.map((l) => ({ ...l, when: l.when?.map((c) => ({ ...c, if: undefined as never })) })) };
    assert.equal(verdicts(cedarArgumentPolicy(misshapen)!(tool("read_ticket"), { ticket_id: "T-1" }))![0]!.decision, "forbid");
  });

  it("given conditions but no compiled text, when called, then the call is forbidden", () => {
    const v = verdicts(cedarArgumentPolicy(withPolicies(undefined))!(tool("issue_refund"), { ...REFUND, amount_cents: 5 }));
    assert.match(v![0]!.reason, /conditions but no compiled argument policies/);
  });

  it("given a permit and a forbid that both match, when called, then the forbid wins", () => {
    const text = `${model.argumentPolicies!}\n@id("also")\n@decision("allow")\n@condition("amount_cents > 0")\npermit (principal, action == Airlock::Action::"issue_refund", resource) when { context.amount_cents > 0 };\n`;
    const g = createToolGuard({ model: withPolicies(text), modelHash: false });
    assert.equal(summary(g.check("issue_refund", { ...REFUND, amount_cents: 20_000 })), "refuse:forbidden");
    // Below the limit the permit's `allow` is raised to the money line's floor: always-approve.
    assert.equal(summary(g.check("issue_refund", { ...REFUND, amount_cents: 20 })), "ask:always-approve");
  });

  it("given a policy of the user's own beside the compiled one, when it allows a forbidden refund, then the compiled forbid still wins", () => {
    const g = createToolGuard({ model, modelHash: false, policy: () => ({ decision: "allow", reason: "the user says so" }) });
    assert.equal(summary(g.check("issue_refund", { ...REFUND, amount_cents: 50_000 })), "refuse:forbidden");
  });
});
