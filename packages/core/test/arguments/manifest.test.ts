/**
 * `tools[].input` and `riskLines.<type>.when`: what the manifest accepts, and what it refuses at
 * which field with which fix.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { ManifestError } from "../../src/errors.ts";
import { manifestJsonSchema } from "../../src/manifest/json-schema.ts";
import { parseManifest } from "../../src/manifest/validate.ts";
import { baseManifest, exampleManifest } from "../fixtures.ts";

/** A manifest with an outward refund tool and a reply tool, with inputs and no conditions yet. */
function withArguments(): Record<string, any> {
  const m = baseManifest();
  m.tools.push(
    {
      name: "issue_refund",
      description: "Refunds an order.",
      access: "write",
      outward: true,
      actionType: "billing.refund",
      hosts: ["api.billing.example.com"],
      input: {
        type: "object",
        properties: {
          order_id: { type: "string", pattern: "^[A-Z]-[0-9]+$" },
          amount_cents: { type: "integer", minimum: 1 },
          note: { type: "string" },
          ratio: { type: "number" },
        },
        required: ["order_id", "amount_cents", "ratio"],
      },
    },
    {
      name: "send_reply",
      description: "Emails a reply.",
      access: "write",
      outward: true,
      actionType: "customer.reply",
      hosts: ["api.mail.example.com"],
      input: {
        type: "object",
        properties: {
          to: { type: "string", pattern: "^[^@\\s,;<>\"]+@[^@\\s,;<>\"]+$" },
          cc: { type: "string" },
          urgent: { type: "boolean" },
          recipient: { type: "object", properties: { email: { type: "string", enum: ["a@acme.example.com"] } }, required: ["email"] },
        },
        required: ["to", "cc", "urgent", "recipient"],
      },
    },
  );
  m.riskLines = {
    "billing.refund": { tier: "approve", class: "money" },
    "customer.reply": { tier: "approve" },
  };
  return m;
}

/** The problems parseManifest reports, as `path: message`. */
function problemsOf(m: unknown): string[] {
  try {
    parseManifest(m);
  } catch (e) {
    if (e instanceof ManifestError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

function expectProblem(m: unknown, path: string, message: RegExp): void {
  const problems = problemsOf(m);
  assert.ok(
    problems.some((p) => p.startsWith(`${path}: `) && message.test(p.slice(path.length + 2))),
    `expected a problem at ${path} matching ${message}, got:\n  ${problems.join("\n  ")}`,
  );
}

describe("tools[].input and riskLines.<type>.when", () => {
  it("given the example support agent, when parsed, then its inputs and conditions are kept with defaults filled", () => {
    const m = parseManifest(exampleManifest());
    const refund = m.tools.find((t) => t.name === "issue_refund")!;
    assert.deepEqual(refund.input?.required, ["ticket_id", "order_id", "amount_cents", "reason"]);
    assert.equal(refund.input?.additionalProperties, false);
    const line = m.riskLines["billing.refund"];
    assert.ok(typeof line === "object");
    assert.deepEqual(line.when, [{ if: { amount_cents: { gt: 10000 } }, then: "forbid" }]);
  });

  it("given conditions within the floors on required arguments, when parsed, then they are accepted", () => {
    const m = withArguments();
    m.riskLines["billing.refund"].when = [
      { if: { amount_cents: { lte: 10000 } }, then: "approve" },
      { if: { amount_cents: { gt: 10000 }, order_id: { startsWith: "Z-" } }, then: "forbid" },
    ];
    m.riskLines["customer.reply"].when = [
      { if: { to: { endsWith: "@acme.example.com" } }, then: "allow" },
      { if: { "recipient.email": { in: ["a@acme.example.com"] }, urgent: { eq: true } }, then: "allow" },
    ];
    assert.deepEqual(problemsOf(m), []);
  });

  it("given `then: auto`, when parsed, then the field says to write `allow`", () => {
    const m = withArguments();
    m.riskLines["customer.reply"].when = [{ if: { to: { endsWith: "@acme.example.com" } }, then: "auto" }];
    expectProblem(m, 'riskLines["customer.reply"].when[0].then', /must be `allow`, `approve`, `always-approve` or `forbid` \(a condition's `allow` is the tier `auto`\)/);
  });

  it("given a money line, when a condition would `allow`, then it is refused at `then` (the runtime's floor)", () => {
    const m = withArguments();
    m.riskLines["billing.refund"].when = [{ if: { amount_cents: { lte: 500 } }, then: "allow" }];
    expectProblem(m, 'riskLines["billing.refund"].when[0].then', /`allow` would loosen this line below its floor; `money` actions never run without a person/);
  });

  it("given an always-approve line, when a condition would `approve` or `allow`, then it is refused at `then`", () => {
    const m = withArguments();
    m.riskLines["billing.refund"] = { tier: "always-approve", class: "money", when: [{ if: { amount_cents: { lte: 500 } }, then: "approve" }] };
    expectProblem(m, 'riskLines["billing.refund"].when[0].then', /the line is `always-approve`, which always asks a person .*lower `riskLines\["billing.refund"\].tier` to `approve`/);
    m.riskLines["customer.reply"] = { tier: "always-approve", when: [{ if: { to: { endsWith: "@acme.example.com" } }, then: "allow" }] };
    expectProblem(m, 'riskLines["customer.reply"].when[0].then', /below its floor; the line is `always-approve`/);
  });

  it("given an `auto` line, when a condition asks for approval, then it is refused: the agent has no approval route for it", () => {
    const m = withArguments();
    m.riskLines["customer.reply"] = { tier: "auto", when: [{ if: { urgent: { eq: true } }, then: "approve" }] };
    expectProblem(m, 'riskLines["customer.reply"].when[0].then', /needs a person, but tool `send_reply` \(tools\[3\]\) is on an `auto` line.*set `riskLines\["customer.reply"\].tier` to `approve`/);
  });

  it("given a condition on an argument a tool does not declare or require, when parsed, then the path names the tool and the fix", () => {
    const m = withArguments();
    m.riskLines["billing.refund"].when = [{ if: { currency: { eq: "EUR" } }, then: "forbid" }];
    expectProblem(m, 'riskLines["billing.refund"].when[0].if.currency', /tool `issue_refund` \(tools\[2\]\) has no argument `currency`; .*declare it in `tools\[2\].input`/);
    m.riskLines["billing.refund"].when = [{ if: { note: { eq: "x" } }, then: "forbid" }];
    expectProblem(m, 'riskLines["billing.refund"].when[0].if.note', /tool `issue_refund` \(tools\[2\]\) does not require `note`/);
    delete m.tools[2].input;
    expectProblem(m, 'riskLines["billing.refund"].when[0].if.note', /tool `issue_refund` \(tools\[2\]\) declares no `input`/);
  });

  it("given a second tool of the action type without the argument, when parsed, then that tool is named", () => {
    const m = withArguments();
    m.tools.push({ name: "issue_credit", description: "Credits an account.", access: "write", outward: true, actionType: "billing.refund", hosts: ["api.billing.example.com"] });
    m.riskLines["billing.refund"].when = [{ if: { amount_cents: { gt: 100 } }, then: "forbid" }];
    expectProblem(m, 'riskLines["billing.refund"].when[0].if.amount_cents', /tool `issue_credit` \(tools\[4\]\) declares no `input`/);
  });

  it("given comparisons the argument's type does not take, when parsed, then each is refused at its operator", () => {
    const m = withArguments();
    m.riskLines["billing.refund"].when = [
      { if: { order_id: { gt: 5 } }, then: "forbid" },
      { if: { amount_cents: { eq: "100" } }, then: "forbid" },
      { if: { ratio: { eq: 1 } }, then: "forbid" },
      { if: { amount_cents: { in: [1, "2"] } }, then: "forbid" },
    ];
    expectProblem(m, 'riskLines["billing.refund"].when[0].if.order_id.gt', /`gt` does not compare a `string` .*use one of `eq`, `ne`, `in`, `notIn`, `startsWith`, `endsWith`/);
    expectProblem(m, 'riskLines["billing.refund"].when[1].if.amount_cents.eq', /compares `amount_cents`, a `integer` in tool `issue_refund`, with "100" \(a string\); give a whole number/);
    expectProblem(m, 'riskLines["billing.refund"].when[2].if.ratio', /is a `number` in tool `issue_refund`.*declare amounts `integer`/);
    expectProblem(m, 'riskLines["billing.refund"].when[3].if.amount_cents.in', /with "2" \(a string\)/);
  });

  it("given an `allow` rule on how free text ends, when the argument has no pattern or enum, then it is refused", () => {
    const m = withArguments();
    m.riskLines["customer.reply"].when = [{ if: { cc: { endsWith: "@acme.example.com" } }, then: "allow" }];
    expectProblem(m, 'riskLines["customer.reply"].when[0].if.cc.endsWith', /says nothing about the rest of it .*give `tools\[3\].input`'s `cc` a `pattern`/);
  });

  it("given conditions on a line no tool performs, when parsed, then `when` is refused", () => {
    const m = withArguments();
    m.riskLines["orders.cancel"] = { tier: "approve", when: [{ if: { x: { eq: 1 } }, then: "forbid" }] };
    expectProblem(m, 'riskLines["orders.cancel"].when', /no tool has action type `orders.cancel`/);
  });

  it("given malformed conditions, when parsed, then the schema names the field", () => {
    const m = withArguments();
    m.riskLines["billing.refund"].when = [{ if: {}, then: "forbid" }];
    expectProblem(m, 'riskLines["billing.refund"].when[0].if', /name at least one argument/);
    m.riskLines["billing.refund"].when = [{ if: { amount_cents: {} }, then: "forbid" }];
    expectProblem(m, 'riskLines["billing.refund"].when[0].if.amount_cents', /give at least one comparison/);
    m.riskLines["billing.refund"].when = [{ if: { "amount cents": { gt: 1 } }, then: "forbid" }];
    expectProblem(m, 'riskLines["billing.refund"].when[0].if["amount cents"]', /must be an argument path/);
    m.riskLines["billing.refund"].when = [{ if: { amount_cents: { gt: 1.5 } }, then: "forbid" }];
    expectProblem(m, 'riskLines["billing.refund"].when[0].if.amount_cents.gt', /must be an int, not number 1.5/);
    m.riskLines["billing.refund"].when = [{ if: { amount_cents: { between: [1, 2] } }, then: "forbid" }];
    expectProblem(m, 'riskLines["billing.refund"].when[0].if.amount_cents', /unknown field `between`/);
  });

  it("given malformed inputs, when parsed, then each problem is at its field", () => {
    const m = withArguments();
    m.tools[2].input.required.push("currency");
    m.tools[2].input.properties.order_id.pattern = "([A-Z";
    m.tools[2].input.properties.note.minLength = 10;
    m.tools[2].input.properties.note.maxLength = 2;
    // An own `__proto__` key, as JSON.parse and YAML make it (an assignment would set the prototype).
    Object.defineProperty(m.tools[2].input.properties, "__proto__", { value: { type: "string" }, enumerable: true, configurable: true, writable: true });
    const problems = problemsOf(m);
    expectProblem(m, "tools[2].input.required[3]", /`currency` is not in `properties`; declare it there or remove it from `required`/);
    expectProblem(m, "tools[2].input.properties.order_id.pattern", /is not a regular expression the runtime can use/);
    expectProblem(m, "tools[2].input.properties.note.minLength", /10 is more than `maxLength` 2/);
    assert.ok(problems.some((p) => p.includes("__proto__") && p.includes("rename it")), problems.join("\n"));
    const n = withArguments();
    n.tools[2].input.type = "array";
    expectProblem(n, "tools[2].input.type", /must be `object`/);
    n.tools[2].input = { type: "object", properties: { amount_cents: { type: "integer", minimum: "1" } } };
    expectProblem(n, "tools[2].input.properties.amount_cents.minimum", /must be/);
    n.tools[2].input = { type: "object", properties: { amount_cents: { type: "decimal" } } };
    expectProblem(n, "tools[2].input.properties.amount_cents.type", /string|integer/);
  });

  it("given the editor's JSON Schema, when it checks inputs and conditions, then it accepts what the schema accepts and refuses a bad one at its field", () => {
    const validate = new Ajv({ strict: true, allErrors: true }).compile(manifestJsonSchema());
    const good = withArguments();
    good.riskLines["customer.reply"].when = [{ if: { to: { endsWith: "@acme.example.com" }, urgent: { eq: true } }, then: "allow" }];
    good.tools[3].input.properties.tags = { type: "array", items: { type: "object", properties: { name: { type: "string" } }, required: ["name"] }, maxItems: 3 };
    assert.ok(validate(good), JSON.stringify(validate.errors));
    assert.ok(validate(exampleManifest()), JSON.stringify(validate.errors));
    const bad = withArguments();
    bad.riskLines["customer.reply"].when = [{ if: { to: { endsWith: "@acme.example.com" } }, then: "auto" }];
    assert.equal(validate(bad), false);
    assert.ok(validate.errors!.some((e) => e.instancePath === "/riskLines/customer.reply/when/0/then"), JSON.stringify(validate.errors));
    const nested = withArguments();
    nested.tools[3].input.properties.recipient.properties.email.type = "email";
    assert.equal(validate(nested), false);
  });
});
