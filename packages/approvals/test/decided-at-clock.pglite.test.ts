/**
 * A decision is dated by the database's clock (migration 0004: `airlock.record_decision` takes
 * `clock_timestamp()` inside the SECURITY DEFINER function), never by the writer's: a service whose
 * clock says a month ago, or one calling the function with a date of its choosing, still records
 * the decision as of now, so its approval's execution window and the evidence cannot be moved.
 * Before 0004 the decision row and the request's `decided_at` took the caller's date.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ApprovalService } from "../src/index.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, CHANNEL } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

const DAY = 86_400_000;
const slack = new SlackReceiver();
let store: Awaited<ReturnType<typeof freshPglite>>;
let slackUrl: string;
before(async () => {
  store = await freshPglite();
  slackUrl = await slack.start();
});
after(async () => {
  await slack.stop();
  await store.dispose();
});

const rowsOf = async (id: string) => {
  const d = await store.db.query<{ decided_at: Date | string }>("SELECT decided_at FROM airlock.approval_decisions WHERE request_id = $1", [id]);
  const r = await store.db.query<{ decided_at: Date | string | null }>("SELECT decided_at FROM airlock.approval_requests WHERE id = $1", [id]);
  return { decision: new Date(d.rows[0]!.decided_at), request: new Date(r.rows[0]!.decided_at!) };
};

test("given a service whose clock says 30 days ago, when it records a decision, then the decision row, the request and the answer are dated by the database", async () => {
  const service = new ApprovalService({ db: store.db, model: await testModel(), release: "rel-1", slack: { client: slack.client(slackUrl), channel: CHANNEL, approvers: [APPROVER] }, now: () => new Date(Date.now() - 30 * DAY), onWarning: () => {} });
  const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-1" } });
  assert.equal(r.status, "pending");
  if (r.status !== "pending") return;
  const started = Date.now();
  const out = await service.decide({ requestId: r.id, decision: "approved", actor: APPROVER, via: "http" });
  assert.equal(out.outcome, "recorded");
  const { decision, request } = await rowsOf(r.id);
  assert.ok(decision.getTime() >= started - 1000, `the decision took the writer's date: ${decision.toISOString()}`);
  assert.equal(request.toISOString(), decision.toISOString());
  if (out.outcome === "recorded") assert.equal(out.decision.decidedAt.toISOString(), decision.toISOString());
  assert.equal((await service.getDecision(r.id))?.decidedAt.toISOString(), decision.toISOString());
});

test("given the service role, when it calls airlock.record_decision with a date of its own, then the date is ignored and the database's is stored", async () => {
  const service = new ApprovalService({ db: store.db, model: await testModel(), release: "rel-1", slack: { client: slack.client(slackUrl), channel: CHANNEL, approvers: [APPROVER] }, onWarning: () => {} });
  const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-2" } });
  if (r.status !== "pending") return assert.fail("not pending");
  const chosen = new Date(Date.now() - 30 * DAY).toISOString();
  const started = Date.now();
  await store.db.transaction(async (tx) => {
    await tx.query("SET LOCAL ROLE airlock_approvals_service");
    await tx.query("SELECT airlock.record_decision($1, 'approved', $2, NULL, 'http', gen_random_uuid(), $3, $3)", [r.id, APPROVER, chosen]);
  });
  const { decision, request } = await rowsOf(r.id);
  assert.ok(decision.getTime() >= started - 1000, `the caller chose the decision's date: ${decision.toISOString()}`);
  assert.equal(request.toISOString(), decision.toISOString());
});
