/**
 * A receipt's single use (`consume`) on the embedded store: an approved request runs once, with
 * exactly the approved (or edited) arguments, within the receipt's lifetime, and a second service
 * instance on the same store (another process) is refused as the first is; every execution and
 * refusal is in the audit log, whose chain still verifies.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { APPROVAL_RECEIPT, GATEWAY_CONFIG, GATEWAY_OPS } from "@airlock/core/contracts";
import { canonicalJson, sha256 } from "@airlock/core/hash";
import { ApprovalError, ApprovalService, readAudit, verifyAuditLog, type Database } from "../src/index.ts";
import { createGatewayHandler, type GatewayConfig } from "../src/gateway/lambda.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, APPROVER_2, CHANNEL, SIGNING_SECRET } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { secondModel, testModel } from "./helpers/model.ts";

const hashOf = (args: unknown) => sha256(canonicalJson(args));

describe("consume: an approval executes once", () => {
  let store: Awaited<ReturnType<typeof freshPglite>>;
  let db: Database;
  const slack = new SlackReceiver();
  let clock = new Date("2026-03-02T09:00:00.000Z");
  let service: ApprovalService;
  /** A second instance on the same store: another process of the gateway. */
  let other: ApprovalService;

  const make = async () =>
    new ApprovalService({
      db,
      model: await testModel(),
      release: "rel-9",
      slack: { client: slack.client(await slackUrl), channel: CHANNEL, approvers: [APPROVER] },
      now: () => clock,
      onWarning: () => {},
    });
  let slackUrl: Promise<string>;

  before(async () => {
    store = await freshPglite();
    db = store.db;
    slackUrl = slack.start();
    service = await make();
    other = await make();
  });
  after(async () => {
    await slack.stop();
    await store.dispose();
  });

  async function decided(args: Record<string, unknown>, decision: "approved" | "rejected" | "edited", editedArguments?: Record<string, unknown>): Promise<string> {
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: args });
    assert.equal(r.status, "pending");
    const id = r.status === "pending" ? r.id : "";
    const d = await service.decide({ requestId: id, decision, actor: APPROVER, via: "api", ...(editedArguments === undefined ? {} : { editedArguments }) });
    assert.equal(d.outcome, "recorded");
    return id;
  }

  test("an approved request executes once; the same receipt is refused by this instance and by another", async () => {
    // Given an approved request
    const args = { ticket: "T-501", body: "Your refund is on its way." };
    const id = await decided(args, "approved");
    // When the agent consumes it with the approved arguments' hash
    const first = await service.consume({ requestId: id, argumentsHash: hashOf(args) });
    // Then it is recorded as executed
    assert.equal(first.outcome, "executed");
    // Dated by the database (as the decision is), not by the service's clock.
    const [stored] = (await db.query<{ executed_at: Date | string }>("SELECT executed_at FROM airlock.approval_requests WHERE id = $1", [id])).rows;
    const executedAt = new Date(stored!.executed_at).toISOString();
    assert.equal(first.outcome === "executed" && first.executedAt, executedAt);
    assert.notEqual(executedAt, clock.toISOString());
    // And a second use, here or from another instance, is refused and records nothing
    const again = await service.consume({ requestId: id, argumentsHash: hashOf(args) });
    const elsewhere = await other.consume({ requestId: id, argumentsHash: hashOf(args) });
    for (const r of [again, elsewhere]) {
      assert.deepEqual(r, {
        outcome: "refused",
        requestId: id,
        reason: "already-executed",
        message: `request ${id} was executed at ${executedAt}; an approval runs once, ask again for a new call`,
      });
    }
    const [row] = (await db.query<{ executed_at: Date | string; executed_hash: string }>("SELECT executed_at, executed_hash FROM airlock.approval_requests WHERE id = $1", [id])).rows;
    assert.equal(row?.executed_hash, hashOf(args));
    const audit = (await readAudit(db)).filter((a) => a.requestId === id);
    assert.deepEqual(
      audit.map((a) => [a.kind, a.actor, a.payload.reason ?? a.payload.decision ?? null]),
      [
        ["approval.requested", "agent:support-agent", null],
        ["approval.decided", APPROVER, "approved"],
        ["approval.executed", "agent:support-agent", "approved"],
        ["approval.execution-refused", "agent:support-agent", "already-executed"],
        ["approval.execution-refused", "agent:support-agent", "already-executed"],
      ],
    );
    assert.equal((await verifyAuditLog(db)).ok, true);
  });

  test("ten consumes at once from two instances execute exactly one", async () => {
    const args = { ticket: "T-502", body: "Done." };
    const id = await decided(args, "approved");
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? service : other).consume({ requestId: id, argumentsHash: hashOf(args) })));
    assert.equal(results.filter((r) => r.outcome === "executed").length, 1);
    assert.deepEqual([...new Set(results.filter((r) => r.outcome === "refused").map((r) => r.outcome === "refused" && r.reason))], ["already-executed"]);
    assert.equal((await readAudit(db)).filter((a) => a.requestId === id && a.kind === "approval.executed").length, 1);
  });

  test("other arguments than the approved ones are refused, and the approval stays usable", async () => {
    const args = { ticket: "T-503", body: "Approved text." };
    const id = await decided(args, "approved");
    const tampered = await service.consume({ requestId: id, argumentsHash: hashOf({ ...args, body: "Something else." }) });
    assert.equal(tampered.outcome === "refused" && tampered.reason, "arguments-mismatch");
    assert.match(tampered.outcome === "refused" ? tampered.message : "", /are not the approved arguments of request/);
    assert.equal((await service.consume({ requestId: id, argumentsHash: hashOf(args) })).outcome, "executed");
  });

  test("an edited request runs the approver's arguments, never the agent's originals", async () => {
    const original = { ticket: "T-504", body: "We will refund 500 EUR." };
    const edited = { ticket: "T-504", body: "We will refund 50 EUR." };
    const id = await decided(original, "edited", edited);
    const withOriginal = await service.consume({ requestId: id, argumentsHash: hashOf(original) });
    assert.equal(withOriginal.outcome === "refused" && withOriginal.reason, "arguments-mismatch");
    assert.match(withOriginal.outcome === "refused" ? withOriginal.message : "", /approver's edited arguments/);
    assert.equal((await service.consume({ requestId: id, argumentsHash: hashOf(edited) })).outcome, "executed");
  });

  test("a rejected or pending request is not approved; an unknown id is not found and not audited", async () => {
    const rejected = await decided({ ticket: "T-505", body: "x" }, "rejected");
    const r = await service.consume({ requestId: rejected, argumentsHash: hashOf({ ticket: "T-505", body: "x" }) });
    assert.equal(r.outcome === "refused" && r.reason, "not-approved");
    const p = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-506" } });
    const pendingId = p.status === "pending" ? p.id : "";
    const q = await service.consume({ requestId: pendingId, argumentsHash: hashOf({ ticket: "T-506" }) });
    assert.deepEqual(q.outcome === "refused" && [q.reason, q.message], ["not-approved", `request ${pendingId} is still pending; only an approved or edited request runs`]);
    const unknown = "00000000-0000-4000-8000-000000000000";
    const before = (await readAudit(db)).length;
    assert.equal((await service.consume({ requestId: unknown, argumentsHash: "a".repeat(64) })).outcome, "refused");
    assert.equal((await readAudit(db)).length, before);
  });

  test("an approval older than the receipt's lifetime (on the database's clock) is expired, whatever the service's clock says", async () => {
    const args = { ticket: "T-507", body: "Late." };
    const id = await decided(args, "approved");
    // The decision is dated by the database: move it back past the window, as time would.
    const back = `${APPROVAL_RECEIPT.ttlSeconds + 1} seconds`;
    const decidedAt = await db.transaction(async (tx) => {
      await tx.query("SET LOCAL session_replication_role = replica");
      await tx.query(`UPDATE airlock.approval_decisions SET decided_at = decided_at - interval '${back}' WHERE request_id = $1`, [id]);
      await tx.query(`UPDATE airlock.approval_requests SET decided_at = decided_at - interval '${back}' WHERE id = $1`, [id]);
      const { rows } = await tx.query<{ decided_at: Date | string }>("SELECT decided_at FROM airlock.approval_decisions WHERE request_id = $1", [id]);
      return new Date(rows[0]!.decided_at);
    });
    const r = await service.consume({ requestId: id, argumentsHash: hashOf(args) });
    assert.deepEqual(r.outcome === "refused" && [r.reason, r.message], [
      "expired",
      `the approval of request ${id} expired at ${new Date(decidedAt.getTime() + APPROVAL_RECEIPT.ttlSeconds * 1000).toISOString()}; ask again`,
    ]);
  });

  test("a malformed hash or id is the caller's error", async () => {
    await assert.rejects(service.consume({ requestId: "not-a-uuid", argumentsHash: "a".repeat(64) }), ApprovalError);
    await assert.rejects(service.consume({ requestId: "00000000-0000-4000-8000-000000000000", argumentsHash: "ABC" }), {
      message: "`argumentsHash`: give sha256 of the canonical JSON of the arguments about to run (64 lowercase hex characters)",
    });
  });

  test("the store records an execution once, whoever writes it", async () => {
    const args = { ticket: "T-508", body: "Once." };
    const id = await decided(args, "approved");
    await service.consume({ requestId: id, argumentsHash: hashOf(args) });
    await assert.rejects(db.query("UPDATE airlock.approval_requests SET executed_hash = $2 WHERE id = $1", [id, "b".repeat(64)]), /an execution is recorded once/);
    await assert.rejects(db.query("UPDATE airlock.approval_requests SET executed_at = NULL, executed_hash = NULL WHERE id = $1", [id]), /an execution is recorded once/);
    // And a pending request cannot be marked executed at all
    const p = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-509" } });
    await assert.rejects(
      db.query("UPDATE airlock.approval_requests SET executed_at = now(), executed_hash = $2 WHERE id = $1", [p.status === "pending" ? p.id : "", "c".repeat(64)]),
      /approval_requests_executed_if_approved/,
    );
  });
});

describe("consume through the gateway handler", () => {
  test("is the agent's own: another agent's approved request is not found through its alias", async () => {
    const store = await freshPglite();
    const slack = new SlackReceiver();
    const url = await slack.start();
    try {
      const support = await testModel();
      const billing = await secondModel();
      const config = JSON.parse(
        JSON.stringify({
          version: GATEWAY_CONFIG.version,
          agents: {
            "support-agent": { model: support, slack: { channelId: CHANNEL, approverIds: [APPROVER] } },
            "billing-agent": { model: billing, slack: { channelId: "C0BILLING1", approverIds: [APPROVER_2] } },
          },
        }),
      ) as GatewayConfig;
      const handler = createGatewayHandler({ config, db: store.db, slackClient: slack.client(url), signingSecret: SIGNING_SECRET, stack: "dev", log: () => {}, onWarning: () => {} });
      const arn = (alias: string) => ({ invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:airlock-approvals:${alias}` });
      const args = { order: "O-9", amount: 40 };
      const r = (await handler({ op: GATEWAY_OPS.request, release: "rel-b", action: { tool: "issue_refund", arguments: args } }, arn("billing-agent"))) as { id: string };
      const billingService = new ApprovalService({ db: store.db, model: billing, release: "x", slack: { client: slack.client(url), channel: "C0BILLING1", approvers: [APPROVER_2] }, onWarning: () => {} });
      assert.equal((await billingService.decide({ requestId: r.id, decision: "approved", actor: APPROVER_2, via: "api" })).outcome, "recorded");
      // When the support agent tries to consume the billing agent's approval
      const stolen = await handler({ op: GATEWAY_OPS.consume, requestId: r.id, argumentsHash: hashOf(args) }, arn("support-agent"));
      // Then it is not found there, and the billing agent can still use it once
      assert.deepEqual(stolen, { outcome: "refused", requestId: r.id, reason: "not-found", message: `no approval request ${r.id} of this agent` });
      assert.equal(((await handler({ op: GATEWAY_OPS.consume, requestId: r.id, argumentsHash: hashOf(args) }, arn("billing-agent"))) as { outcome: string }).outcome, "executed");
      assert.equal(((await handler({ op: GATEWAY_OPS.consume, requestId: r.id, argumentsHash: hashOf(args) }, arn("billing-agent"))) as { reason: string }).reason, "already-executed");
      await assert.rejects(handler({ op: GATEWAY_OPS.consume, requestId: r.id, argumentsHash: hashOf(args) }), /not through an agent's alias/);
    } finally {
      await slack.stop();
      await store.dispose();
    }
  });
});
