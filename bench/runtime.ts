/**
 * Added latency of @airlock/runtime per guarded tool call that needs no person: the guard (declared
 * tool, input schema with ajv, an argument-policy stub standing for the compiled Cedar policies)
 * and the trace (an EMF line to a sink that drops it), against the same call unguarded.
 *
 *   node --import tsx bench/runtime.ts
 *
 * The model is the example support agent's, with an input schema on `read_ticket`. Each call is
 * timed alone (hrtime); scenarios alternate in rounds. Bounded: a few seconds on 2 cores. Prints
 * a Markdown table and writes it to bench/results/runtime.md. Target (issue #14): under 1 ms p99.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { loadManifest } from "@airlock/core";
import { createAgentRuntime, createToolGuard, modelContentHash, type ArgumentPolicy } from "@airlock/runtime";
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
  const compiled = JSON.parse(JSON.stringify(await loadManifest(join(ROOT, "examples/support-agent/agent.yaml")))) as Record<string, unknown> & { tools: Record<string, unknown>[] };
  for (const t of compiled.tools) {
    if (t.name === "read_ticket") {
      t.input = {
        type: "object",
        required: ["ticket"],
        properties: { ticket: { type: "string", pattern: "^T-\\d+$" }, includeHistory: { type: "boolean" }, fields: { type: "array", items: { type: "string" }, maxItems: 20 } },
        additionalProperties: false,
      };
    }
  }
  compiled.hash = modelContentHash(compiled);
  // A stub of the compiled conditions: one comparison on the arguments, as a Cedar `when` would be.
  const policy: ArgumentPolicy = (tool, args) => (tool.name === "issue_refund" && typeof args.amount === "number" && args.amount > 500 ? { decision: "forbid", reason: "above 500" } : undefined);
  const tracer = createTracer({ agent: "bench-agent", release: "bench-1", stack: "bench", emf: { sink: { write: () => true } } });
  const guard = createToolGuard({ model: compiled, modelHash: compiled.hash as string, policy, tracer });
  const runtime = createAgentRuntime({ guard, tracer });
  const args = { ticket: "T-104233", includeHistory: true, fields: ["subject", "status", "customer", "messages"] };
  const result = { id: "T-104233", status: "open", subject: "Refund not received", messages: 4 };
  const impl = async () => result;

  const scenarios = [
    { name: "bare tool call", call: () => impl(), samples: [] as number[] },
    { name: "guard.check only (schema + policy stub)", call: async () => guard.check("read_ticket", args), samples: [] as number[] },
    { name: "runtime.callTool (guard + policy stub + trace)", call: () => runtime.callTool("read_ticket", args, impl), samples: [] as number[] },
    { name: "wrapToolCall alone (trace, for reference)", call: () => tracer.wrapToolCall("read_ticket", args, impl), samples: [] as number[] },
  ];
  const check = await runtime.callTool("read_ticket", args, impl);
  if (!check.ok) throw new Error(`the benchmark's call is refused: ${check.content}`);

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
    "The call is `read_ticket` of the example support agent with a 3-field argument object checked against a 3-property " +
      "input schema (a pattern, a boolean, a bounded array), an argument-policy stub that answers no verdict, and the tracer's " +
      "redaction and EMF line (to a sink that drops it). Target: under 1 ms p99 added (issue #14). A call that needs a person " +
      "adds the Lambda invocations and the person's time, and is not measured here.",
    "",
  ].join("\n");
  process.stdout.write(`${table}\n`);
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/runtime.md", import.meta.url), table);
}

await main();
