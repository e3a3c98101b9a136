/**
 * The Claude API tool-use loop (`@airlock/runtime/claude-api`) through the REAL `@anthropic-ai/sdk`
 * client, pointed at the Messages API stand-in on loopback, with the real approval gateway behind
 * the Lambda stand-in: what the model is offered, what it is told for each tool use (the tool's
 * result, or an error result it can act on), what runs (once, with what a person approved), and
 * what the trace holds.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { GATEWAY_OPS } from "@airlock/core/contracts";
import { approvalSpanName, AirlockRuntimeError } from "../src/index.ts";
import { claudeTools, EMPTY_INPUT_SCHEMA, runToolLoop } from "../src/integrations/claude-api.ts";
import { AnthropicStandIn, toolUse } from "./helpers/anthropic-standin.ts";
import { REPLY_INPUT } from "./helpers/model.ts";
import { API_KEY_SHAPED, REPLY, startRuntimeWorld, type RuntimeWorld } from "./helpers/runtime-world.ts";

const MODEL = "claude-sonnet-4-5";
const say = (text: string) => ({ content: [{ type: "text" as const, text }] });

describe("the Claude API tool-use loop with the runtime", () => {
  let world: RuntimeWorld;
  const api = new AnthropicStandIn();
  let client: Anthropic;

  before(async () => {
    world = await startRuntimeWorld();
    client = new Anthropic({ baseURL: await api.start(), apiKey: "sk-ant-test-not-a-key", maxRetries: 0 });
  });
  after(async () => {
    await api.stop();
    await world.stop();
  });

  it("given the manifest's tools, when the loop starts, then the model is offered each implemented declared tool with its description and input schema", async () => {
    api.script([say("Hello.")]);
    const runtime = world.runtime();
    const result = await runToolLoop(runtime, { client, model: MODEL, system: "You answer tickets.", tools: { send_customer_reply: () => "", add_ticket_label: () => "" }, messages: [{ role: "user", content: "Hi" }] });
    assert.equal(result.stop, "end_turn");
    assert.equal(result.text, "Hello.");
    const [request] = api.messages();
    const reply = world.model.tools.find((t) => t.name === "send_customer_reply")!;
    const label = world.model.tools.find((t) => t.name === "add_ticket_label")!;
    assert.equal(label.input, undefined);
    assert.deepEqual(request!.body.tools, [
      { name: "add_ticket_label", description: label.description, input_schema: EMPTY_INPUT_SCHEMA },
      { name: "send_customer_reply", description: reply.description, input_schema: REPLY_INPUT },
    ]);
    assert.equal(request!.body.system, "You answer tickets.");
    assert.equal(request!.body.model, MODEL);
    assert.deepEqual(claudeTools(world.model.tools).map((t) => t.name), world.model.tools.map((t) => t.name));
  });

  it("given an implementation of a tool the manifest does not declare, when the loop starts, then it refuses to start, naming the field", async () => {
    const runtime = world.runtime();
    await assert.rejects(
      runToolLoop(runtime, { client, model: MODEL, tools: { wire_money: () => "" }, messages: [{ role: "user", content: "Hi" }] }),
      (e: Error) => e instanceof AirlockRuntimeError && /`tools\.wire_money`: "wire_money" is not a tool the manifest declares/.test(e.message),
    );
    await assert.rejects(runToolLoop(runtime, { client, model: MODEL, tools: {}, messages: [{ role: "user", content: "Hi" }], maxTurns: 0 }), /`maxTurns`: 0 must be/);
  });

  it("given a reply a person edits then approves, when the model asks for it, then the edited arguments run once and the model reads the result", async () => {
    const edited = { ...REPLY, body: "Your refund of 50 EUR was sent today." };
    api.script([{ content: [say("I will reply.").content[0]!, toolUse("send_customer_reply", REPLY, "toolu_reply")] }, say("Replied.")]);
    const sent: unknown[] = [];
    const runtime = world.runtime();
    const looping = runToolLoop(runtime, { client, model: MODEL, tools: { send_customer_reply: (a) => (sent.push(a), { messageId: "m-1" }) }, messages: [{ role: "user", content: "Ticket T-1001" }] });
    const id = await world.lambda.nextRequest();
    await world.lambda.edit(id, edited);
    const result = await looping;
    assert.deepEqual(sent, [edited]);
    assert.equal(result.stop, "end_turn");
    assert.equal(result.text, "Replied.");
    assert.deepEqual(result.toolUses, [{ id: "toolu_reply", name: "send_customer_reply", input: REPLY, outcome: "ran", content: '{"messageId":"m-1"}', isError: false, requestId: id }]);
    assert.deepEqual(api.toolResults(), [{ type: "tool_result", tool_use_id: "toolu_reply", content: '{"messageId":"m-1"}' }]);
    // The gateway was asked with the model's arguments and recorded the edited ones' execution
    const asked = world.lambda.ops(GATEWAY_OPS.request).at(-1)!.event;
    assert.deepEqual((asked as { action: { arguments: unknown } }).action.arguments, REPLY);
    assert.equal(world.lambda.ops(GATEWAY_OPS.consume).filter((i) => i.event.requestId === id).length, 1);
  });

  it("given an undeclared tool, when the model asks for it, then it is refused with a result the model reads and the loop goes on", async () => {
    api.script([{ content: [toolUse("wire_money", { amount: 1e6 }, "toolu_wire")] }, say("I cannot do that.")]);
    const before = world.lambda.invocations.length;
    const runtime = world.runtime();
    const result = await runToolLoop(runtime, { client, model: MODEL, tools: { read_ticket: () => "" }, messages: [{ role: "user", content: "Wire a million" }] });
    const [result0] = api.toolResults();
    assert.equal(result0!.is_error, true);
    assert.match(String(result0!.content), /^Tool "wire_money" is not available to this agent, and the call was not run\. The tools you can call are: /);
    assert.deepEqual([result.toolUses[0]!.outcome, result.stop, result.turns], ["undeclared-tool", "end_turn", 2]);
    assert.equal(world.lambda.invocations.length, before, "no one was asked");
  });

  it("given a person rejects the reply, when the model asks for it, then nothing runs and the model is told not to retry", async () => {
    api.script([{ content: [toolUse("send_customer_reply", REPLY, "toolu_r2")] }, say("Understood.")]);
    const runtime = world.runtime();
    const looping = runToolLoop(runtime, { client, model: MODEL, tools: { send_customer_reply: () => assert.fail("a rejected reply must not be sent") }, messages: [{ role: "user", content: "Ticket" }] });
    await world.lambda.click(await world.lambda.nextRequest(), "airlock.reject");
    const result = await looping;
    const [r] = api.toolResults();
    assert.equal(r!.is_error, true);
    assert.match(String(r!.content), /^A person \(<@U[A-Z0-9]+>\) rejected the call to "send_customer_reply" \(approval request [0-9a-f-]+\); it was not run\. Do not retry it/);
    assert.equal(result.toolUses[0]!.outcome, "rejected");
  });

  it("given no one decides before the deadline, when the model asks for the reply, then it comes back as timed out and nothing runs", async () => {
    api.script([{ content: [toolUse("send_customer_reply", REPLY, "toolu_t")] }, say("It is waiting for approval.")]);
    const runtime = world.runtime(200);
    const result = await runToolLoop(runtime, { client, model: MODEL, tools: { send_customer_reply: () => assert.fail("must not run") }, messages: [{ role: "user", content: "Ticket" }] });
    const [r] = api.toolResults();
    assert.equal(r!.is_error, true);
    assert.match(String(r!.content), /^No one decided on the call to "send_customer_reply" \(approval request [0-9a-f-]+\) before the deadline/);
    assert.equal(result.toolUses[0]!.outcome, "timeout");
    // The request asked stays pending at the gateway (nobody decided): it is the one the refusal names
    assert.equal(result.toolUses[0]!.requestId, await world.lambda.nextRequest());
    assert.equal(result.text, "It is waiting for approval.");
  });

  it("given a model that keeps asking for tools, when the turn bound is reached, then the loop stops with max_turns and leaves the last tool uses unrun", async () => {
    const ask = () => ({ content: [toolUse("read_ticket", { ticket_id: "T-1" })] });
    api.script([ask, ask, ask, ask]);
    const reads: unknown[] = [];
    const runtime = world.runtime();
    const result = await runToolLoop(runtime, { client, model: MODEL, maxTurns: 3, tools: { read_ticket: (a) => (reads.push(a), "ticket") }, messages: [{ role: "user", content: "Loop" }] });
    assert.equal(result.stop, "max_turns");
    assert.equal(result.turns, 3);
    assert.equal(api.messages().length, 3);
    assert.equal(reads.length, 2, "the third turn's tool use was not run");
    assert.deepEqual(result.pending.map((b) => b.name), ["read_ticket"]);
    assert.equal(result.messages.at(-1)!.role, "assistant");
  });

  it("given a tool that throws, when the model calls it, then the model reads the failure as an error result", async () => {
    api.script([{ content: [toolUse("read_ticket", { ticket_id: "T-9" }, "toolu_f")] }, say("The ticket store is down.")]);
    const runtime = world.runtime();
    const result = await runToolLoop(runtime, {
      client,
      model: MODEL,
      tools: {
        read_ticket: () => {
          throw new Error("DynamoDB timed out");
        },
      },
      messages: [{ role: "user", content: "T-9" }],
    });
    assert.deepEqual(api.toolResults(), [{ type: "tool_result", tool_use_id: "toolu_f", content: 'The tool "read_ticket" failed: DynamoDB timed out', is_error: true }]);
    assert.equal(result.toolUses[0]!.outcome, "failed");
  });

  it("given a streamed response, when the loop streams, then the tool use is read from the events and answered", async () => {
    api.script([{ content: [toolUse("read_ticket", { ticket_id: "T-5" }, "toolu_s")], usage: { input_tokens: 10, output_tokens: 7 } }, say("Streamed.")]);
    const runtime = world.runtime();
    const result = await runToolLoop(runtime, { client, model: MODEL, stream: true, tools: { read_ticket: (a) => `ticket ${String(a.ticket_id)}` }, messages: [{ role: "user", content: "T-5" }] });
    assert.equal(api.messages()[0]!.body.stream, true);
    assert.deepEqual(api.toolResults(), [{ type: "tool_result", tool_use_id: "toolu_s", content: "ticket T-5" }]);
    assert.equal(result.text, "Streamed.");
    assert.deepEqual(result.usage, { inputTokens: 110, outputTokens: 27 });
  });

  it("given the API fails, when the loop calls the model, then the error ends the loop and the model call is traced as an error with its status", async () => {
    world.records.length = 0;
    api.script([say("never sent")]).failNext(529, "overloaded_error", "Overloaded");
    const runtime = world.runtime();
    const looping = runToolLoop(runtime, { client, model: MODEL, tools: { read_ticket: () => "ticket" }, messages: [{ role: "user", content: "T-3" }] });
    await assert.rejects(looping, (e: Error) => e instanceof Anthropic.APIError && (e as InstanceType<typeof Anthropic.APIError>).status === 529);
    const model = world.records.find((r) => r.kind === "model")!;
    assert.deepEqual([model.outcome, model.httpStatus, model.model, model.usage.inputTokens], ["error", 529, MODEL, 0]);
  });

  it("given a secret in a tool argument, when the loop runs, then the trace holds every model call with tokens and cost and every tool span, and no secret", async () => {
    world.records.length = 0;
    const body = `Here is the key you asked for: ${API_KEY_SHAPED}`;
    api.script([
      { content: [toolUse("read_ticket", { ticket_id: "T-7" }, "toolu_a"), toolUse("wire_money", { key: API_KEY_SHAPED }, "toolu_b")], usage: { input_tokens: 1200, output_tokens: 80 } },
      { content: [toolUse("send_customer_reply", { ...REPLY, body }, "toolu_c")], usage: { input_tokens: 1500, output_tokens: 60 } },
      { ...say("Sent."), usage: { input_tokens: 1700, output_tokens: 5 } },
    ]);
    const runtime = world.runtime();
    const looping = runToolLoop(runtime, { client, model: MODEL, system: "You answer tickets.", tools: { read_ticket: () => ({ ticket: "T-7" }), send_customer_reply: () => "sent" }, messages: [{ role: "user", content: `My key is ${API_KEY_SHAPED}` }] });
    await world.lambda.click(await world.lambda.nextRequest(), "airlock.approve");
    const result = await looping;
    assert.equal(result.stop, "end_turn");
    const models = world.records.filter((r) => r.kind === "model");
    assert.deepEqual(
      models.map((r) => [r.model, r.usage.inputTokens, r.usage.outputTokens, r.stopReason, r.outcome]),
      [
        [MODEL, 1200, 80, "tool_use", "ok"],
        [MODEL, 1500, 60, "tool_use", "ok"],
        [MODEL, 1700, 5, "end_turn", "ok"],
      ],
    );
    // claude-sonnet-4-5: $3 / $15 per million tokens
    assert.deepEqual(models.map((r) => r.cost?.totalUsd), [(1200 * 3 + 80 * 15) / 1e6, (1500 * 3 + 60 * 15) / 1e6, (1700 * 3 + 5 * 15) / 1e6]);
    for (const r of models) assert.equal(typeof r.latencyMs, "number");
    const tools = world.records.filter((r) => r.kind === "tool").map((r) => [r.name, r.outcome]);
    assert.deepEqual(tools, [
      ["read_ticket", "ok"],
      ["wire_money", "refused"],
      [approvalSpanName("send_customer_reply"), "ok"],
      ["send_customer_reply", "ok"],
    ]);
    // One trace for the loop, every call in it
    assert.equal(new Set(world.records.map((r) => r.traceId)).size, 1);
    const text = JSON.stringify(world.records);
    assert.ok(!text.includes(API_KEY_SHAPED), "the key is in the trace");
    assert.ok(!text.includes("Ab3_dE-9Ab3_dE-9"), "a part of the key is in the trace");
    const reply = world.records.find((r) => r.name === "send_customer_reply")!;
    assert.match(JSON.stringify(reply.input), /Here is the key you asked for: /);
  });
});
