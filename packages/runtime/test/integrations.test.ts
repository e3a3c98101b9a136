/**
 * A code-executing tool (`sandbox: true` in the manifest) through the Claude API loop: its call
 * runs as a task of the sandbox task definition (the sandbox runner on the ECS and CloudWatch Logs
 * stand-in, running the real sandbox entry), never in the agent's process; the model reads the
 * handler's value and output; the trace holds the tool's span with the sandbox run as its child.
 * Without a sandbox runner the call is refused, and an implementation of such a tool is refused
 * before anything starts.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import Anthropic from "@anthropic-ai/sdk";
import { createTracer, type CallRecord } from "@airlock/trace";
import { AirlockRuntimeError, createAgentRuntime, createSandboxRunner, createToolGuard, modelContentHash, sandboxSpanName, type ShippedModel } from "../src/index.ts";
import { runToolLoop } from "../src/integrations/claude-api.ts";
import { AnthropicStandIn, toolUse } from "./helpers/anthropic-standin.ts";
import { EcsStandIn } from "./helpers/ecs-standin.ts";
import { shippedModel } from "./helpers/model.ts";

const MAIN = fileURLToPath(new URL("./helpers/sandbox-image/main.ts", import.meta.url));
const CWD = fileURLToPath(new URL("..", import.meta.url));
const MODEL = "claude-sonnet-4-5";
const say = (text: string) => ({ content: [{ type: "text" as const, text }] });

/** The test model with a code-executing tool the sandbox image has a handler for. */
async function sandboxModel(): Promise<ShippedModel> {
  const base = JSON.parse(JSON.stringify(await shippedModel())) as Record<string, unknown> & { tools: Record<string, unknown>[] };
  base.tools.push({
    name: "run_js",
    description: "Runs a JavaScript snippet in the sandbox.",
    access: "read",
    outward: false,
    tier: "auto",
    sandbox: true,
    secrets: [],
    input: { type: "object", required: ["code"], properties: { code: { type: "string" }, a: { type: "number" }, b: { type: "number" } }, additionalProperties: false },
  });
  base.hash = modelContentHash(base);
  return base as unknown as ShippedModel;
}

describe("a sandboxed tool through the Claude API loop", () => {
  const ecs = new EcsStandIn({ image: { command: [process.execPath, "--import", "tsx", MAIN], cwd: CWD } });
  const api = new AnthropicStandIn();
  const records: CallRecord[] = [];
  const tracer = createTracer({ agent: "support-agent", release: "rel-42", stack: "test", emf: false, onRecord: (r) => records.push(r) });
  let client: Anthropic;
  let model: ShippedModel;

  before(async () => {
    await ecs.start();
    client = new Anthropic({ baseURL: await api.start(), apiKey: "sk-ant-test-not-a-key", maxRetries: 0 });
    model = await sandboxModel();
  });
  after(async () => {
    await api.stop();
    await ecs.stop();
  });

  const runtime = (withSandbox: boolean) =>
    createAgentRuntime({
      guard: createToolGuard({ model, modelHash: false, tracer }),
      tracer,
      ...(withSandbox ? { sandbox: createSandboxRunner({ env: ecs.taskEnv(), ecs: ecs.ecsClient(), logs: ecs.logsClient(), tracer, backoff: { initialMs: 20, factor: 2, maxMs: 200 }, timeoutMs: 60_000, logSettleMs: 5_000 }) } : {}),
    });

  it("given a sandbox runner, when the model calls the code tool, then it runs as a sandbox task and the model reads its value and output", async () => {
    records.length = 0;
    const args = { code: "console.log('adding'); return { sum: args.a + args.b }", a: 2, b: 3 };
    api.script([{ content: [toolUse("run_js", args, "toolu_js")] }, say("The sum is 5.")]);
    const result = await runToolLoop(runtime(true), { client, model: MODEL, tools: {}, messages: [{ role: "user", content: "Add 2 and 3" }] });
    // The sandboxed tools were offered though the agent implements nothing for them
    const offered = (api.messages()[0]!.body.tools as { name: string }[]).map((t) => t.name);
    assert.deepEqual(offered, model.tools.filter((t) => t.sandbox).map((t) => t.name).sort());
    assert.ok(offered.includes("run_js"));
    assert.deepEqual(api.toolResults(), [{ type: "tool_result", tool_use_id: "toolu_js", content: JSON.stringify({ value: { sum: 5 }, stdout: "adding\n", stderr: "" }) }]);
    assert.equal(result.stop, "end_turn");
    const [task] = ecs.ops("RunTask");
    assert.ok(task, "a sandbox task was started");
    const span = records.find((r) => r.name === "run_js")!;
    const run = records.find((r) => r.name === sandboxSpanName("run_js"))!;
    assert.deepEqual([span.outcome, run.outcome, run.parentId], ["ok", "ok", span.spanId]);
  });

  it("given no sandbox runner, when the model calls the code tool, then it is refused and no code runs anywhere", async () => {
    const before = ecs.ops("RunTask").length;
    api.script([{ content: [toolUse("run_js", { code: "return 1" }, "toolu_no")] }, say("I cannot run code now.")]);
    const result = await runToolLoop(runtime(false), { client, model: MODEL, tools: { read_ticket: () => "" }, messages: [{ role: "user", content: "Run it" }] });
    // Not offered (the agent cannot run it), and refused when asked for anyway
    assert.deepEqual((api.messages()[0]!.body.tools as { name: string }[]).map((t) => t.name), ["read_ticket"]);
    assert.equal(result.toolUses[0]!.isError, true);
    assert.match(result.toolUses[0]!.content, /^Tool "run_js" is not available to this agent/);
    // Called through the runtime directly, it is refused as sandbox-failed
    const direct = await runtime(false).callTool("run_js", { code: "return 1" }, () => assert.fail("sandboxed code must not run in the agent"));
    assert.equal(!direct.ok && direct.reason, "sandbox-failed");
    assert.equal(ecs.ops("RunTask").length, before);
  });

  it("given an implementation of the code tool, when the loop starts, then it refuses to start, naming the field and the fix", async () => {
    await assert.rejects(
      runToolLoop(runtime(true), { client, model: MODEL, tools: { run_js: () => "local" }, messages: [{ role: "user", content: "x" }] }),
      (e: Error) => e instanceof AirlockRuntimeError && /`tools\.run_js`: "run_js" runs in the sandbox \(`sandbox: true` in the manifest\), never in the agent; remove its implementation/.test(e.message),
    );
  });
});
