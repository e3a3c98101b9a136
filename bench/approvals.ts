/**
 * Approval decisions per second and latency, end to end: a signed Slack click over HTTP on
 * 127.0.0.1 → signature check → decision insert + request update + hash-chained audit row in
 * one transaction → chat.update to a local Slack API receiver → 200. Bounded (each scenario stops
 * at its count or its time limit, whichever first; under 60 s in all).
 *
 *   node --import tsx bench/approvals.ts      (uses AIRLOCK_TEST_DATABASE_URL, else starts one via .ci/postgres.sh)
 *
 * Writes bench/results/approvals.md.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { loadManifest, type AgentModel } from "@airlock/core";
import { ApprovalService, createInteractivityHandler, openDatabase, verifyAuditLog, type Database } from "@airlock/approvals";
import { SlackReceiver } from "../packages/approvals/test/helpers/slack-receiver.ts";
import { APPROVER, APPROVER_2, CHANNEL, SIGNING_SECRET, blockAction, signed } from "../packages/approvals/test/helpers/slack-requests.ts";
import { freshPglite, freshServerDatabase, postgresCommand, serverUrl, startPostgres, REPO_ROOT } from "../packages/approvals/test/helpers/stores.ts";

interface Result {
  readonly store: string;
  readonly scenario: string;
  readonly concurrency: number;
  readonly decisions: number;
  readonly clicks: number;
  readonly seconds: number;
  readonly latencies: number[];
  readonly check: string;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Runs `task(i)` for i = 0.. with `concurrency` in flight, until `count` tasks or `limitMs`. */
async function drive(count: number, concurrency: number, limitMs: number, task: (i: number) => Promise<void>): Promise<{ done: number; ms: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + limitMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && performance.now() < deadline) {
        const i = next++;
        const s = performance.now();
        await task(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { done: latencies.length, ms: performance.now() - t0, latencies };
}

async function click(endpoint: string, requestId: string, user: string): Promise<void> {
  const req = signed(blockAction(requestId, "airlock.approve", user));
  const r = await fetch(endpoint, { method: "POST", headers: req.headers, body: req.body });
  await r.text();
  if (r.status !== 200) throw new Error(`endpoint answered ${r.status}`);
}

async function scenarios(store: string, db: Database, model: AgentModel, slackUrl: string, slack: SlackReceiver, plan: { count: number; limitMs: number; concurrency: number }, countDecisions: () => Promise<number>): Promise<Result[]> {
  const service = new ApprovalService({
    db,
    model,
    release: "bench",
    slack: { client: slack.client(slackUrl), channel: CHANNEL, approvers: [APPROVER, APPROVER_2] },
    onWarning: () => {},
  });
  const server: Server = createServer(createInteractivityHandler(service, { signingSecret: SIGNING_SECRET }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const results: Result[] = [];
  try {
    // Warm-up, untimed: the first queries compile (PGlite's WebAssembly especially) and connect.
    for (let i = 0; i < 30; i++) {
      const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: `W-${i}` } });
      if (r.status === "pending") await click(endpoint, r.id, APPROVER);
    }
    // Requests first (stored, audited, posted to the local Slack): also timed, for reference.
    const ids: string[] = [];
    const asked = await drive(plan.count, plan.concurrency, plan.limitMs * 0.3, async (i) => {
      const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: `B-${i}`, body: "Thanks for your patience." } });
      if (r.status === "pending") ids.push(r.id);
    });
    results.push({ store, scenario: "requestApproval (store + audit + post)", concurrency: plan.concurrency, decisions: asked.done, clicks: asked.done, seconds: asked.ms / 1000, latencies: asked.latencies, check: `${ids.length} stored` });

    // One click per request: alone (latency at light load), then 16 in flight (throughput).
    let at = 0;
    for (const [share, concurrency, time] of [
      [0.2, 1, 0.2],
      [0.45, plan.concurrency, 0.25],
    ] as const) {
      const slice = ids.slice(at, at + Math.floor(ids.length * share));
      at += slice.length;
      const before = await countDecisions();
      const run = await drive(slice.length, concurrency, plan.limitMs * time, (i) => click(endpoint, slice[i]!, APPROVER));
      const recorded = (await countDecisions()) - before;
      results.push({ store, scenario: "one click per request", concurrency, decisions: recorded, clicks: run.done, seconds: run.ms / 1000, latencies: run.latencies, check: `${recorded} decision rows for ${run.done} requests` });
    }

    // Four simultaneous clicks per request (double clicks, two approvers): still one decision each.
    const rest = ids.slice(at);
    const groups = Math.max(1, Math.floor(plan.concurrency / 4));
    const before2 = await countDecisions();
    const racing = await drive(rest.length, groups, plan.limitMs * 0.25, async (i) => {
      await Promise.all([0, 1, 2, 3].map((k) => click(endpoint, rest[i]!, k % 2 ? APPROVER : APPROVER_2)));
    });
    const recorded2 = (await countDecisions()) - before2;
    results.push({
      store,
      scenario: "4 racing clicks per request",
      concurrency: groups * 4,
      decisions: recorded2,
      clicks: racing.done * 4,
      seconds: racing.ms / 1000,
      latencies: racing.latencies,
      check: `${recorded2} decision rows for ${racing.done} requests`,
    });
    const v = await verifyAuditLog(db);
    results.push({ store, scenario: "verifyAuditLog", concurrency: 1, decisions: v.rows, clicks: 0, seconds: 0, latencies: [], check: v.ok ? `chain intact, ${v.rows} rows` : `CHAIN BROKEN: ${v.problems[0]?.message}` });
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  return results;
}

const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform} ${process.arch}`;
const startLoad = loadavg()[0]!.toFixed(2);
const model = await loadManifest(join(REPO_ROOT, "examples/support-agent/agent.yaml"));
const slack = new SlackReceiver();
const slackUrl = await slack.start();
const all: Result[] = [];
let pgVersion = "unknown";
const started = performance.now();

// PostgreSQL on loopback, as the service role, a pool of 10 connections. A server the benchmark
// starts itself (no AIRLOCK_TEST_DATABASE_URL given) is its own cluster, stopped when it is done.
{
  const given = process.env.AIRLOCK_TEST_DATABASE_URL;
  const own = given === undefined || given === "" ? startPostgres(join(tmpdir(), `airlock-pg-bench-${process.pid}`)) : undefined;
  const sdb = await freshServerDatabase(own?.url ?? serverUrl());
  const db = await openDatabase({ url: sdb.serviceUrl, maxConnections: 10 });
  const c = new pg.Client({ connectionString: sdb.adminUrl });
  await c.connect();
  pgVersion = ((await c.query("SHOW server_version")).rows[0] as { server_version: string }).server_version;
  await c.end();
  try {
    all.push(...(await scenarios("PostgreSQL (loopback)", db, model, slackUrl, slack, { count: 1600, limitMs: 21_000, concurrency: 16 }, async () => Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM airlock.approval_decisions")).rows[0]!.n))));
  } finally {
    await db.close();
    await sdb.dispose();
    if (own !== undefined) postgresCommand("stop", own.state);
  }
}
process.stderr.write(`postgres done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

// The embedded default (PGlite, one connection).
{
  const store = await freshPglite();
  try {
    all.push(...(await scenarios("PGlite (embedded)", store.db, model, slackUrl, slack, { count: 600, limitMs: 9_000, concurrency: 16 }, async () => Number((await store.db.query<{ n: string }>("SELECT count(*) AS n FROM airlock.approval_decisions")).rows[0]!.n))));
  } finally {
    await store.dispose();
  }
}
await slack.stop();
const total = (performance.now() - started) / 1000;

const fmt = (n: number, d = 1) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const rows = all.map((r) => {
  if (r.scenario === "verifyAuditLog") return `| ${r.store} | ${r.scenario} | — | — | — | — | — | ${r.check} |`;
  const s = [...r.latencies].sort((a, b) => a - b);
  const perSecond = r.scenario.startsWith("requestApproval") ? r.clicks / r.seconds : r.decisions / r.seconds;
  return `| ${r.store} | ${r.scenario} | ${r.concurrency} | ${r.clicks} | ${fmt(perSecond, 0)} | ${fmt(pct(s, 50))} | ${fmt(pct(s, 99))} | ${r.check} |`;
});

const md = `## @airlock/approvals: decisions per second and p99

Machine: ${machine}; PostgreSQL ${pgVersion} on 127.0.0.1 (Debian package, default settings, fsync on), started by \`.ci/postgres.sh\`. 1-minute load average ${startLoad} when it started (other work on the same cores widens p99). ${fmt(total)} s in all. Run with \`node --import tsx bench/approvals.ts\`.

Each decision is a signed Slack click POSTed over HTTP on loopback to the interactivity endpoint (node:http): v0 signature check, then one transaction (conditional insert into \`approval_decisions\`, request update, audit row appended under the chain's advisory lock), then \`chat.update\` to a local Slack API receiver, then 200. Latency is per click as the client sees it (for racing clicks, per group of four), after 30 untimed requests and decisions to warm up. The service connects to PostgreSQL as a login role holding only the service role's grants, through a pool of 10.

| Store | Scenario | In flight | Clicks / calls | per second | p50 ms | p99 ms | Check |
|---|---|---:|---:|---:|---:|---:|---|
${rows.join("\n")}

"per second" counts recorded decisions (stored requests for \`requestApproval\`). Racing clicks: four clicks on the same request at once, from two approvers, still leave exactly one decision row and one audit row per request (the Check column counts the rows).
`;
mkdirSync(join(REPO_ROOT, "bench/results"), { recursive: true });
writeFileSync(join(REPO_ROOT, "bench/results/approvals.md"), md);
process.stdout.write(md);
