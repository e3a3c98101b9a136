import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { DIMENSIONS, DIMENSION_SETS, STACK_ENV, createTracer } from "@airlock/trace";
import { lineCollector } from "./helpers/receiver.ts";

/**
 * Two stacks of one program (dev and prod) write to one CloudWatch namespace in one account: every
 * dimension set carries the stack, so prod's alarms never count dev's calls.
 */
describe("the Stack dimension", () => {
  test("given a stack, when a tool and a model are called, then every dimension set of both lines starts with Stack and the line carries it", async () => {
    const sink = lineCollector();
    const tracer = createTracer({ agent: "support-agent", release: "v2", stack: "prod", emf: { sink } });

    await tracer.wrapToolCall("read_ticket", { id: 1 }, () => ({ ok: true }));
    await tracer.wrapModelCall({ model: "claude-sonnet-4-5" }, async () => ({ usage: { input_tokens: 1, output_tokens: 1 } }));

    assert.equal(sink.lines.length, 2);
    const [tool, model] = sink.lines.map((l) => JSON.parse(l));
    assert.deepEqual(tool._aws.CloudWatchMetrics[0].Dimensions, [["Stack", "Agent"], ["Stack", "Agent", "Tool"]]);
    assert.deepEqual(model._aws.CloudWatchMetrics[0].Dimensions, [["Stack", "Agent"], ["Stack", "Agent", "Model"]]);
    for (const doc of [tool, model]) {
      assert.equal(doc.Stack, "prod");
      assert.equal(doc.Agent, "support-agent");
      for (const set of doc._aws.CloudWatchMetrics[0].Dimensions) assert.equal(set[0], DIMENSIONS.stack);
    }
    assert.equal(DIMENSIONS.stack, "Stack");
    for (const sets of Object.values(DIMENSION_SETS)) for (const set of sets) assert.ok(set.includes("Stack"), JSON.stringify(set));
  });

  test("given no stack option, when AIRLOCK_STACK is set (as AgentDeployment sets it), then the lines carry that stack", () => {
    assert.equal(STACK_ENV, "AIRLOCK_STACK");
    const script = `import { createTracer } from "@airlock/trace";
       const tracer = createTracer({ agent: "a", release: "r" });
       await tracer.wrapToolCall("t", {}, () => 1);`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      cwd: import.meta.dirname,
      env: { ...process.env, AIRLOCK_STACK: "dev" },
    });
    assert.equal(child.status, 0, child.stderr);
    const doc = JSON.parse(child.stdout.trim());
    assert.equal(doc.Stack, "dev");
    assert.deepEqual(doc._aws.CloudWatchMetrics[0].Dimensions, [["Stack", "Agent"], ["Stack", "Agent", "Tool"]]);
  });

  test("given EMF on and no stack anywhere, when the tracer is created, then the error names `stack` and the fix", () => {
    const saved = process.env.AIRLOCK_STACK;
    delete process.env.AIRLOCK_STACK;
    try {
      assert.throws(() => createTracer({ agent: "a", release: "r", emf: { sink: lineCollector() } }), {
        name: "TypeError",
        message:
          "createTracer: `stack` must be a non-empty string (the Pulumi stack the agent runs in, the `Stack` dimension its alarms read); pass `stack` or set AIRLOCK_STACK (AgentDeployment sets it in the task definition), got undefined",
      });
      assert.throws(() => createTracer({ agent: "a", release: "r", stack: " " }), { name: "TypeError", message: /`stack` must be a non-empty string .* got " "$/ });
      // Without EMF lines nothing is keyed by the stack, so it is not required.
      assert.doesNotThrow(() => createTracer({ agent: "a", release: "r", emf: false }));
    } finally {
      if (saved !== undefined) process.env.AIRLOCK_STACK = saved;
    }
  });
});
