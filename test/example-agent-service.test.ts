/**
 * The example agent's service loop (examples/support-agent/agent/src/service.ts, the image's
 * default entry) against the DynamoDB stand-in: the queue tool's claims (a conditional UpdateItem:
 * two workers, one winner), a lease that ran out taken again, the loop of two workers handling
 * every ticket once, the idle waits bounded, and SIGTERM to the real entry in a child process
 * while it holds a ticket (the ticket given back, exit 0).
 */
import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Anthropic from "@anthropic-ai/sdk";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { prepareAgent, type PreparedAgent } from "../examples/support-agent/agent/src/agent.ts";
import { SERVICE_DEFAULTS } from "../examples/support-agent/agent/src/config.ts";
import type { AgentEvent } from "../examples/support-agent/agent/src/events.ts";
import { idleWait, runService } from "../examples/support-agent/agent/src/service.ts";
import { QUEUE, queueTool } from "../examples/support-agent/agent/src/tools/queue.ts";
import { ECS_TASK_STOP } from "../packages/core/src/aws/ticket-queue.ts";
import { hardenedContainer } from "../packages/pulumi/src/agent/container.ts";
import { DynamoDbStandIn } from "./helpers/dynamodb-standin.ts";
import { AGENT_ENTRY, agentEnv, exampleAgentModel, REGION, releaseDir, TICKETS } from "./helpers/example-agent.ts";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const TSX = import.meta.resolve("tsx");

const tableSpec = { [TICKETS.table]: { key: [TICKETS.key], indexes: { [TICKETS.customerIndex]: [TICKETS.customerKey], [QUEUE.index]: [QUEUE.status] } } };
const client = (url: string) => new DynamoDBClient({ region: REGION, endpoint: url, credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" } });
const ticket = (id: string, extra: Record<string, unknown> = {}) => ({ [TICKETS.key]: id, [TICKETS.customerKey]: "dana@customer.example.net", subject: "Charged twice", text: "Charged twice.", status: "open", ...extra });

/** A model client that ends its turn at once, recording which ticket each conversation was about. */
function quietModel(seen: string[]) {
  return {
    messages: {
      async create(params: { messages: { content: unknown }[] }) {
        seen.push(String(params.messages[0]!.content).match(/T-\d+/)![0]);
        await new Promise((r) => setTimeout(r, 5));
        return { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "Nothing to do." }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } as never;
      },
    },
  };
}

/** A model client: each turn a tool use, "end" (ends its turn), or "hang" (answers nothing until its call is cancelled, as the SDK rejects on abort). */
function scriptedModel(turns: readonly ({ name: string; input: Record<string, unknown> } | "hang" | "end")[], cancelled: string[]) {
  let n = 0;
  return {
    messages: {
      create(_params: unknown, options?: { signal?: AbortSignal }) {
        const turn = turns[n++] ?? "hang";
        if (turn === "hang") {
          return new Promise((_resolve, reject) => {
            const signal = options?.signal;
            if (signal?.aborted) return reject(new Anthropic.APIUserAbortError());
            signal?.addEventListener("abort", () => {
              cancelled.push("model call");
              reject(new Anthropic.APIUserAbortError());
            });
          }) as never;
        }
        if (turn === "end") return Promise.resolve({ id: `msg_${n}`, type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "Done." }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } }) as never;
        return Promise.resolve({ id: `msg_${n}`, type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "tool_use", id: `toolu_${n}`, name: turn.name, input: turn.input }], stop_reason: "tool_use", stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } }) as never;
      },
    },
  };
}

describe("the example agent's service loop", () => {
  let dynamodb: DynamoDbStandIn;
  let model: Awaited<ReturnType<typeof exampleAgentModel>>;
  before(async () => {
    model = await exampleAgentModel();
  });
  const fresh = async () => {
    await dynamodb?.stop();
    dynamodb = new DynamoDbStandIn(tableSpec);
    await dynamodb.start();
  };
  after(async () => dynamodb?.stop());

  const agent = async (seen: string[], events: AgentEvent[], anthropic: ReturnType<typeof quietModel> = quietModel(seen)): Promise<PreparedAgent> => {
    const env = agentEnv(model, { AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url, AWS_ENDPOINT_URL_SESV2: "http://127.0.0.1:9", GITHUB_API_URL: "http://127.0.0.1:9", BILLING_API_URL: "http://127.0.0.1:9" });
    const p = await prepareAgent({ env, model, emit: (e) => events.push(e), emfSink: { write: () => true }, clients: { anthropic, dynamodb: client(dynamodb.url) } });
    assert.ok("agent" in p, JSON.stringify(events));
    return p.agent;
  };

  it("given one open ticket, when two workers take at once, then one holds it and the other's claim fails its condition", async () => {
    await fresh();
    dynamodb.put(TICKETS.table, ticket("T-2001"));
    const now = () => 1_000_000;
    const q = queueTool(client(dynamodb.url), TICKETS.table, { leaseMs: 60_000, now });
    const [a, b] = await Promise.all([q({ action: "take", worker: "task-a" }), q({ action: "take", worker: "task-b" })]);
    const won = [a, b].filter((r) => r.ticket_id === "T-2001");
    assert.equal(won.length, 1, JSON.stringify([a, b]));
    assert.deepEqual([a, b].find((r) => r.ticket_id === null), { action: "take", ticket_id: null, contended: 1 });
    const item = dynamodb.get(TICKETS.table, { ticket_id: "T-2001" })!;
    assert.equal(item.status, QUEUE.inProgress);
    assert.equal(item.lease_until, 1_060_000);
    assert.deepEqual(dynamodb.ops("UpdateItem").map((c) => c.error), [undefined, "ConditionalCheckFailedException"]);
    // The index is read eventually consistent only: the queue never asks otherwise.
    assert.ok(dynamodb.ops("Query").every((c) => c.input.IndexName === QUEUE.index && c.input.ConsistentRead === undefined));
    // Someone else's renew, release or finish changes nothing.
    const holder = String(item.lease_owner);
    const other = holder === "task-a" ? "task-b" : "task-a";
    for (const action of ["renew", "release", "finish"]) assert.deepEqual(await q({ action, worker: other, ticket_id: "T-2001", status: "failed" }), { action, ticket_id: "T-2001", held: false });
    assert.deepEqual(dynamodb.get(TICKETS.table, { ticket_id: "T-2001" }), item);
  });

  it("given a held ticket whose lease ran out and one still held, when a worker takes, then it takes the expired one only", async () => {
    await fresh();
    dynamodb.put(TICKETS.table, ticket("T-2002", { status: QUEUE.inProgress, lease_owner: "task-dead", lease_until: 999_999 }));
    dynamodb.put(TICKETS.table, ticket("T-2003", { status: QUEUE.inProgress, lease_owner: "task-alive", lease_until: 1_000_001 }));
    dynamodb.put(TICKETS.table, ticket("T-2004", { status: QUEUE.answered }));
    const q = queueTool(client(dynamodb.url), TICKETS.table, { leaseMs: 60_000, now: () => 1_000_000 });
    assert.deepEqual(await q({ action: "take", worker: "task-new" }), { action: "take", ticket_id: "T-2002", contended: 0 });
    assert.deepEqual(await q({ action: "take", worker: "task-new" }), { action: "take", ticket_id: null, contended: 0 });
    assert.equal(dynamodb.get(TICKETS.table, { ticket_id: "T-2002" })!.lease_owner, "task-new");
    assert.equal(dynamodb.get(TICKETS.table, { ticket_id: "T-2003" })!.lease_owner, "task-alive");
    // The dead task's late renew finds the ticket gone.
    assert.deepEqual(await q({ action: "renew", worker: "task-dead", ticket_id: "T-2002" }), { action: "renew", ticket_id: "T-2002", held: false });
  });

  it("given more live leases than one page holds, when a worker takes, then it pages on to the held ticket whose lease ran out", async () => {
    await fresh();
    for (let i = 0; i < 23; i++) dynamodb.put(TICKETS.table, ticket(`T-61${String(i).padStart(2, "0")}`, { status: QUEUE.inProgress, lease_owner: "task-alive", lease_until: 2_000_000 }));
    dynamodb.put(TICKETS.table, ticket("T-6199", { status: QUEUE.inProgress, lease_owner: "task-dead", lease_until: 1 }));
    const q = queueTool(client(dynamodb.url), TICKETS.table, { leaseMs: 60_000, now: () => 1_000_000 });
    assert.deepEqual(await q({ action: "take", worker: "task-new" }), { action: "take", ticket_id: "T-6199", contended: 0 });
    const held = dynamodb.ops("Query").filter((c) => c.input.ExpressionAttributeValues[":s"].S === QUEUE.inProgress);
    assert.deepEqual(held.map((c) => [c.input.Limit, c.input.ExclusiveStartKey === undefined]), [[10, true], [10, false], [10, false]]);
  });

  it("given a ticket whose write tool ran, when SIGTERM comes and the grace runs out, then it is marked failed (interrupted), never given back to be answered twice", async () => {
    await fresh();
    dynamodb.put(TICKETS.table, ticket("T-7001"));
    const events: AgentEvent[] = [];
    const cancelled: string[] = [];
    // The model records a reply (a write tool: it ran), then its next call is in flight when the task is stopped.
    const x = await agent([], events, scriptedModel([{ name: "record_reply", input: { ticket_id: "T-7001", body: "Recorded." } }, "hang"], cancelled));
    const stop = new AbortController();
    const summary = await runService(x, {
      worker: "task-stopping",
      leaseMs: 60_000,
      stopGraceMs: 0,
      idle: { initialMs: 1, factor: 1, maxMs: 1 },
      emit: (e) => {
        events.push(e);
        // SIGTERM once the write has run (the service's own abort controller, as main.ts's handler does).
        if (e.event === "queue" && e.state === "taken") setTimeout(function wait() {
          if (dynamodb.get(TICKETS.table, { ticket_id: "T-7001" })!.reply === undefined) return void setTimeout(wait, 5);
          stop.abort();
        }, 5);
      },
      stop: stop.signal,
    });
    assert.deepEqual(summary.handled, [{ ticket: "T-7001", state: "failed" }]);
    const item = dynamodb.get(TICKETS.table, { ticket_id: "T-7001" })!;
    assert.deepEqual([item.status, item.outcome, item.lease_owner], [QUEUE.failed, "interrupted", undefined]);
    assert.deepEqual(cancelled, ["model call"], "the model call in flight was cancelled");
  });

  it("given a ticket in hand whose lease another task took, when the lease is renewed, then the model calls are cancelled and the ticket is left to its holder", async () => {
    await fresh();
    dynamodb.put(TICKETS.table, ticket("T-8001"));
    const events: AgentEvent[] = [];
    const cancelled: string[] = [];
    const x = await agent([], events, scriptedModel(["hang"], cancelled));
    const stop = new AbortController();
    const summary = await runService(x, {
      worker: "task-paused",
      leaseMs: 300,
      stopGraceMs: 1_000,
      idle: { initialMs: 1, factor: 1, maxMs: 1 },
      maxTickets: 1,
      emit: (e) => {
        events.push(e);
        // Another task takes the ticket (as if this one had been paused past its lease).
        if (e.event === "queue" && e.state === "taken") dynamodb.put(TICKETS.table, ticket("T-8001", { status: QUEUE.inProgress, lease_owner: "task-other", lease_until: Date.now() + 60_000 }));
      },
      stop: stop.signal,
    });
    assert.deepEqual(summary.handled, [{ ticket: "T-8001", state: "lease-lost" }]);
    assert.deepEqual(cancelled, ["model call"]);
    const item = dynamodb.get(TICKETS.table, { ticket_id: "T-8001" })!;
    assert.deepEqual([item.status, item.lease_owner, item.outcome], [QUEUE.inProgress, "task-other", undefined], "the new holder's ticket is untouched");
  });

  it("given a model that asks for the queue tool itself, when the ticket is handled, then the call is refused and the table is untouched", async () => {
    await fresh();
    dynamodb.put(TICKETS.table, ticket("T-9001", { status: QUEUE.inProgress, lease_owner: "task-a", lease_until: 2_000_000_000_000 }));
    const events: AgentEvent[] = [];
    const x = await agent([], events, scriptedModel([{ name: "ticket_queue", input: { action: "release", worker: "task-a", ticket_id: "T-9001" } }, "end"], []));
    await x.handle("T-9001");
    assert.deepEqual(events.filter((e) => e.event === "tool").map((e) => [e.event === "tool" && e.tool, e.event === "tool" && e.outcome]), [["ticket_queue", "undeclared-tool"]]);
    assert.deepEqual(dynamodb.calls, [], "the model's call never reached DynamoDB");
    assert.equal(dynamodb.get(TICKETS.table, { ticket_id: "T-9001" })!.lease_owner, "task-a");
  });

  it("given six open tickets, when two service loops run at once, then each ticket is handled once, through the guard, and marked", async () => {
    await fresh();
    const ids = ["T-3001", "T-3002", "T-3003", "T-3004", "T-3005", "T-3006"];
    for (const id of ids) dynamodb.put(TICKETS.table, ticket(id));
    const seen: string[] = [];
    const events: AgentEvent[] = [];
    const [a, b] = [await agent(seen, events), await agent(seen, events)];
    const stop = new AbortController();
    const loop = (x: PreparedAgent, worker: string) =>
      runService(x, { worker, leaseMs: 60_000, stopGraceMs: 1_000, idle: { initialMs: 1, factor: 1, maxMs: 1 }, emit: (e) => events.push(e), stop: stop.signal, sleep: async () => {
          const done = ids.every((id) => [QUEUE.answered, QUEUE.failed].includes(dynamodb.get(TICKETS.table, { ticket_id: id })!.status as never));
          if (done) stop.abort();
          else await new Promise((r) => setTimeout(r, 2));
        } });
    const [ra, rb] = await Promise.all([loop(a, "task-a"), loop(b, "task-b")]);
    assert.deepEqual([...seen].sort(), ids, "every ticket reached the model exactly once");
    assert.deepEqual([...ra.handled, ...rb.handled].map((h) => h.ticket).sort(), ids);
    for (const id of ids) {
      const item = dynamodb.get(TICKETS.table, { ticket_id: id })!;
      // The model ended without a reply: the ticket is failed (not-replied), never left held.
      assert.deepEqual([item.status, item.outcome, item.lease_owner, item.lease_until], [QUEUE.failed, "not-replied", undefined, undefined]);
      assert.ok(item.handled_by === "task-a" || item.handled_by === "task-b");
    }
    // Every queue call went through the runtime: the guard checked its input (a worker's name).
    assert.ok(events.some((e) => e.event === "service" && e.state === "started"));
  });

  it("given an empty queue, when the loop waits, then each wait doubles up to the bound and a ticket resets it", async () => {
    await fresh();
    const events: AgentEvent[] = [];
    const x = await agent([], events);
    const stop = new AbortController();
    const waits: number[] = [];
    const summary = await runService(x, {
      worker: "task-idle",
      leaseMs: 60_000,
      stopGraceMs: 1_000,
      idle: { initialMs: 1_000, factor: 2, maxMs: SERVICE_DEFAULTS.idleMaxMs },
      emit: (e) => events.push(e),
      stop: stop.signal,
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 7) dynamodb.put(TICKETS.table, ticket("T-4001"));
        if (waits.length === 10) stop.abort();
      },
    });
    assert.deepEqual(waits, [1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000, 1_000, 2_000, 4_000]);
    assert.deepEqual(summary.idleWaits, waits);
    assert.deepEqual(summary.handled, [{ ticket: "T-4001", state: "failed" }]);
    assert.equal(idleWait({ initialMs: 1_000, factor: 2, maxMs: 20_000 }, 1_000), 20_000, "no overflow past the bound");
  });

  it("given ECS's stop timeout, then the grace after SIGTERM leaves time to give the ticket back", () => {
    const container = hardenedContainer({ name: "agent", image: "x", user: "10001:10001", environment: {}, secrets: {}, logGroupName: "/g", region: REGION, streamPrefix: "agent" } as never);
    assert.ok(SERVICE_DEFAULTS.stopGraceMs + 5_000 <= (container.stopTimeout as number) * 1_000, `grace ${SERVICE_DEFAULTS.stopGraceMs} ms against stopTimeout ${String(container.stopTimeout)} s`);
    // The container's stop timeout is one Fargate takes (core/src/aws/ticket-queue.ts).
    assert.ok((container.stopTimeout as number) <= ECS_TASK_STOP.maxFargateStopTimeoutSeconds);
    assert.equal(ECS_TASK_STOP.defaultStopTimeoutSeconds, 30);
  });
});

describe("the example agent's entry as the ECS service runs it (no argument)", () => {
  let dynamodb: DynamoDbStandIn;
  let hanging: Server;
  let release: ReturnType<typeof releaseDir>;
  let model: Awaited<ReturnType<typeof exampleAgentModel>>;
  const held: import("node:http").ServerResponse[] = [];
  before(async () => {
    model = await exampleAgentModel();
    release = releaseDir(model);
    dynamodb = new DynamoDbStandIn(tableSpec);
    await dynamodb.start();
    // A Messages API that never answers: the ticket is in hand when SIGTERM comes.
    hanging = createServer((_req, res) => held.push(res));
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
  });
  after(async () => {
    for (const r of held) r.destroy();
    hanging.closeAllConnections();
    await new Promise<void>((r) => hanging.close(() => r()));
    await dynamodb.stop();
    release.remove();
  });

  const start = (extra: Record<string, string>): { child: ChildProcess; out: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>; line: (pred: (e: Record<string, any>) => boolean) => Promise<void> } => {
    const env = agentEnv(model, { AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url, ANTHROPIC_BASE_URL: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`, ...extra });
    const child = spawn(process.execPath, ["--import", TSX, AGENT_ENTRY], { cwd: release.dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: release.dir, TSX_TSCONFIG_PATH: `${REPO}tsconfig.json`, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const waiters: { pred: (e: Record<string, any>) => boolean; resolve: () => void }[] = [];
    child.stdout!.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
      for (const l of stdout.split("\n").filter((x) => x.startsWith("{"))) {
        let e: Record<string, any>;
        try {
          e = JSON.parse(l) as Record<string, any>;
        } catch {
          continue;
        }
        for (const w of waiters.filter((w) => w.pred(e))) w.resolve();
      }
    });
    child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const out = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
    return { child, out, line: (pred) => new Promise<void>((resolve) => waiters.push({ pred, resolve })) };
  };

  it("given a ticket in hand, when the task gets SIGTERM, then it gives the ticket back and exits 0; when idle, it exits 0 at once", async () => {
    dynamodb.put(TICKETS.table, ticket("T-5001"));
    const run = start({ AGENT_STOP_GRACE_MS: "200" });
    await run.line((e) => e.event === "queue" && e.state === "taken" && e.ticket === "T-5001");
    assert.equal(dynamodb.get(TICKETS.table, { ticket_id: "T-5001" })!.status, QUEUE.inProgress);
    run.child.kill("SIGTERM");
    const exit = await run.out;
    assert.equal(exit.code, 0, exit.stderr);
    const item = dynamodb.get(TICKETS.table, { ticket_id: "T-5001" })!;
    assert.deepEqual([item.status, item.lease_owner, item.lease_until], [QUEUE.open, undefined, undefined], "given back for another task to take at once");
    const events = exit.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, any>).filter((e) => e._aws === undefined);
    assert.deepEqual(events.filter((e) => e.event === "service" || e.event === "queue").map((e) => `${e.event}:${e.state}`), ["service:started", "queue:taken", "service:stopping", "queue:released", "service:stopped"]);

    dynamodb.put(TICKETS.table, ticket("T-5001", { status: QUEUE.answered }));
    const idle = start({});
    await idle.line((e) => e.event === "service" && e.state === "started");
    idle.child.kill("SIGTERM");
    const quiet = await idle.out;
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.match(quiet.stdout, /"event":"service","state":"stopped","worker":"[^"]+","tickets":0/);
  });
});
