/**
 * Added latency of @airlock/runtime per guarded tool call that needs no person: the guard (declared
 * tool, input schema with ajv, the model's compiled argument policies evaluated by Cedar) and the
 * trace (an EMF line to a sink that drops it), against the same call unguarded.
 *
 *   node --import tsx bench/runtime.ts
 *
 * The model is the example support agent's as compiled: its tools' input schemas and its Cedar
 * policies (a reply to @acme.example.com runs without a person; a refund above 10000 cents is
 * forbidden). The guarded call is such an internal reply, so Cedar decides it. Each call is
 * timed alone (hrtime); scenarios alternate in rounds. Bounded: a few seconds on 2 cores. Prints
 * a Markdown table and writes it to bench/results/runtime.md. Target (issue #14): under 1 ms p99.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { loadManifest } from "@airlock/core";
import { cedarArgumentPolicy, createAgentRuntime, createToolGuard } from "@airlock/runtime";
import { createTracer } from "@airlock/trace";

const WARMUP = 3_000;
const ROUNDS = 6;
const PER_ROUND = 3_000;
const YIELD_EVERY = 10;

const ROOT = new URL("../", import.meta.url).pathname;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0]!;
  const compiled = await loadManifest(join(ROOT, "examples/support-agent/agent.yaml"));
  if (compiled.argumentPolicies === undefined) throw new Error("the example support agent has no compiled argument policies");
  const tracer = createTracer({ agent: "bench-agent", release: "bench-1", stack: "bench", emf: { sink: { write: () => true } } });
  const guard = createToolGuard({ model: compiled, modelHash: compiled.hash, tracer });
  const runtime = createAgentRuntime({ guard, tracer });
  const TOOL = "send_customer_reply";
  const policy = cedarArgumentPolicy(compiled)!;
  const replyTool = guard.tool(TOOL)!;
  const args = { ticket_id: "T-104233", to: "billing-team@acme.example.com", subject: "Escalation: refund not received", body: "The customer's refund of order A-7731 has not arrived after 10 days; please check the payout." };
  const refund = { ticket_id: "T-104233", order_id: "A-7731", amount_cents: 25_000, reason: "Goodwill." };
  const result = { messageId: "0100018c-bench", status: "sent" };
  const impl = async () => result;

  const scenarios = [
    { name: "bare tool call", call: () => impl(), samples: [] as number[] },
    { name: "guard.check only (schema + Cedar: an internal reply, allowed)", call: async () => guard.check(TOOL, args), samples: [] as number[] },
    { name: "Cedar alone (cedarArgumentPolicy, the internal reply)", call: async () => policy(replyTool, args), samples: [] as number[] },
    { name: "guard.check only (schema + Cedar: a refund above the limit, forbidden; its refusal traced)", call: async () => guard.check("issue_refund", refund), samples: [] as number[] },
    { name: "runtime.callTool (guard + Cedar + trace)", call: () => runtime.callTool(TOOL, args, impl), samples: [] as number[] },
    { name: "wrapToolCall alone (trace, for reference)", call: () => tracer.wrapToolCall(TOOL, args, impl), samples: [] as number[] },
  ];
  const check = await runtime.callTool(TOOL, args, impl);
  if (!check.ok) throw new Error(`the benchmark's call is refused: ${check.content}`);
  if (guard.check("issue_refund", refund).verdict !== "refuse") throw new Error("the benchmark's refund is not forbidden");

  for (const s of scenarios) for (let i = 0; i < WARMUP; i++) await s.call();
  const began = process.hrtime.bigint();
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of scenarios) {
      for (let i = 0; i < PER_ROUND; i++) {
        if (i % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
        const t0 = process.hrtime.bigint();
        await s.call();
        s.samples.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  const stats = scenarios.map((s) => {
    const sorted = [...s.samples].sort((a, b) => a - b);
    return { name: s.name, median: percentile(sorted, 50), p99: percentile(sorted, 99) };
  });
  const bare = stats[0]!;
  const fmt = (n: number) => n.toFixed(2);
  const table = [
    "## @airlock/runtime: added latency per guarded tool call (no checkpoint)",
    "",
    `Machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores (shared), Node ${process.version}, ${os.platform()} ${os.arch()}. ` +
      `${ROUNDS * PER_ROUND} timed calls per scenario after ${WARMUP} warm-up calls, scenarios alternating in ${ROUNDS} rounds; ${fmt(seconds)} s timed; ` +
      `1-minute load average ${loadBefore.toFixed(2)} when it started. Run with \`node --import tsx bench/runtime.ts\`.`,
    "",
    "| Scenario | median µs | p99 µs | added vs bare, median / p99 µs |",
    "|---|---:|---:|---:|",
    ...stats.map((s, i) => `| ${s.name} | ${fmt(s.median)} | ${fmt(s.p99)} | ${i === 0 ? "—" : `+${fmt(s.median - bare.median)} / +${fmt(s.p99 - bare.p99)}`} |`),
    "",
    "The call is `send_customer_reply` of the example support agent as compiled: its 4 arguments checked against the tool's " +
      "input schema (patterns, lengths), the agent's Cedar policies evaluated by `@cedar-policy/cedar-wasm` (the reply goes to " +
      "@acme.example.com, so the `allow` rule matches and it runs without a person), and the tracer's redaction and EMF line (to " +
      "a sink that drops it); the refund row is a call the policies forbid (refused, traced). Target: under 1 ms p99 added " +
      "(issue #14). A call that needs a person adds the Lambda invocations and the person's time, and is not measured here. " +
      "On Node 20 (V8 11.3) runs of this benchmark died in V8 (`Fatal error: unreachable code` in " +
      "`Deoptimizer::DoComputeBuiltinContinuation`, SIGTRAP; 2 of 4 runs, loaded) once Cedar evaluations ran in its hot async loop, " +
      "and in none of 9 with TurboFan's inlining off; so `@airlock/runtime`'s Cedar module turns it off on Node 20 when it loads " +
      "(`--no-turbo-inlining`), and these figures include that.",
    "",
  ].join("\n");
  process.stdout.write(`${table}\n`);
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/runtime.md", import.meta.url), table);
}

await main();
