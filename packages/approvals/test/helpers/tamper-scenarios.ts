/**
 * The tampering attacks on the audit log, run against a store the approval service wrote (the
 * embedded store and a real server run the same suite): each one starts from an honest history,
 * tampers with every hash made consistent again, and asserts that verification names it.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ApprovalService, readAudit, readLatestAnchor, verifyAuditLog, writeAnchor, type AnchorLocation, type Database, type Queryable } from "../../src/index.ts";
import { KmsStandIn, S3StandIn } from "./aws-standins.ts";
import { UNANCHORED_GRACE_MS, type AuditVerification } from "../../src/audit/log.ts";
import { SlackReceiver } from "./slack-receiver.ts";
import { APPROVER, CHANNEL } from "./slack-requests.ts";
import { testModel } from "./model.ts";
import { asSuperuser, cutTail, dropOncePerRequest, forgeAppend, rewriteLog } from "./tamper.ts";
import { canonicalJson, sha256 } from "@airlock/core/hash";

/** A store as the attack needs it. */
export interface TamperStore {
  /** What the service connects with (the service role on a server). */
  readonly service: Database;
  /** The superuser. */
  readonly admin: Database;
  /** Runs `fn` in a transaction as the service role (a server's login role, or SET ROLE on PGlite). */
  asServiceRole<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

export interface History {
  readonly approved: string;
  readonly rejected: string;
  readonly pending: string;
  readonly executed: string;
}

/** The honest history: an approval, a rejection, a pending request, an incident, an executed approval. */
export async function writeHistory(store: TamperStore, slack: SlackReceiver, slackUrl: string): Promise<History> {
  const service = new ApprovalService({ db: store.service, model: await testModel(), release: "rel-1", slack: { client: slack.client(slackUrl), channel: CHANNEL, approvers: [APPROVER] }, onWarning: () => {} });
  const ask = async (n: number) => {
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: `T-${n}`, body: "Hello." } });
    assert.equal(r.status, "pending");
    return r.status === "pending" ? r.id : "";
  };
  const approved = await ask(1);
  await service.decide({ requestId: approved, decision: "approved", actor: APPROVER, via: "http" });
  const rejected = await ask(2);
  await service.decide({ requestId: rejected, decision: "rejected", actor: APPROVER, via: "http" });
  const pending = await ask(3);
  await service.recordIncident({ actionType: "customer.reply", description: "replied to the wrong customer", reportedBy: APPROVER });
  const executed = await ask(4);
  await service.decide({ requestId: executed, decision: "approved", actor: APPROVER, via: "http" });
  assert.equal((await service.consume({ requestId: executed, argumentsHash: sha256(canonicalJson({ ticket: "T-4", body: "Hello." })) })).outcome, "executed");
  return { approved, rejected, pending, executed };
}

/** What a verification reports, in short: each problem's kind and message. */
const problems = (v: AuditVerification) => v.problems.map((p) => `${p.kind}: ${p.message}`);

export function tamperSuite(label: string, open: () => Promise<TamperStore>): void {
  describe(`tampering that keeps every hash consistent (${label})`, () => {
    const slack = new SlackReceiver();
    const kms = new KmsStandIn();
    let slackUrl: string | undefined;
    let at: AnchorLocation | undefined;
    /** The honest history, anchored (the gateway's schedule ran once after it). */
    async function given(): Promise<{ store: TamperStore; h: History }> {
      slackUrl ??= await slack.start();
      if (at === undefined) {
        await kms.start();
        const s3 = new S3StandIn(`anchors-${label.replace(/\W/g, "")}`);
        await s3.start();
        stops.push(() => s3.stop());
        at = { s3: s3.client(), kms: kms.client(), bucket: s3.bucket, keyId: kms.createKey().keyId, prefix: `${Date.now()}/` };
      }
      at = { ...at, prefix: `run-${Math.random().toString(36).slice(2)}/` };
      const store = await open();
      const h = await writeHistory(store, slack, slackUrl);
      await writeAnchor(store.service, at);
      const v = await verify(store);
      assert.deepEqual(problems(v), [], "the honest history verifies against its anchor");
      return { store, h };
    }
    /** `airlock audit verify` with the anchor: the newest signed head, then the chain against it (at `now`). */
    async function verify(store: TamperStore, now?: Date): Promise<AuditVerification> {
      const read = await readLatestAnchor(at!);
      assert.deepEqual(read.problems, []);
      return verifyAuditLog(store.admin, { anchor: read.anchor!, ...(now === undefined ? {} : { now }) });
    }
    /** A second service on the store; with `anchored`, it anchors each decision as the gateway's does. */
    async function serviceOf(store: TamperStore, anchored: boolean): Promise<ApprovalService> {
      return new ApprovalService({ db: store.service, model: await testModel(), release: "rel-1", slack: { client: slack.client(slackUrl!), channel: CHANNEL, approvers: [APPROVER] }, onWarning: () => {}, ...(anchored ? { anchor: at! } : {}) });
    }
    /** A request decided `rejected` after the scheduled anchor, by `service`; its id. */
    async function rejectedLater(service: ApprovalService, n: number): Promise<string> {
      const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: `T-${n}`, body: "Refund 900." } });
      if (r.status !== "pending") throw new Error("not pending");
      assert.equal((await service.decide({ requestId: r.id, decision: "rejected", actor: APPROVER, via: "http" })).outcome, "recorded");
      return r.id;
    }
    /** The superuser turns request `id`'s rejection into an approval: tables, then the chain, every hash recomputed. */
    async function turnAround(store: TamperStore, id: string): Promise<void> {
      await asSuperuser(store.admin, async (tx) => {
        await tx.query("UPDATE airlock.approval_decisions SET decision = 'approved' WHERE request_id = $1", [id]);
        await tx.query("UPDATE airlock.approval_requests SET status = 'approved' WHERE id = $1", [id]);
      });
      await rewriteLog(store.admin, (rows) => rows.map((r) => (r.kind === "approval.decided" && r.requestId === id ? { ...r, payload: { ...r.payload, decision: "approved" } } : r)));
    }
    const stops: (() => Promise<void>)[] = [];
    test.after(async () => {
      for (const stop of stops) await stop();
      await kms.stop();
    });
    const done = async (store: TamperStore) => {
      await store.dispose();
    };
    test.after(async () => slack.stop());

    test("given a pending request, when the superuser appends an approval.decided row for it with a recomputed hash, then verify names the decision that has no decision row", async () => {
      const { store, h } = await given();
      try {
        await asSuperuser(store.admin, (tx) => forgeAppend(tx, { kind: "approval.decided", agent: "support-agent", actionType: "customer.reply", requestId: h.pending, actor: APPROVER, payload: { decision: "approved", via: "http", release: "rel-1" } }, new Date()));
        const v = await verify(store);
        assert.equal(v.ok, false);
        assert.ok(problems(v).some((p) => p.includes(`approval.decided row for request ${h.pending}`)), problems(v).join("\n"));
      } finally {
        await done(store);
      }
    });

    test("given a decided request, when the superuser appends a second approval.decided row reversing it, then verify names the duplicate", async () => {
      const { store, h } = await given();
      try {
        await assert.rejects(
          asSuperuser(store.admin, (tx) => forgeAppend(tx, { kind: "approval.decided", agent: "support-agent", actionType: "customer.reply", requestId: h.rejected, actor: APPROVER, payload: { decision: "approved", via: "http", release: "rel-1" } }, new Date())),
          /duplicate key value violates unique constraint "audit_log_once_per_request"/,
        );
        await dropOncePerRequest(store.admin);
        await asSuperuser(store.admin, (tx) => forgeAppend(tx, { kind: "approval.decided", agent: "support-agent", actionType: "customer.reply", requestId: h.rejected, actor: APPROVER, payload: { decision: "approved", via: "http", release: "rel-1" } }, new Date()));
        const v = await verify(store);
        assert.equal(v.ok, false);
        assert.ok(problems(v).some((p) => p.includes(`request ${h.rejected}`)), problems(v).join("\n"));
      } finally {
        await done(store);
      }
    });

    test("given a pending request, when the superuser sets its status to approved behind the decision, then verify names the status without a decision", async () => {
      const { store, h } = await given();
      try {
        await asSuperuser(store.admin, async (tx) => {
          await tx.query("UPDATE airlock.approval_requests SET status = 'approved', decided_at = now() WHERE id = $1", [h.pending]);
        });
        const v = await verify(store);
        assert.equal(v.ok, false);
        assert.ok(problems(v).some((p) => p.includes(`request ${h.pending}`) && p.includes("status")), problems(v).join("\n"));
      } finally {
        await done(store);
      }
    });

    test("given the service role's connection, when it appends an approval.decided row, inserts a decision, sets a status or inserts a decided request, then the database refuses each and the log still verifies", async () => {
      const { store, h } = await given();
      try {
        const attempt = (fn: (tx: Queryable) => Promise<unknown>) =>
          store.asServiceRole(fn).then(
            () => "went in",
            (e: Error) => e.message,
          );
        assert.equal(
          await attempt((tx) => forgeAppend(tx, { kind: "approval.decided", agent: "support-agent", actionType: "customer.reply", requestId: h.pending, actor: APPROVER, payload: { decision: "approved", via: "http", release: "rel-1" } }, new Date())),
          `airlock: approval.decided row for request ${h.pending} matches no recorded decision; decisions are recorded by airlock.record_decision`,
        );
        assert.equal(
          await attempt((tx) => tx.query("INSERT INTO airlock.approval_decisions (request_id, decision, decided_by, via, attempt_id, decided_at) VALUES ($1, 'approved', $2, 'http', gen_random_uuid(), now())", [h.pending, APPROVER])),
          "permission denied for table approval_decisions",
        );
        assert.equal(await attempt((tx) => tx.query("UPDATE airlock.approval_requests SET status = 'approved', decided_at = now() WHERE id = $1", [h.pending])), "permission denied for table approval_requests");
        assert.equal(
          await attempt((tx) =>
            tx.query(
              "INSERT INTO airlock.approval_requests (id, agent, release, tool, action_type, tier, arguments, arguments_hash, created_at, status) VALUES (gen_random_uuid(), 'support-agent', 'rel-1', 'send_customer_reply', 'customer.reply', 'approve', '{}', $1, now(), 'approved')",
              ["0".repeat(64)],
            ),
          ),
          "permission denied for table approval_requests",
        );
        // A row dated by the writer rather than the server, for a kind the service may write.
        assert.match(
          await attempt((tx) => forgeAppend(tx, { kind: "incident", agent: "support-agent", actionType: "customer.reply", actor: APPROVER, payload: { description: "backdated" } }, new Date(Date.now() - 86_400_000))),
          /^airlock: audit row \d+ is dated .+, not by the database clock; take the time from clock_timestamp\(\) inside the transaction$/,
        );
        assert.deepEqual(problems(await verify(store)), []);
      } finally {
        await done(store);
      }
    });

    test("given the anchor, when the superuser forges a consistent decision (decision row, status and audit row) dated before the anchor, then verify names the backdated row", async () => {
      const { store, h } = await given();
      try {
        const when = new Date(Date.now() - 3_600_000);
        await asSuperuser(store.admin, async (tx) => {
          await tx.query("INSERT INTO airlock.approval_decisions (request_id, decision, decided_by, via, attempt_id, decided_at) VALUES ($1, 'approved', $2, 'http', gen_random_uuid(), $3)", [h.pending, APPROVER, when.toISOString()]);
          await tx.query("UPDATE airlock.approval_requests SET status = 'approved', decided_at = $2 WHERE id = $1", [h.pending, when.toISOString()]);
          await forgeAppend(tx, { kind: "approval.decided", agent: "support-agent", actionType: "customer.reply", requestId: h.pending, actor: APPROVER, payload: { decision: "approved", via: "http", release: "rel-1" } }, when);
        });
        const v = await verify(store);
        // Dated an hour back, it is also older than the grace after the newest anchor.
        assert.deepEqual(v.problems.map((p) => p.kind), ["backdated", "unanchored"]);
        assert.match(problems(v)[0]!, /^backdated: row \d+ comes after the head signed in the anchor of .+ but is dated .+, before it; it was written later and dated into the anchored past$/);
      } finally {
        await done(store);
      }
    });

    test("given an execution, when the superuser appends a second approval.executed row, then verify names it", async () => {
      const { store, h } = await given();
      try {
        await dropOncePerRequest(store.admin);
        await asSuperuser(store.admin, (tx) => forgeAppend(tx, { kind: "approval.executed", agent: "support-agent", actionType: "customer.reply", requestId: h.approved, actor: "agent:support-agent", payload: { argumentsHash: "0".repeat(64), decision: "approved", decidedBy: APPROVER, release: "rel-1" } }, new Date()));
        const v = await verify(store);
        assert.equal(v.ok, false);
        assert.ok(problems(v).some((p) => p.includes(`request ${h.approved}`) && p.includes("execut")), problems(v).join("\n"));
      } finally {
        await done(store);
      }
    });

    test("given an incident, when the superuser deletes it and re-chains every later row, then verify fails", async () => {
      const { store } = await given();
      try {
        await rewriteLog(store.admin, (rows) => rows.filter((r) => r.kind !== "incident"));
        const v = await verify(store);
        assert.equal(v.ok, false, "a deleted incident passed verification");
        if (process.env.AIRLOCK_SHOW_PROBLEMS) console.log("a deleted incident:", problems(v));
        assert.ok(v.problems.some((p) => p.kind === "anchor"), problems(v).join("\n"));
      } finally {
        await done(store);
      }
    });

    test("when the superuser cuts the log's tail (the incident and everything after), then verify fails", async () => {
      const { store } = await given();
      try {
        const rows = await readAudit(store.admin);
        const incident = rows.find((r) => r.kind === "incident")!;
        // The rows after the incident belong to request `executed`: the attacker removes them with it.
        await asSuperuser(store.admin, async (tx) => {
          const later = rows.filter((r) => r.seq > incident.seq && r.requestId !== undefined).map((r) => r.requestId!);
          await tx.query("DELETE FROM airlock.approval_decisions WHERE request_id = ANY($1::uuid[])", [later]);
          await tx.query("DELETE FROM airlock.approval_requests WHERE id = ANY($1::uuid[])", [later]);
        });
        await cutTail(store.admin, incident.seq - 1);
        const v = await verify(store);
        assert.equal(v.ok, false, "a cut tail passed verification");
        if (process.env.AIRLOCK_SHOW_PROBLEMS) console.log("a cut tail:", problems(v));
        assert.ok(v.problems.some((p) => p.kind === "anchor"), problems(v).join("\n"));
      } finally {
        await done(store);
      }
    });

    test("when the superuser inserts an approval mid-chain and recomputes every later hash, then verify fails", async () => {
      const { store, h } = await given();
      try {
        await dropOncePerRequest(store.admin);
        await rewriteLog(store.admin, (rows) => {
          const i = rows.findIndex((r) => r.kind === "incident");
          const forged = { ...rows[1]!, requestId: h.approved, payload: { decision: "approved", via: "http", release: "rel-1" } };
          return [...rows.slice(0, i), { ...forged, kind: "approval.decided" as const, actor: APPROVER }, ...rows.slice(i)];
        });
        const v = await verify(store);
        assert.equal(v.ok, false, "a mid-chain insertion passed verification");
        if (process.env.AIRLOCK_SHOW_PROBLEMS) console.log("a mid-chain insertion:", problems(v));
        assert.ok(v.problems.some((p) => p.kind === "anchor"), problems(v).join("\n"));
      } finally {
        await done(store);
      }
    });

    test("given a decision made after the scheduled anchor through a service that anchors each decision (the gateway's), when the superuser turns the rejection into an approval with every hash recomputed, then verify names the anchored head", async () => {
      const { store } = await given();
      try {
        const id = await rejectedLater(await serviceOf(store, true), 5);
        await turnAround(store, id);
        const v = await verify(store);
        assert.equal(v.ok, false, "a rewrite after the scheduled anchor passed verification");
        assert.deepEqual(v.problems.map((p) => p.kind), ["anchor"]);
      } finally {
        await done(store);
      }
    });

    test("given a decision after the newest anchor that was never anchored (the writer failed), when the superuser rewrites it and verify runs past the grace, then verify names the unanchored rows; within the grace it counts them", async () => {
      const { store } = await given();
      try {
        const id = await rejectedLater(await serviceOf(store, false), 6);
        await turnAround(store, id);
        const within = await verify(store);
        assert.deepEqual(problems(within), []);
        assert.equal(within.unanchored?.rows, 2);
        const later = await verify(store, new Date(Date.now() + UNANCHORED_GRACE_MS + 60_000));
        assert.deepEqual(later.problems.map((p) => p.kind), ["unanchored"]);
        assert.match(problems(later)[0]!, /^unanchored: 2 rows from row \d+ on, after the newest signed anchor \(row \d+, .+\), are older than 10 minutes: no signed head covers them/);
        // Dated ahead to stay inside the grace: named too.
        await asSuperuser(store.admin, (tx) => tx.query("UPDATE airlock.audit_log SET at = at + interval '1 day' WHERE seq = (SELECT max(seq) FROM airlock.audit_log)"));
        assert.ok((await verify(store)).problems.some((p) => p.kind === "unanchored" && p.message.includes("dated ahead")));
      } finally {
        await done(store);
      }
    });

    test("when the superuser rewrites the log from genesis and the schedule then anchors, then the writer refuses to sign the rewritten head and verify still fails", async () => {
      const { store, h } = await given();
      try {
        await turnAround(store, h.rejected);
        await assert.rejects(writeAnchor(store.service, at!), /^Error: refusing to sign the audit log's head: row \d+, the head of the newest anchor already written, has hash [0-9a-f]{12}…, not [0-9a-f]{12}…; the log was rewritten or cut since/);
        const v = await verify(store);
        assert.ok(v.problems.some((p) => p.kind === "anchor"), problems(v).join("\n"));
      } finally {
        await done(store);
      }
    });

    test("when the superuser rewrites the log from genesis turning the rejection into an approval (tables too), then verify fails", async () => {
      const { store, h } = await given();
      try {
        await asSuperuser(store.admin, async (tx) => {
          await tx.query("DELETE FROM airlock.approval_decisions WHERE request_id = $1", [h.rejected]);
          await tx.query("INSERT INTO airlock.approval_decisions (request_id, decision, decided_by, via, attempt_id, decided_at) SELECT id, 'approved', $2, 'http', gen_random_uuid(), decided_at FROM airlock.approval_requests WHERE id = $1", [h.rejected, APPROVER]);
          await tx.query("UPDATE airlock.approval_requests SET status = 'approved' WHERE id = $1", [h.rejected]);
        });
        await rewriteLog(store.admin, (rows) => rows.map((r) => (r.kind === "approval.decided" && r.requestId === h.rejected ? { ...r, payload: { ...r.payload, decision: "approved" } } : r)));
        const v = await verify(store);
        assert.equal(v.ok, false, "a rewrite from genesis passed verification");
        if (process.env.AIRLOCK_SHOW_PROBLEMS) console.log("a rewrite from genesis:", problems(v));
        assert.ok(v.problems.some((p) => p.kind === "anchor"), problems(v).join("\n"));
      } finally {
        await done(store);
      }
    });
  });
}
