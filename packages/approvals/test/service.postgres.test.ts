/**
 * The approval service against a real PostgreSQL server (AIRLOCK_TEST_DATABASE_URL, or one this
 * file starts through .ci/postgres.sh), connected as a login role that only has the service
 * role's grants, with a local Slack API receiver and the endpoint on 127.0.0.1.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { execFile } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import type { AgentModel } from "@airlock/core";
import {
  ApprovalService,
  createInteractivityHandler,
  loadMigrations,
  migrate,
  openDatabase,
  readAudit,
  verifyAuditLog,
  type Database,
} from "../src/index.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, APPROVER_2, CHANNEL, SIGNING_SECRET, STRANGER, blockAction, post, signed } from "./helpers/slack-requests.ts";
import { REPO_ROOT, freshServerDatabase, postgresCommand, privatePostgresState, serverUrl, startPostgres, type ServerDatabase } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

interface Harness {
  readonly sdb: ServerDatabase;
  readonly db: Database;
  readonly service: ApprovalService;
  readonly endpoint: string;
  close(): Promise<void>;
}

const slack = new SlackReceiver();
let slackUrl: string;
let model: AgentModel;
let url: string;

/** A fresh database, a service connected as the service login role, and its HTTP endpoint. */
async function harness(server: string = url, sdb?: ServerDatabase): Promise<Harness> {
  const database = sdb ?? (await freshServerDatabase(server));
  const db = await openDatabase({ url: database.serviceUrl, maxConnections: 10 });
  const service = new ApprovalService({
    db,
    model,
    release: "rel-7",
    slack: { client: slack.client(slackUrl), channel: CHANNEL, approvers: [APPROVER, APPROVER_2] },
    onWarning: () => {},
  });
  const http: Server = createServer(createInteractivityHandler(service, { signingSecret: SIGNING_SECRET, onError: () => {} }));
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  return {
    sdb: database,
    db,
    service,
    endpoint: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    async close() {
      await new Promise<void>((r) => http.close(() => r()));
      await db.close();
      // A second instance on a shared database leaves the database to its owner.
      if (sdb === undefined) await database.dispose();
    },
  };
}

async function pending(h: Harness, ticket: string): Promise<string> {
  const r = await h.service.requestApproval({ tool: "send_customer_reply", arguments: { ticket } });
  assert.equal(r.status, "pending");
  return r.status === "pending" ? r.id : "";
}

before(async () => {
  url = serverUrl();
  model = await testModel();
  slackUrl = await slack.start();
});
after(async () => {
  await slack.stop();
});

describe("migrations on a real server", () => {
  test("are versioned, applied once, and refuse a migration edited after it was applied", async () => {
    const sdb = await freshServerDatabase(url);
    const db = await openDatabase({ url: sdb.adminUrl });
    try {
      // Given a migrated database, when migrate runs again, then nothing is applied
      assert.deepEqual(await migrate(db), { applied: [], version: 4 });
      const rows = await sdb.admin<{ version: number; name: string }>("SELECT version, name FROM airlock.schema_migrations ORDER BY version");
      assert.deepEqual(rows, [
        { version: 1, name: "approvals_and_audit" },
        { version: 2, name: "request_execution" },
        { version: 3, name: "decision_path" },
        { version: 4, name: "decision_server_clock" },
      ]);
      // When the applied file changed, then migrate names it
      const changed = loadMigrations().map((m) => ({ ...m, checksum: "f".repeat(64) }));
      await assert.rejects(migrate(db, changed), {
        message: /^migration 0001_approvals_and_audit was changed after it was applied \(checksum [0-9a-f]{12} in the database, ffffffffffff on disk\); restore the file and add a new migration instead$/,
      });
    } finally {
      await db.close();
      await sdb.dispose();
    }
  });
});

describe("append-only audit log on a real server", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
    await pending(h, "T-1");
  });
  after(async () => h.close());

  for (const [table, sql] of [
    ["audit_log", "UPDATE airlock.audit_log SET actor = 'someone-else'"],
    ["audit_log", "DELETE FROM airlock.audit_log"],
    ["audit_log", "TRUNCATE airlock.audit_log"],
    ["approval_decisions", "DELETE FROM airlock.approval_decisions"],
    ["approval_requests", "UPDATE airlock.approval_requests SET arguments = '{}'::jsonb"],
    ["approval_requests", "DELETE FROM airlock.approval_requests"],
  ] as const) {
    test(`the service role is denied: ${sql}`, async () => {
      const c = new pg.Client({ connectionString: h.sdb.serviceUrl });
      await c.connect();
      try {
        await assert.rejects(c.query(sql), (e: { code?: string; message?: string }) => {
          assert.equal(e.code, "42501");
          assert.equal(e.message, `permission denied for table ${table}`);
          return true;
        });
      } finally {
        await c.end();
      }
    });
  }

  test("the trigger stops even the superuser's UPDATE and DELETE", async () => {
    await assert.rejects(h.sdb.admin("UPDATE airlock.audit_log SET actor = 'x' WHERE seq = 1"), {
      code: "42501",
      message: "airlock: UPDATE on airlock.audit_log is not allowed; the table is append-only",
    });
    await assert.rejects(h.sdb.admin("DELETE FROM airlock.audit_log WHERE seq = 1"), {
      message: "airlock: DELETE on airlock.audit_log is not allowed; the table is append-only",
    });
    assert.equal((await verifyAuditLog(h.db)).ok, true);
  });
});

describe("tampering by the superuser is detected", () => {
  let h: Harness;
  const ids: string[] = [];
  before(async () => {
    h = await harness();
    // Given rows 1..6: three requests, each decided
    for (const t of ["T-1", "T-2", "T-3"]) {
      const id = await pending(h, t);
      ids.push(id);
      assert.equal((await h.service.decide({ requestId: id, decision: "approved", actor: APPROVER, via: "api" })).outcome, "recorded");
    }
    assert.equal((await verifyAuditLog(h.db)).rows, 6);
  });
  after(async () => h.close());

  /** Runs SQL as the superuser with triggers off (what an attacker with the master password can do). */
  async function tamper(sql: string): Promise<void> {
    const c = new pg.Client({ connectionString: h.sdb.adminUrl });
    await c.connect();
    try {
      await c.query("BEGIN");
      await c.query("SET LOCAL session_replication_role = replica");
      await c.query(sql);
      await c.query("COMMIT");
    } finally {
      await c.end();
    }
  }
  /** A copy of the audit table to restore between scenarios. */
  async function snapshot<T>(fn: () => Promise<T>): Promise<T> {
    await h.sdb.admin("CREATE TABLE airlock.audit_backup AS SELECT * FROM airlock.audit_log");
    try {
      return await fn();
    } finally {
      await tamper("DELETE FROM airlock.audit_log; INSERT INTO airlock.audit_log SELECT * FROM airlock.audit_backup; DROP TABLE airlock.audit_backup");
      assert.equal((await verifyAuditLog(h.db)).ok, true, "restored");
    }
  }

  test("an edited row is named", async () => {
    await snapshot(async () => {
      await tamper(`UPDATE airlock.audit_log SET payload = jsonb_set(payload, '{decision}', '"rejected"') WHERE seq = 4`);
      const v = await verifyAuditLog(h.db);
      assert.equal(v.ok, false);
      assert.deepEqual(v.problems, [
        { seq: 4, kind: "edited", message: `row 4 (approval.decided, customer.reply, request ${ids[1]}): content does not match its hash; the row was edited after it was written` },
        // The edit also no longer matches the decision the table holds.
        { seq: 4, kind: "forged", message: `row 4: the approval.decided row for request ${ids[1]} does not match the tables (the recorded decision is approved by U0APPROVER1 via api); it was written beside the service's path` },
      ]);
    });
  });

  test("a row edited together with a recomputed hash is named by the break after it", async () => {
    await snapshot(async () => {
      // The attacker rewrites row 2 and its hash; row 3 still points at the old hash.
      const [row] = await h.sdb.admin<{ hash: string }>("SELECT hash FROM airlock.audit_log WHERE seq = 2");
      await tamper(`UPDATE airlock.audit_log SET actor = 'U0ATTACKER', hash = '${"e".repeat(64)}' WHERE seq = 2`);
      const v = await verifyAuditLog(h.db);
      assert.ok(row);
      assert.deepEqual(
        v.problems.map((p) => [p.seq, p.kind]),
        [
          [2, "edited"],
          [2, "edited"],
          // The new actor is not the approver the decision table holds.
          [2, "forged"],
        ],
      );
      assert.match(v.problems[1]!.message, /^row 2 \(approval\.decided, customer\.reply, request .+\): its hash is not the prev_hash stored in row 3; row 2 was rewritten together with its hash$/);
    });
  });

  test("a deleted row is named", async () => {
    await snapshot(async () => {
      await tamper("DELETE FROM airlock.audit_log WHERE seq = 3");
      const v = await verifyAuditLog(h.db);
      assert.deepEqual(v.problems, [
        { seq: 4, kind: "missing", message: `row 4 (approval.decided, customer.reply, request ${ids[1]}): row 3 is missing; seq must have no gaps` },
        { seq: 6, kind: "unrecorded", message: `request for request ${ids[1]} has no audit row; audit rows were deleted (the log ends at row 6)` },
      ]);
    });
  });

  test("swapped rows are reported as reordered", async () => {
    await snapshot(async () => {
      await tamper(
        "UPDATE airlock.audit_log SET seq = 1000 WHERE seq = 3; UPDATE airlock.audit_log SET seq = 3 WHERE seq = 4; UPDATE airlock.audit_log SET seq = 4 WHERE seq = 1000",
      );
      const v = await verifyAuditLog(h.db);
      assert.equal(v.ok, false);
      assert.deepEqual(
        v.problems.map((p) => [p.seq, p.kind]),
        [
          [3, "edited"],
          [3, "reordered"],
          [4, "edited"],
          [4, "reordered"],
          [5, "reordered"],
        ],
      );
      assert.equal(v.problems[1]!.message, `row 3 (approval.decided, customer.reply, request ${ids[1]}): its prev_hash is the hash of row 4, not of row 2; rows were reordered`);
      assert.equal(v.problems[3]!.message, `row 4 (approval.requested, customer.reply, request ${ids[1]}): its prev_hash is the hash of row 2, not of row 3; rows were reordered`);
    });
  });

  test("rows cut from the end are found through the requests and decisions that lost them", async () => {
    await snapshot(async () => {
      const head = (await verifyAuditLog(h.db)).head!;
      await tamper("DELETE FROM airlock.audit_log WHERE seq > 4");
      const v = await verifyAuditLog(h.db, { expectHead: head });
      assert.deepEqual(
        v.problems.map((p) => p.message),
        [
          `decision for request ${ids[2]} has no audit row; audit rows were deleted (the log ends at row 4)`,
          `request for request ${ids[2]} has no audit row; audit rows were deleted (the log ends at row 4)`,
          "row 6 recorded earlier as the head is no longer in the log; rows were deleted from its end",
        ],
      );
    });
  });
});

describe("Slack endpoint against a real server", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => h.close());

  test("a forged signature and a stale timestamp are refused and decide nothing", async () => {
    const id = await pending(h, "T-10");
    assert.deepEqual(await post(h.endpoint, signed(blockAction(id, "airlock.approve", APPROVER), { secret: "forged" })), {
      status: 401,
      body: "unauthorised: signature does not match",
    });
    const stale = await post(h.endpoint, signed(blockAction(id, "airlock.approve", APPROVER), { at: Math.floor(Date.now() / 1000) - 600 }));
    assert.equal(stale.status, 401);
    assert.match(stale.body, /^unauthorised: request timestamp is 60\d s old; at most 300 s is accepted$/);
    const rows = await h.sdb.admin("SELECT * FROM airlock.approval_decisions WHERE request_id = $1", [id]);
    assert.deepEqual(rows, []);
  });

  test("a replayed request records nothing new", async () => {
    const id = await pending(h, "T-11");
    const req = signed(blockAction(id, "airlock.approve", APPROVER));
    assert.equal((await post(h.endpoint, req)).status, 200);
    // The same bytes again (a replay, or Slack retrying): accepted, but nothing changes
    assert.equal((await post(h.endpoint, req)).status, 200);
    const rows = await h.sdb.admin<{ decision: string; decided_by: string }>("SELECT decision, decided_by FROM airlock.approval_decisions WHERE request_id = $1", [id]);
    assert.deepEqual(rows, [{ decision: "approved", decided_by: APPROVER }]);
    const audit = (await readAudit(h.db)).filter((a) => a.requestId === id).map((a) => a.kind);
    assert.deepEqual(audit, ["approval.requested", "approval.decided"]);
  });

  test("an unknown approver is refused and the attempt audited", async () => {
    const id = await pending(h, "T-12");
    assert.equal((await post(h.endpoint, signed(blockAction(id, "airlock.approve", STRANGER)))).status, 200);
    assert.deepEqual(await h.sdb.admin("SELECT * FROM airlock.approval_decisions WHERE request_id = $1", [id]), []);
    const [req] = await h.sdb.admin<{ status: string }>("SELECT status FROM airlock.approval_requests WHERE id = $1", [id]);
    assert.equal(req?.status, "pending");
    const audit = (await readAudit(h.db)).filter((a) => a.requestId === id).map((a) => [a.kind, a.actor]);
    assert.deepEqual(audit, [
      ["approval.requested", "agent:support-agent"],
      ["approval.refused", STRANGER],
    ]);
  });

  test("many parallel clicks by two approvers through two service instances leave exactly one decision", async () => {
    // Given a second instance on its own pool (another container, say)
    const other = await harness(url, h.sdb);
    try {
      const id = await pending(h, "T-13");
      // When 60 signed clicks arrive at once: approve and reject, both approvers, both instances
      const clicks = Array.from({ length: 60 }, (_, i) =>
        post(i % 2 === 0 ? h.endpoint : other.endpoint, signed(blockAction(id, i % 3 === 0 ? "airlock.reject" : "airlock.approve", i % 4 < 2 ? APPROVER : APPROVER_2))),
      );
      const results = await Promise.all(clicks);
      // Then every click was answered and exactly one decision row exists
      assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
      const rows = await h.sdb.admin<{ n: string }>("SELECT count(*) AS n FROM airlock.approval_decisions WHERE request_id = $1", [id]);
      assert.equal(rows[0]?.n, "1");
      const decided = (await readAudit(h.db)).filter((a) => a.requestId === id && a.kind === "approval.decided");
      assert.equal(decided.length, 1);
      const [d] = await h.sdb.admin<{ decision: string; decided_by: string }>("SELECT decision, decided_by FROM airlock.approval_decisions WHERE request_id = $1", [id]);
      assert.equal(decided[0]!.payload.decision, d?.decision);
      assert.equal(decided[0]!.actor, d?.decided_by);
      assert.equal(slack.callsTo("chat.update").filter((c) => JSON.stringify(c.args.blocks).includes(id)).length, 1, "one outcome message");
    } finally {
      await other.close();
    }
  });

  test("parallel requests from two instances build one unbroken chain", async () => {
    const other = await harness(url, h.sdb);
    try {
      const before = (await verifyAuditLog(h.db)).rows;
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? h : other).service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: `P-${i}` } })),
      );
      const v = await verifyAuditLog(h.db);
      assert.deepEqual(v.problems, []);
      assert.equal(v.rows, before + 40);
      assert.equal(v.head?.seq, before + 40);
    } finally {
      await other.close();
    }
  });
});

describe("PostgreSQL restarted mid-run", () => {
  // A cluster of its own, so restarting it cannot disturb other test files. Nothing is started
  // beforehand: the test starts it, and fails with the script's error when it cannot (never skips).
  const state = privatePostgresState("restart");
  after(() => {
    postgresCommand("stop", state);
  });

  test("no request is lost and no decision is duplicated; the service reconnects", async () => {
    const server = startPostgres(state).url;
    const h = await harness(server);
    let restart: Promise<void> = Promise.resolve();
    try {
      // Given a stored request
      const id = await pending(h, "T-20");
      // When the server restarts while 12 clicks arrive
      restart = new Promise<void>((resolve, reject) =>
        execFile("bash", [join(REPO_ROOT, ".ci/postgres.sh"), "restart"], { env: { ...process.env, AIRLOCK_TEST_PG_STATE: state } }, (e) => (e ? reject(e) : resolve())),
      );
      await new Promise((r) => setTimeout(r, 100));
      const clicks = await Promise.all(Array.from({ length: 12 }, (_, i) => post(h.endpoint, signed(blockAction(id, "airlock.approve", i % 2 ? APPROVER : APPROVER_2)))));
      await restart;
      // Then every click got an answer, the request survived and it has one decision
      assert.deepEqual([...new Set(clicks.map((c) => c.status))], [200]);
      const [req] = await h.sdb.admin<{ status: string }>("SELECT status FROM airlock.approval_requests WHERE id = $1", [id]);
      assert.equal(req?.status, "approved");
      assert.deepEqual(
        (await h.sdb.admin<{ n: string }>("SELECT count(*) AS n FROM airlock.approval_decisions WHERE request_id = $1", [id]))[0],
        { n: "1" },
      );
      // And after a second restart between request and decision, the same pool still works
      const id2 = await pending(h, "T-21");
      postgresCommand("restart", state);
      const d = await h.service.decide({ requestId: id2, decision: "rejected", actor: APPROVER, via: "api" });
      assert.equal(d.outcome, "recorded");
      assert.equal((await h.service.getRequest(id2))?.status, "rejected");
      const v = await verifyAuditLog(h.db);
      assert.deepEqual(v.problems, []);
      assert.deepEqual(
        (await readAudit(h.db)).map((a) => [a.kind, a.requestId]),
        [
          ["approval.requested", id],
          ["approval.decided", id],
          ["approval.requested", id2],
          ["approval.decided", id2],
        ],
      );
    } finally {
      // Never leave the restart running past the test (the after hook deletes the cluster).
      await restart.catch(() => undefined);
      await h.close();
    }
  });
});
