/**
 * The Cedar text `compile` makes from risk lines' conditions (`AgentModel.argumentPolicies`): the
 * example's, exactly; stable under reordering; escaped; parsed by `@cedar-policy/cedar-wasm` (a
 * root development dependency: core itself does not load Cedar); and covered by the model hash and
 * the release fingerprint.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { compile } from "../../src/compile/compile.ts";
import { toolsHash } from "../../src/compile/release.ts";
import { EXAMPLE_DIR, exampleManifest } from "../fixtures.ts";

const EXAMPLE_POLICIES = `@id("billing.refund.when[0]")
@decision("forbid")
@condition("amount_cents > 10000")
forbid (
  principal == Airlock::Agent::"support-agent",
  action == Airlock::Action::"issue_refund",
  resource
)
when { context.amount_cents > 10000 };

@id("customer.reply.when[0]")
@decision("allow")
@condition("to ends with \\"@acme.example.com\\"")
permit (
  principal == Airlock::Agent::"support-agent",
  action == Airlock::Action::"send_customer_reply",
  resource
)
when { context.to like "*@acme.example.com" };
`;

const build = (m: Record<string, any>) => compile(m, { baseDir: EXAMPLE_DIR });

/** Cedar's answer for one call of `tool` with `context` under `text`. */
function decide(text: string, tool: string, context: Record<string, unknown>) {
  const answer = cedar.isAuthorized({
    principal: { type: "Airlock::Agent", id: "support-agent" },
    action: { type: "Airlock::Action", id: tool },
    resource: { type: "Airlock::ActionType", id: "x" },
    context: context as cedar.Context,
    policies: { staticPolicies: text },
    entities: [],
  });
  assert.equal(answer.type, "success", JSON.stringify(answer));
  return answer.type === "success" ? answer.response : undefined;
}

describe("argument policies compiled to Cedar", () => {
  it("given the example, when compiled, then its policy set is exactly the golden text and Cedar parses it", async () => {
    const model = await build(exampleManifest());
    assert.equal(model.argumentPolicies, EXAMPLE_POLICIES);
    assert.deepEqual(cedar.checkParsePolicySet({ staticPolicies: model.argumentPolicies! }), { type: "success" });
    assert.deepEqual(
      model.riskLines.map((l) => [l.actionType, l.when?.map((c) => [c.id, c.then, c.summary])]),
      [
        ["billing.refund", [["billing.refund.when[0]", "forbid", "amount_cents > 10000"]]],
        ["customer.reply", [["customer.reply.when[0]", "allow", 'to ends with "@acme.example.com"']]],
      ],
    );
    assert.deepEqual(model.tools.find((t) => t.name === "issue_refund")?.input?.properties.amount_cents, { type: "integer", minimum: 1, description: "The refund in cents, e.g. 4900 for $49.00." });
  });

  it("given the golden text, when Cedar decides, then the refund limit and the internal domain behave as written", () => {
    assert.deepEqual(decide(EXAMPLE_POLICIES, "issue_refund", { amount_cents: 10_001 })?.diagnostics.reason, ["policy0"]);
    assert.equal(decide(EXAMPLE_POLICIES, "issue_refund", { amount_cents: 10_000 })?.diagnostics.reason.length, 0);
    assert.equal(decide(EXAMPLE_POLICIES, "send_customer_reply", { to: "a@acme.example.com" })?.decision, "allow");
    assert.equal(decide(EXAMPLE_POLICIES, "send_customer_reply", { to: "a@acme.example.com.evil.test" })?.decision, "deny");
  });

  it("given the same conditions with arguments and keys in another order, when compiled twice, then the text is the same", async () => {
    const a = exampleManifest();
    a.riskLines["billing.refund"].when = [{ if: { amount_cents: { gt: 10, lte: 500 }, order_id: { startsWith: "A-" } }, then: "forbid" }];
    const b = exampleManifest();
    b.riskLines = { "customer.reply": b.riskLines["customer.reply"], "billing.refund": { ...b.riskLines["billing.refund"], when: [{ then: "forbid", if: { order_id: { startsWith: "A-" }, amount_cents: { lte: 500, gt: 10 } } }] } };
    const [x, y, z] = await Promise.all([build(a), build(b), build(a)]);
    assert.equal(x.argumentPolicies, y.argumentPolicies);
    assert.equal(x.argumentPolicies, z.argumentPolicies);
    assert.match(x.argumentPolicies!, /@condition\("amount_cents <= 500 and amount_cents > 10 and order_id starts with \\"A-\\""\)/);
    assert.match(x.argumentPolicies!, /when \{ context\.amount_cents <= 500 && context\.amount_cents > 10 && context\.order_id like "A-\*" \};/);
  });

  it("given values with quotes, backslashes, `*` and lookalike letters, when compiled, then they are escaped, visible, and `*` is no wildcard", async () => {
    const m = exampleManifest();
    m.riskLines["customer.reply"].when = [
      { if: { to: { endsWith: "@acme.exаmple.com" } }, then: "allow" }, // Cyrillic а
      { if: { subject: { in: ['say "hi"', "back\\slash"] }, body: { startsWith: "*" } }, then: "forbid" },
    ];
    const model = await build(m);
    const text = model.argumentPolicies!;
    assert.match(text, /context\.to like "\*@acme\.ex\\u\{430\}mple\.com"/);
    assert.match(text, /\["say \\"hi\\"", "back\\\\slash"\]\.contains\(context\.subject\)/);
    assert.match(text, /context\.body like "\\\*\*"/);
    assert.deepEqual(cedar.checkParsePolicySet({ staticPolicies: text }), { type: "success" });
    // The lookalike rule does not match the real domain, and a literal `*` is not "anything".
    assert.equal(decide(text, "send_customer_reply", { to: "a@acme.example.com", subject: "x", body: "x" })?.decision, "deny");
    assert.equal(decide(text, "send_customer_reply", { to: "a@acme.exаmple.com", subject: "x", body: "x" })?.decision, "allow");
    assert.deepEqual(decide(text, "send_customer_reply", { to: "a@b.c", subject: 'say "hi"', body: "*anything" })?.diagnostics.reason, ["policy2"]);
    assert.equal(decide(text, "send_customer_reply", { to: "a@b.c", subject: 'say "hi"', body: "anything" })?.diagnostics.reason.length, 0);
  });

  it("given several tools of one action type and names Cedar's `.` does not take, when compiled, then the action is a list and the access uses brackets", async () => {
    const m = exampleManifest();
    const reply = m.tools.find((t: { name: string }) => t.name === "send_customer_reply");
    m.tools.push({ ...reply, name: "send_followup", input: { ...reply.input, properties: { ...reply.input.properties, "cc-list": { type: "string", enum: ["none"] } }, required: [...reply.input.required, "cc-list"] } });
    reply.input = { ...reply.input, properties: { ...reply.input.properties, "cc-list": { type: "string", enum: ["none"] } }, required: [...reply.input.required, "cc-list"] };
    m.riskLines["customer.reply"].when = [{ if: { "cc-list": { eq: "none" } }, then: "forbid" }];
    const model = await build(m);
    assert.match(model.argumentPolicies!, /action in \[Airlock::Action::"send_customer_reply", Airlock::Action::"send_followup"\],/);
    assert.match(model.argumentPolicies!, /when \{ context\["cc-list"\] == "none" \};/);
    assert.deepEqual(cedar.checkParsePolicySet({ staticPolicies: model.argumentPolicies! }), { type: "success" });
  });

  it("given a raised refund limit, when compiled, then the model hash and the release's tools hash change", async () => {
    const before = await build(exampleManifest());
    const m = exampleManifest();
    m.riskLines["billing.refund"].when[0].if.amount_cents.gt = 20_000;
    const after = await build(m);
    assert.notEqual(after.hash, before.hash);
    assert.notEqual(toolsHash(after), toolsHash(before));
    assert.match(after.argumentPolicies!, /context\.amount_cents > 20000/);
  });

  it("given a manifest without conditions or inputs, when compiled, then the model has no policy text and no inputs", async () => {
    const m = exampleManifest();
    for (const t of m.tools) delete t.input;
    for (const l of Object.values(m.riskLines) as Record<string, unknown>[]) delete l.when;
    const model = await build(m);
    assert.equal("argumentPolicies" in model, false);
    assert.equal(model.tools.some((t) => "input" in t), false);
    assert.equal(model.riskLines.some((l) => "when" in l), false);
  });
});
