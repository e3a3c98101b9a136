/**
 * Overhead of @airlock/trace per wrapped call, against the same call unwrapped.
 *
 *   node --import tsx bench/trace.ts
 *
 * EMF lines go to a sink that drops them; PostHog events go to a local receiver in a child
 * process (so its HTTP work is not counted in this process), which answers 200 and counts what
 * it gets. Each call is timed alone (hrtime); scenarios alternate in rounds so JIT and GC
 * effects fall on all of them. Bounded: about 10 s on 2 cores. Prints a Markdown table and
 * writes it to bench/results/trace.md.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { createInterface } from "node:readline";
import { createTracer, type Tracer } from "@airlock/trace";

const WARMUP = 3_000;
const ROUNDS = 6;
const PER_ROUND = 3_000;
const YIELD_EVERY = 10;

const RECEIVER = `
const http = require("node:http");
const zlib = require("node:zlib");
let events = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const raw = Buffer.concat(chunks);
    const body = JSON.parse((req.headers["content-encoding"] === "gzip" ? zlib.gunzipSync(raw) : raw).toString());
    events += (body.batch || []).length;
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"status":1}');
    process.stdout.write("events " + events + "\\n");
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write("port " + server.address().port + "\\n"));
`;

interface Receiver {
  url: string;
  events: () => number;
  stop: () => void;
}

async function startReceiver(): Promise<Receiver> {
  const child = spawn(process.execPath, ["-e", RECEIVER], { stdio: ["ignore", "pipe", "inherit"] });
  let events = 0;
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve) => {
    lines.on("line", (line) => {
      const [key, value] = line.split(" ");
      if (key === "port") resolve(`http://127.0.0.1:${value}`);
      if (key === "events") events = Number(value);
    });
  });
  return { url, events: () => events, stop: () => child.kill() };
}

const nullSink = { write: () => true };

const args = {
  repo: "acme/app",
  title: "Crash on login after upgrade",
  body: "Steps to reproduce: open the app, sign in with SSO, wait. ".repeat(8),
  labels: ["bug", "p1", "auth"],
};
const toolResult = { number: 4242, url: "https://github.com/acme/app/issues/4242", state: "open" };
const messages = [
  { role: "user", content: "Summarise the last 20 support tickets and file issues for the bugs. ".repeat(6) },
  { role: "assistant", content: [{ type: "text", text: "Looking at the tickets now." }] },
];
const modelResult = {
  id: "msg_01",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5-20250929",
  content: [{ type: "text", text: "Filed 3 issues: #4242, #4243, #4244. ".repeat(4) }],
  stop_reason: "end_turn",
  usage: { input_tokens: 1834, output_tokens: 212, cache_read_input_tokens: 12000 },
};

const bareTool = async () => toolResult;
const bareModel = async () => modelResult;

type Scenario = { name: string; call: () => Promise<unknown>; bare: string | undefined; samples: number[] };

function tracerWith(posthogUrl: string | undefined): Tracer {
  return createTracer({
    agent: "bench-agent",
    release: "bench-1",
    stack: "bench",
    emf: { sink: nullSink },
    ...(posthogUrl ? { posthog: { apiKey: "phc_bench", host: posthogUrl } } : {}),
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0]!;
  const receiver = await startReceiver();
  const emfOnly = tracerWith(undefined);
  const full = tracerWith(receiver.url);
  const run = full.startRun({ name: "bench" });

  const scenarios: Scenario[] = [
    { name: "bare tool call", call: bareTool, bare: undefined, samples: [] },
    { name: "wrapToolCall, EMF only", call: () => emfOnly.wrapToolCall("github.create_issue", args, bareTool), bare: "bare tool call", samples: [] },
    { name: "wrapToolCall, EMF + PostHog", call: () => run.wrapToolCall("github.create_issue", args, bareTool), bare: "bare tool call", samples: [] },
    { name: "bare model call", call: bareModel, bare: undefined, samples: [] },
    {
      name: "wrapModelCall, EMF + PostHog",
      call: () => run.wrapModelCall({ model: "claude-sonnet-4-5-20250929", input: messages }, bareModel),
      bare: "bare model call",
      samples: [],
    },
  ];

  for (const s of scenarios) {
    for (let i = 0; i < WARMUP; i++) {
      if (i % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      await s.call();
    }
  }
  const began = process.hrtime.bigint();
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of scenarios) {
      for (let i = 0; i < PER_ROUND; i++) {
        // A real tool or model call waits on I/O, which lets posthog-node's background sends
        // run; a loop of instantly-resolving calls never would. Yield outside the timed part.
        if (i % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
        const t0 = process.hrtime.bigint();
        await s.call();
        s.samples.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  run.end({ output: "done" });

  const posthogCalls = WARMUP * 2 + ROUNDS * PER_ROUND * 2 + 1;
  await full.shutdown(10_000);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const received = receiver.events();
  receiver.stop();

  const stats = new Map<string, { median: number; p99: number; opsPerSec: number }>();
  for (const s of scenarios) {
    const sorted = [...s.samples].sort((a, b) => a - b);
    const total = s.samples.reduce((a, b) => a + b, 0);
    stats.set(s.name, { median: percentile(sorted, 50), p99: percentile(sorted, 99), opsPerSec: (s.samples.length / total) * 1e6 });
  }
  const fmt = (n: number) => n.toFixed(2);
  const rows = scenarios.map((s) => {
    const st = stats.get(s.name)!;
    const base = s.bare ? stats.get(s.bare)! : undefined;
    const overhead = base ? `+${fmt(st.median - base.median)} / +${fmt(st.p99 - base.p99)}` : "—";
    return `| ${s.name} | ${fmt(st.median)} | ${fmt(st.p99)} | ${Math.round(st.opsPerSec).toLocaleString("en-US")} | ${overhead} |`;
  });

  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const table = [
    "## @airlock/trace: overhead per wrapped call",
    "",
    `Machine: ${cpu}, ${os.cpus().length} cores (shared), Node ${process.version}, ${os.platform()} ${os.arch()}. ` +
      `${ROUNDS * PER_ROUND} timed calls per scenario after ${WARMUP} warm-up calls, scenarios alternating in ${ROUNDS} rounds; ` +
      `${fmt(seconds)} s timed; 1-minute load average ${loadBefore.toFixed(2)} when it started (other work on the same cores ` +
      `widens p99). Run with \`node --import tsx bench/trace.ts\`.`,
    "",
    "| Scenario | median µs | p99 µs | ops/s (one caller) | overhead vs bare, median / p99 µs |",
    "|---|---:|---:|---:|---:|",
    ...rows,
    "",
    "The tool call carries a 4-field argument object (~500 characters) and returns a 3-field object; the model call " +
      "carries two messages (~450 characters) and an Anthropic response with usage. Overhead covers id generation, deep " +
      "redaction of arguments and result with the shared secret patterns, cost lookup, building and writing the EMF line " +
      "(to a sink that drops it) and queuing the PostHog event; batches are gzipped and sent in the background to a " +
      "receiver in another process, which answered 200.",
    "",
    `PostHog delivery during the run: ${received} of ${posthogCalls} events received (after shutdown).` +
      (received < posthogCalls
        ? " The rest were dropped, oldest first, by posthog-node's bounded queue (maxQueueSize 1000): this loop makes " +
          "events far faster than a real agent (thousands per second), and on busy cores the background sends fall behind. " +
          "With maxQueueSize 100000 every event arrives."
        : ""),
    "",
  ].join("\n");

  process.stdout.write(`${table}\n`);
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/trace.md", import.meta.url), table);
}

await main();
