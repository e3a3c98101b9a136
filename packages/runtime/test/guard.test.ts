/**
 * The tool guard on its own: the shipped model is the task's (its content against its hash, its
 * hash against AIRLOCK_MODEL_HASH), undeclared tools and arguments that miss the input schema are
 * refused as tool results for the model, with a trace line each.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TASK_ENV } from "@airlock/core/contracts";
import { createTracer, type CallRecord } from "@airlock/trace";
import { AirlockRuntimeError, createToolGuard, MODEL_FILE, modelContentHash, type GuardDecision, type ShippedModel } from "../src/index.ts";
import { compiledModel, shippedModel } from "./helpers/model.ts";

const env = (model: { hash: string }) => ({ [TASK_ENV.modelHash]: model.hash });

function refused(d: GuardDecision): Extract<GuardDecision, { verdict: "refuse" }> {
  assert.equal(d.verdict, "refuse", JSON.stringify(d));
  return d as Extract<GuardDecision, { verdict: "refuse" }>;
}

describe("the shipped model", () => {
  let dir: string;
  let model: ShippedModel;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "airlock-runtime-"));
    model = await shippedModel();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("hashes as compile hashes it, so the runtime checks the hash AgentDeployment deploys", async () => {
    const compiled = await compiledModel();
    assert.equal(modelContentHash(JSON.parse(JSON.stringify(compiled)) as Record<string, unknown>), compiled.hash);
  });

  test("loads from its file when its hash is the task's", () => {
    const file = join(dir, MODEL_FILE);
    writeFileSync(file, JSON.stringify(model));
    const guard = createToolGuard({ model: file, env: env(model) });
    assert.equal(guard.model.hash, model.hash);
    assert.deepEqual(guard.tools, [...model.tools.map((t) => t.name)].sort());
  });

  test("refuses to start when the task was deployed with another model", () => {
    const other = "f".repeat(64);
    assert.throws(() => createToolGuard({ model, env: { [TASK_ENV.modelHash]: other } }), {
      name: "AirlockRuntimeError",
      message: `the shipped model of support-agent (hash ${model.hash.slice(0, 12)}…) is not the model this task was deployed with (\`${TASK_ENV.modelHash}\` ffffffffffff…); ship the model compiled from this release's agent.yaml, or deploy the release that matches it`,
    });
  });

  test("refuses to start without the task's hash, unless told it runs outside a task", () => {
    assert.throws(() => createToolGuard({ model, env: {} }), new RegExp(`^AirlockRuntimeError: \`${TASK_ENV.modelHash}\` is not set`));
    assert.equal(createToolGuard({ model, env: {}, modelHash: false }).model.name, "support-agent");
  });

  test("refuses a model edited after it was compiled, even with its hash field intact", () => {
    // Given a model whose hash field is the task's, but with a tool added after compiling
    const edited = JSON.parse(JSON.stringify(model)) as { tools: Record<string, unknown>[] };
    edited.tools.push({ ...edited.tools[0]!, name: "delete_everything" });
    // Then it does not start (a guard that only compares the hash field would serve the extra tool)
    assert.throws(() => createToolGuard({ model: edited, env: env(model) }), /the model was changed after it was compiled/);
  });

  test("refuses what is not a model, and an input schema that does not compile", () => {
    const file = join(dir, "broken.json");
    writeFileSync(file, "{ not json");
    assert.throws(() => createToolGuard({ model: file, modelHash: false }), /broken\.json is not JSON/);
    assert.throws(() => createToolGuard({ model: { name: "x" }, modelHash: false }), /is not a compiled agent model/);
    assert.throws(() => createToolGuard({ model: join(dir, "missing.json"), modelHash: false }), AirlockRuntimeError);
    const bad = JSON.parse(JSON.stringify(model)) as Record<string, unknown> & { tools: Record<string, unknown>[] };
    bad.tools[0]!.input = { type: "object", properties: { n: { type: "nonsense" } } };
    bad.hash = modelContentHash(bad);
    assert.throws(() => createToolGuard({ model: bad, modelHash: false }), /^AirlockRuntimeError: the shipped model's input schemas do not compile:\n {2}`tools\.add_ticket_label\.input`/);
  });
});

describe("guard.check", () => {
  const records: CallRecord[] = [];
  const lines: string[] = [];
  let guard: ReturnType<typeof createToolGuard>;

  before(async () => {
    const model = await shippedModel();
    const tracer = createTracer({ agent: "support-agent", release: "rel-1", stack: "test", emf: { sink: { write: (l: string) => lines.push(l) } }, onRecord: (r) => records.push(r) });
    guard = createToolGuard({ model, env: env(model), tracer });
  });

  test("refuses an undeclared tool with the tools that exist, and traces it before returning", () => {
    const before = records.length;
    const d = refused(guard.check("drop_table", { table: "support-tickets" }));
    assert.equal(d.reason, "undeclared-tool");
    assert.equal(d.isError, true);
    assert.equal(
      d.content,
      'Tool "drop_table" is not available to this agent, and the call was not run. The tools you can call are: add_ticket_label, analyze_ticket_history, issue_refund, post_status_update, read_ticket, record_reply, search_knowledge_base, send_customer_reply, ticket_queue.',
    );
    const r = records.slice(before);
    assert.deepEqual(r.map((x) => [x.kind, x.name, x.outcome, x.error?.class]), [["tool", "drop_table", "refused", "ToolRefusedError"]]);
    assert.match(r[0]!.error!.message, /^undeclared-tool: Tool "drop_table" is not available/);
    assert.ok(lines.some((l) => l.includes('"drop_table"')), "an EMF line names the refused tool");
  });

  test("refuses arguments that miss the input schema, naming each field", () => {
    const d = refused(guard.check("send_customer_reply", { ticket: "1001", to: "not-an-address", cc: "boss@example.com" }));
    assert.equal(d.reason, "invalid-arguments");
    assert.equal(
      d.content,
      'The arguments of "send_customer_reply" do not match its input schema: `body` is required; `cc` is not an argument of this tool; `ticket` must match pattern "^T-\\d+$"; `to` must match format "email". The call was not run; fix the arguments and call it again.',
    );
  });

  test("checks a 2020-12 schema as 2020-12, and reaches nested fields", () => {
    assert.match(refused(guard.check("issue_refund", { order: "O-1", amount: 0 })).content, /`amount` must be > 0/);
    assert.match(refused(guard.check("issue_refund", { order: ["O-1"], amount: 5 })).content, /`order` must be string/);
    assert.equal(guard.check("issue_refund", { order: "O-1", amount: 40 }).verdict, "ask");
  });

  test("refuses arguments that are not an object, and lets a tool without a schema take any object", () => {
    assert.equal(refused(guard.check("read_ticket", ["T-1"])).reason, "invalid-arguments");
    assert.equal(refused(guard.check("read_ticket", null)).reason, "invalid-arguments");
    assert.deepEqual(guard.check("read_ticket", { ticket: "T-1", anything: [1, 2] }).verdict, "run");
  });

  test("asks a person for an outward tool whose risk line is not auto, and runs the rest", () => {
    const reply = guard.check("send_customer_reply", { ticket: "T-1", to: "ana@example.com", body: "Hello" });
    assert.deepEqual(reply.verdict === "ask" && [reply.tier, reply.reasons], ["approve", []]);
    const refund = guard.check("issue_refund", { order: "O-1", amount: 40 });
    assert.equal(refund.verdict === "ask" && refund.tier, "always-approve");
    assert.equal(guard.check("add_ticket_label", { ticket: "T-1", label: "vip" }).verdict, "run");
    assert.equal(guard.check("record_reply", {}).verdict, "run");
  });
});
