/**
 * Two agents behind one Slack app on the embedded store: the router hands each click to the
 * service of the agent whose request it is, and a service never decides or reads another agent's
 * request, even when called directly (a mis-wired router).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { AgentModel } from "@airlock/core";
import { ApprovalRouter, ApprovalService, readAudit, verifyAuditLog, type Database } from "../src/index.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, APPROVER_2, CHANNEL, blockAction, editSubmission } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { secondModel, testModel } from "./helpers/model.ts";

const BILLING_CHANNEL = "C0BILLING1";

interface DecisionRow {
  request_id: string;
  decision: string;
  decided_by: string;
  via: string;
}

describe("approval router: several agents behind one Slack app", () => {
  let store: Awaited<ReturnType<typeof freshPglite>>;
  let db: Database;
  let support: AgentModel;
  let billing: AgentModel;
  const slack = new SlackReceiver();
  let supportService: ApprovalService;
  let billingService: ApprovalService;
  let router: ApprovalRouter;

  const decisionRows = async (requestId: string) =>
    (await db.query<DecisionRow>("SELECT request_id::text, decision, decided_by, via FROM airlock.approval_decisions WHERE request_id = $1", [requestId])).rows;
  const auditOf = async (requestId: string) => (await readAudit(db)).filter((a) => a.requestId === requestId).map((a) => ({ kind: a.kind, agent: a.agent, actor: a.actor, payload: a.payload }));
  const pendingId = (r: Awaited<ReturnType<ApprovalService["requestApproval"]>>) => {
    assert.equal(r.status, "pending");
    return r.status === "pending" ? r.id : "";
  };

  before(async () => {
    store = await freshPglite();
    db = store.db;
    [support, billing] = await Promise.all([testModel(), secondModel()]);
    const url = await slack.start();
    supportService = new ApprovalService({ db, model: support, release: "rel-support-1", slack: { client: slack.client(url), channel: CHANNEL, approvers: [APPROVER] } });
    billingService = new ApprovalService({ db, model: billing, release: "rel-billing-1", slack: { client: slack.client(url), channel: BILLING_CHANNEL, approvers: [APPROVER_2] } });
    router = new ApprovalRouter({
      db,
      services: new Map([
        ["support-agent", supportService],
        ["billing-agent", billingService],
      ]),
    });
  });

  after(async () => {
    await slack.stop();
    await store.dispose();
  });

  test("an approver's click on their own agent's request is decided by that agent's service", async () => {
    // Given a request of the support agent
    const id = pendingId(await supportService.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-2001" } }));
    // When its approver clicks Approve through the router
    assert.deepEqual(await router.handleInteraction(blockAction(id, "airlock.approve", APPROVER), "http"), { status: 200 });
    // Then one decision is stored, and audited under the support agent
    assert.deepEqual(await decisionRows(id), [{ request_id: id, decision: "approved", decided_by: APPROVER, via: "http" }]);
    assert.deepEqual((await auditOf(id)).map((a) => [a.kind, a.agent, a.actor]), [
      ["approval.requested", "support-agent", "agent:support-agent"],
      ["approval.decided", "support-agent", APPROVER],
    ]);
    assert.equal(slack.callsTo("chat.update").at(-1)?.args.channel, CHANNEL);
  });

  test("another agent's approver is refused by the request's own agent; its own approver then decides", async () => {
    // Given a refund request of the billing agent, posted to the billing channel
    const id = pendingId(await billingService.requestApproval({ tool: "issue_refund", arguments: { order: "O-77", amount: 120 } }));
    assert.equal(slack.callsTo("chat.postMessage").at(-1)?.args.channel, BILLING_CHANNEL);
    const opened = slack.callsTo("views.open").length;
    // When the support agent's approver clicks Approve, then Edit, on it
    assert.deepEqual(await router.handleInteraction(blockAction(id, "airlock.approve", APPROVER), "http"), { status: 200 });
    assert.equal(slack.callsTo("chat.postEphemeral").at(-1)?.args.text, `Not recorded: <@${APPROVER}> is not an approver for billing-agent.`);
    await router.handleInteraction(blockAction(id, "airlock.edit", APPROVER), "socket-mode");
    // Then nothing is decided, no modal opens, and the billing agent's service audited both refusals
    assert.deepEqual(await decisionRows(id), []);
    assert.equal(slack.callsTo("views.open").length, opened);
    assert.deepEqual((await auditOf(id)).slice(1), [
      { kind: "approval.refused", agent: "billing-agent", actor: APPROVER, payload: { attempted: "approved", via: "http", reason: "not an approver" } },
      { kind: "approval.refused", agent: "billing-agent", actor: APPROVER, payload: { attempted: "edited", via: "socket-mode", reason: "not an approver" } },
    ]);
    // When the billing agent's approver approves it
    assert.deepEqual(await router.handleInteraction(blockAction(id, "airlock.approve", APPROVER_2), "http"), { status: 200 });
    // Then that decision is recorded
    assert.deepEqual(await decisionRows(id), [{ request_id: id, decision: "approved", decided_by: APPROVER_2, via: "http" }]);
    assert.deepEqual((await auditOf(id)).at(-1), { kind: "approval.decided", agent: "billing-agent", actor: APPROVER_2, payload: { decision: "approved", via: "http", release: "rel-billing-1" } });
    const update = slack.callsTo("chat.update").at(-1);
    assert.equal(update?.args.channel, BILLING_CHANNEL);
    assert.match(String(update?.args.text), /^Approved by <@U0APPROVER2>: billing.refund by billing-agent$/);
  });

  test("an edit submitted by another agent's approver is sent back and decides nothing", async () => {
    const id = pendingId(await billingService.requestApproval({ tool: "issue_refund", arguments: { order: "O-78", amount: 5 } }));
    const out = await router.handleInteraction(editSubmission(id, APPROVER, JSON.stringify({ order: "O-78", amount: 500 })), "http");
    assert.deepEqual(out, { status: 200, body: { response_action: "errors", errors: { "airlock.edit.arguments": `<@${APPROVER}> is not an approver for billing-agent` } } });
    assert.deepEqual(await decisionRows(id), []);
  });

  test("a click on an unknown request is answered as one service answers it, and nothing is written", async () => {
    const unknown = randomUUID();
    const seq = (await readAudit(db)).length;
    assert.deepEqual(await router.handleInteraction(blockAction(unknown, "airlock.approve", APPROVER_2), "http"), { status: 200 });
    assert.equal(slack.callsTo("chat.postEphemeral").at(-1)?.args.text, `Not recorded: no approval request ${unknown}.`);
    assert.deepEqual(await router.handleInteraction(blockAction("not-a-uuid", "airlock.reject", APPROVER), "http"), { status: 200 });
    assert.equal(slack.callsTo("chat.postEphemeral").at(-1)?.args.text, 'Not recorded: "not-a-uuid" is not a request id.');
    assert.deepEqual(await router.handleInteraction(editSubmission(unknown, APPROVER, "{}"), "http"), {
      status: 200,
      body: { response_action: "errors", errors: { "airlock.edit.arguments": `no approval request ${unknown}` } },
    });
    // A payload about no request at all, and one without a user, are answered like the service does
    assert.deepEqual(await router.handleInteraction({ type: "block_actions", user: { id: APPROVER }, actions: [{ action_id: "other" }] }, "http"), { status: 200 });
    assert.deepEqual(await router.handleInteraction({ type: "block_actions" }, "http"), { status: 400, body: { error: "payload has no user.id" } });
    assert.deepEqual(await decisionRows(unknown), []);
    assert.equal((await readAudit(db)).length, seq);
  });

  test("a service treats another agent's request as not found, even when called directly", async () => {
    // Given a billing request, decided by its approver
    const id = pendingId(await billingService.requestApproval({ tool: "issue_refund", arguments: { order: "O-79", amount: 9 } }));
    // When the support agent's service (whose approver list holds APPROVER) is asked to decide it
    assert.deepEqual(await supportService.decide({ requestId: id, decision: "approved", actor: APPROVER, via: "api" }), { outcome: "not-found", reason: `no approval request ${id}` });
    assert.deepEqual(await supportService.handleInteraction(blockAction(id, "airlock.approve", APPROVER), "http"), { status: 200 });
    assert.equal(slack.callsTo("chat.postEphemeral").at(-1)?.args.text, `Not recorded: no approval request ${id}.`);
    const opened = slack.callsTo("views.open").length;
    await supportService.handleInteraction(blockAction(id, "airlock.edit", APPROVER), "http");
    assert.equal(slack.callsTo("views.open").length, opened);
    // Then nothing was decided or audited beyond the request
    assert.deepEqual(await decisionRows(id), []);
    assert.deepEqual((await auditOf(id)).map((a) => a.kind), ["approval.requested"]);
    // And once billing's approver decides, only billing's service reads the decision
    assert.equal((await billingService.decide({ requestId: id, decision: "rejected", actor: APPROVER_2, via: "api" })).outcome, "recorded");
    assert.equal((await billingService.getDecision(id))?.decidedBy, APPROVER_2);
    assert.equal(await supportService.getDecision(id), undefined);
    assert.equal(await supportService.getRequest(id), undefined);
    assert.equal((await billingService.getRequest(id))?.status, "rejected");
  });

  test("an agent cannot claim another agent's request id, even for the same tool and arguments", async () => {
    const id = pendingId(await billingService.requestApproval({ tool: "issue_refund", arguments: { order: "O-80", amount: 1 } }));
    await assert.rejects(supportService.requestApproval({ id, tool: "issue_refund", arguments: { order: "O-80", amount: 1 } }), {
      name: "ApprovalError",
      message: `\`action.id\`: request ${id} already exists for a different action; use a new id for a new action`,
    });
    assert.equal((await billingService.getRequest(id))?.agent, "billing-agent");
  });

  test("the router refuses a service keyed under another agent's name, and an empty map", () => {
    assert.throws(() => new ApprovalRouter({ db, services: new Map([["billing-agent", supportService]]) }), {
      name: "ApprovalError",
      message: 'invalid approval router configuration:\n  `services`: the service under "billing-agent" serves agent "support-agent"; key each service by its agent\'s name',
    });
    assert.throws(() => new ApprovalRouter({ db, services: new Map() }), {
      message: "invalid approval router configuration:\n  `services`: give at least one agent's approval service",
    });
    assert.deepEqual(router.agents, ["support-agent", "billing-agent"]);
  });

  test("the audit chain over both agents verifies", async () => {
    const v = await verifyAuditLog(db);
    assert.deepEqual(v.problems, []);
    assert.ok(v.ok);
  });
});
