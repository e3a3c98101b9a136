/**
 * A receipt's single use against a real PostgreSQL server, connected as the service login role
 * (only the service role's grants): two service instances on their own pools (two gateway
 * processes) race to consume one approval, and exactly one executes; the service role may set an
 * execution but never rewrite it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { canonicalJson, sha256 } from "@airlock/core/hash";
import { ApprovalService, openDatabase, readAudit, verifyAuditLog, type Database } from "../src/index.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, CHANNEL } from "./helpers/slack-requests.ts";
import { freshServerDatabase, type ServerDatabase } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

const hashOf = (args: unknown) => sha256(canonicalJson(args));

describe("consume on a real server", () => {
  const slack = new SlackReceiver();
  let sdb: ServerDatabase;
  const pools: Database[] = [];
  const services: ApprovalService[] = [];

  before(async () => {
    const url = await slack.start();
    sdb = await freshServerDatabase();
    const model = await testModel();
    for (let i = 0; i < 2; i++) {
      const db = await openDatabase({ url: sdb.serviceUrl, maxConnections: 8 });
      pools.push(db);
      services.push(new ApprovalService({ db, model, release: "rel-1", slack: { client: slack.client(url), channel: CHANNEL, approvers: [APPROVER] }, onWarning: () => {} }));
    }
  });
  after(async () => {
    for (const db of pools) await db.close();
    await sdb.dispose();
    await slack.stop();
  });

  test("forty consumes at once through two pools execute exactly one", async () => {
    const [a, b] = services as [ApprovalService, ApprovalService];
    const args = { ticket: "T-9001", body: "Approved." };
    const r = await a.requestApproval({ tool: "send_customer_reply", arguments: args });
    const id = r.status === "pending" ? r.id : "";
    await b.decide({ requestId: id, decision: "approved", actor: APPROVER, via: "api" });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).consume({ requestId: id, argumentsHash: hashOf(args) })));
    assert.equal(results.filter((x) => x.outcome === "executed").length, 1);
    const reasons = new Set(results.flatMap((x) => (x.outcome === "refused" ? [x.reason] : [])));
    assert.deepEqual([...reasons], ["already-executed"]);
    assert.equal((await readAudit(pools[0]!)).filter((x) => x.requestId === id && x.kind === "approval.executed").length, 1);
    assert.equal((await verifyAuditLog(pools[0]!)).ok, true);
  });

  test("the service role cannot clear or change an execution", async () => {
    const [a] = services as [ApprovalService];
    const args = { ticket: "T-9002", body: "Once." };
    const r = await a.requestApproval({ tool: "send_customer_reply", arguments: args });
    const id = r.status === "pending" ? r.id : "";
    await a.decide({ requestId: id, decision: "approved", actor: APPROVER, via: "api" });
    assert.equal((await a.consume({ requestId: id, argumentsHash: hashOf(args) })).outcome, "executed");
    const c = new pg.Client({ connectionString: sdb.serviceUrl });
    await c.connect();
    try {
      await assert.rejects(c.query("UPDATE airlock.approval_requests SET executed_at = NULL, executed_hash = NULL WHERE id = $1", [id]), (e: { code?: string; message?: string }) => {
        assert.equal(e.code, "42501");
        assert.match(e.message ?? "", /an execution is recorded once/);
        return true;
      });
    } finally {
      await c.end();
    }
  });
});
