/**
 * No writer can stall the others, on a real PostgreSQL server: the pool's sessions carry a
 * statement timeout, a lock timeout and an idle-in-transaction timeout, so an instance that froze
 * holding the audit chain's lock (a paused process, a partition: to the server, a session idle in
 * its transaction) is cut off by the server within seconds, and the other instances' appends go
 * on; one frozen inside a statement is cancelled by the statement timeout; a waiter behind a lock
 * that is never released gives up with the lock timeout instead of hanging. The frozen instance is
 * a pool of its own with the same settings, taking the lock through `appendAudit` and then
 * waiting on a promise.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { ApprovalService, AUDIT_LOCK, appendAudit, openDatabase, readAudit, verifyAuditLog, type Database } from "../src/index.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, CHANNEL } from "./helpers/slack-requests.ts";
import { freshServerDatabase, type ServerDatabase } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

/** A guard, not a measurement: on a pool without timeouts these tests would wait forever. */
/** Short timeouts so the test waits seconds, ordered as the defaults are: idle < lock < statement. */
const TIMEOUTS = { idleInTransactionTimeoutMs: 1_000, lockTimeoutMs: 2_000, statementTimeoutMs: 4_000 } as const;

describe("the pool's timeouts on a real server", () => {
  const slack = new SlackReceiver();
  let sdb: ServerDatabase;
  const pools: Database[] = [];
  let service: ApprovalService;

  const pool = async (options: Parameters<typeof openDatabase>[0] = {}) => {
    const db = await openDatabase({ url: sdb.serviceUrl, maxConnections: 4, reconnectTimeoutMs: 8_000, ...TIMEOUTS, ...options });
    pools.push(db);
    return db;
  };

  before(async () => {
    const url = await slack.start();
    sdb = await freshServerDatabase();
    service = new ApprovalService({ db: await pool(), model: await testModel(), release: "rel-pool", slack: { client: slack.client(url), channel: CHANNEL, approvers: [APPROVER] }, onWarning: () => {} });
  });
  after(async () => {
    for (const db of pools) await db.close().catch(() => undefined);
    await sdb.dispose();
    await slack.stop();
  });

  test("given the default pool, when a session is opened, then it carries the documented timeouts", async () => {
    const db = await openDatabase({ url: sdb.serviceUrl, maxConnections: 1 });
    pools.push(db);
    const { rows } = await db.query<{ s: string; l: string; i: string }>(
      "SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l, current_setting('idle_in_transaction_session_timeout') AS i",
    );
    assert.deepEqual(rows[0], { s: "30s", l: "10s", i: "5s" });
  });

  test("given an instance frozen in its transaction holding the chain lock, when another instance appends, then the server cuts the frozen one off and the chain goes on", { timeout: 60_000 }, async () => {
    const frozenDb = await pool();
    let thaw!: () => void;
    const frozen = new Promise<void>((r) => (thaw = r));
    let attempts = 0;
    let locked!: () => void;
    const holding = new Promise<void>((r) => (locked = r));
    const frozenRun = frozenDb.transaction(async (tx) => {
      attempts++;
      if (attempts > 1) return "retried";
      await appendAudit(tx, { kind: "incident", agent: "support-agent", actionType: "customer.reply", actor: "frozen-instance", payload: { description: "never committed" } });
      locked();
      await frozen;
      return "committed";
    });
    await holding;
    // The other instance appends while the frozen one holds the lock.
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-7001" } });
    assert.equal(r.status, "pending");
    const rows = await readAudit(pools[0]!);
    assert.ok(rows.some((x) => x.kind === "approval.requested" && x.requestId === (r.status === "pending" ? r.id : "")));
    assert.ok(!rows.some((x) => x.actor === "frozen-instance"), "the frozen instance's row never committed");
    const ended = await sdb.admin<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'idle in transaction'", [sdb.name]);
    assert.equal(Number(ended[0]?.n), 0, "no session is left idle in a transaction");
    thaw();
    // Its connection was ended by the server: the transaction is retried on a new one (it is idempotent).
    assert.equal(await frozenRun, "retried");
    assert.equal((await verifyAuditLog(pools[0]!)).ok, true);
  });

  test("given an instance stuck inside a statement while holding the chain lock, when the statement timeout passes, then it is cancelled and the waiting append, retried after its lock timeout, goes on", { timeout: 60_000 }, async () => {
    const stuckDb = await pool();
    const stuck = stuckDb.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [AUDIT_LOCK]);
      await tx.query("SELECT pg_sleep(600)");
    });
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-7002" } });
    assert.equal(r.status, "pending");
    await assert.rejects(stuck, (e: { code?: string }) => e.code === "57014");
    assert.equal((await verifyAuditLog(pools[0]!)).ok, true);
  });

  test("given a lock held by a session with no timeouts (an operator's psql), when an instance appends, then it gives up with the lock timeout instead of waiting forever", { timeout: 60_000 }, async () => {
    const operator = new pg.Client({ connectionString: sdb.adminUrl });
    await operator.connect();
    try {
      await operator.query("BEGIN");
      await operator.query("SELECT pg_advisory_xact_lock($1)", [AUDIT_LOCK]);
      const impatient = await pool({ reconnectTimeoutMs: 0 });
      await assert.rejects(
        impatient.transaction((tx) => appendAudit(tx, { kind: "incident", agent: "support-agent", actionType: "customer.reply", actor: "waiter", payload: { description: "waits for the lock" } })),
        (e: { code?: string }) => e.code === "55P03",
      );
    } finally {
      await operator.query("ROLLBACK").catch(() => undefined);
      await operator.end();
    }
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-7003" } });
    assert.equal(r.status, "pending");
  });
});
