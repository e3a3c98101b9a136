/**
 * The approval service end to end on the embedded store (PGlite, the default), with a local Slack
 * API receiver and the interactivity endpoint on a real node:http server on 127.0.0.1.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import type { AgentModel } from "@airlock/core";
import { ApprovalError, ApprovalService, createInteractivityHandler, readAudit, verifyAuditLog, type Database } from "../src/index.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, CHANNEL, SIGNING_SECRET, STRANGER, blockAction, editSubmission, post, signed } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

const GITHUB_TOKEN = `ghp_${"A1b2C3d4E5".repeat(4)}`;

describe("approval service on the embedded store", () => {
  let store: Awaited<ReturnType<typeof freshPglite>>;
  let db: Database;
  let model: AgentModel;
  const slack = new SlackReceiver();
  let slackUrl: string;
  let clock = new Date("2026-03-02T09:00:00.000Z");
  let service: ApprovalService;
  let server: Server;
  let endpoint: string;
  const warnings: string[] = [];

  before(async () => {
    store = await freshPglite();
    db = store.db;
    model = await testModel();
    slackUrl = await slack.start();
    service = new ApprovalService({
      db,
      model,
      release: "rel-2026-03-01.1",
      slack: { client: slack.client(slackUrl), channel: CHANNEL, approvers: [APPROVER] },
      traceUrl: (id) => `https://traces.example.com/t/${id}`,
      now: () => clock,
      onWarning: (m) => warnings.push(m),
    });
    server = createServer(createInteractivityHandler(service, { signingSecret: SIGNING_SECRET, onError: () => {} }));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/interactivity`;
  });

  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await slack.stop();
    await store.dispose();
  });

  test("a request is stored with secrets redacted, audited, and posted with its context and buttons", async () => {
    // Given an outward action whose risk line is `approve`, with a token among its arguments
    const before = slack.calls.length;
    // When the agent asks
    const r = await service.requestApproval({
      tool: "send_customer_reply",
      arguments: { ticket: "T-1001", body: `Use token ${GITHUB_TOKEN} to log in`, apiKey: "plain-secret-value" },
      traceId: "trace-abc",
    });
    // Then it is pending and posted
    assert.equal(r.status, "pending");
    assert.ok(r.status === "pending" && r.posted && r.actionType === "customer.reply" && r.tier === "approve");
    const stored = await service.getRequest(r.id);
    assert.deepEqual(stored?.arguments, { ticket: "T-1001", body: "Use token [REDACTED:GitHubToken] to log in", apiKey: "[REDACTED:key]" });
    assert.equal(stored?.slack.state, "posted");
    assert.equal(stored?.slack.channel, CHANNEL);
    const calls = slack.calls.slice(before);
    assert.deepEqual(calls.map((c) => c.method), ["chat.postMessage"]);
    const msg = calls[0]!.args;
    assert.equal(msg.channel, CHANNEL);
    const text = JSON.stringify(msg.blocks);
    assert.ok(!text.includes(GITHUB_TOKEN) && !text.includes("plain-secret-value"), "no secret reaches Slack");
    assert.match(text, /Approval needed: customer.reply/);
    assert.match(text, /\*Agent\*\\nsupport-agent/);
    assert.match(text, /rel-2026-03-01\.1/);
    assert.match(text, /<https:\/\/traces\.example\.com\/t\/trace-abc\|trace trace-abc>/);
    assert.match(text, /\[REDACTED:GitHubToken\]/);
    const actions = (msg.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((b) => b.type === "actions");
    assert.deepEqual(
      actions?.elements?.map((e) => [e.action_id, e.value]),
      [
        ["airlock.approve", r.id],
        ["airlock.reject", r.id],
        ["airlock.edit", r.id],
      ],
    );
    // And the audit log holds the request, without the secret
    const rows = (await readAudit(db)).filter((a) => a.requestId === r.id);
    assert.deepEqual(rows.map((a) => [a.kind, a.actionType, a.actor]), [["approval.requested", "customer.reply", "agent:support-agent"]]);
    assert.ok(!JSON.stringify(rows).includes(GITHUB_TOKEN));
  });

  test("an approver's signed click is recorded once and the message shows the outcome", async () => {
    // Given a posted request
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-1002", body: "Thanks!" } });
    assert.equal(r.status, "pending");
    const id = r.status === "pending" ? r.id : "";
    const before = slack.calls.length;
    // When the approver clicks Approve
    const res = await post(endpoint, signed(blockAction(id, "airlock.approve", APPROVER)));
    // Then the decision is stored and the Slack message is updated in place
    assert.equal(res.status, 200);
    const decision = await service.getDecision(id);
    assert.equal(decision?.decision, "approved");
    assert.equal(decision?.decidedBy, APPROVER);
    assert.equal(decision?.via, "http");
    assert.equal((await service.getRequest(id))?.status, "approved");
    const update = slack.calls.slice(before).find((c) => c.method === "chat.update");
    assert.ok(update, "chat.update was called");
    assert.equal(update.args.channel, CHANNEL);
    assert.match(String(update.args.text), new RegExp(`^Approved by <@${APPROVER}>: customer.reply by support-agent$`));
    assert.ok(!JSON.stringify(update.args.blocks).includes("airlock.approve"), "the buttons are gone");
    assert.equal((await service.getRequest(id))?.slack.state, "updated");
    // And a second click changes nothing and tells the clicker privately
    const again = await post(endpoint, signed(blockAction(id, "airlock.reject", APPROVER)));
    assert.equal(again.status, 200);
    assert.equal((await service.getDecision(id))?.decision, "approved");
    const eph = slack.callsTo("chat.postEphemeral").at(-1);
    assert.match(String(eph?.args.text), /^Already approved by <@U0APPROVER1>/);
    const decided = (await readAudit(db)).filter((a) => a.requestId === id && a.kind === "approval.decided");
    assert.equal(decided.length, 1);
    assert.deepEqual(decided[0]!.payload, { decision: "approved", via: "http", release: "rel-2026-03-01.1" });
  });

  test("a click from someone who is not an approver is refused, audited and decides nothing", async () => {
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-1003" } });
    const id = r.status === "pending" ? r.id : "";
    const res = await post(endpoint, signed(blockAction(id, "airlock.approve", STRANGER)));
    assert.equal(res.status, 200);
    assert.equal(await service.getDecision(id), undefined);
    assert.equal((await service.getRequest(id))?.status, "pending");
    const refused = (await readAudit(db)).filter((a) => a.requestId === id && a.kind === "approval.refused");
    assert.deepEqual(refused.map((a) => [a.actor, a.payload]), [[STRANGER, { attempted: "approved", via: "http", reason: "not an approver" }]]);
    assert.equal(slack.callsTo("chat.postEphemeral").at(-1)?.args.text, `Not recorded: <@${STRANGER}> is not an approver for support-agent.`);
  });

  test("Edit opens a modal; bad JSON and redacted values are sent back; a valid edit is recorded as edited", async () => {
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-1004", body: "Hello", token: "abc" } });
    const id = r.status === "pending" ? r.id : "";
    // When the approver clicks Edit, a modal opens with the (redacted) arguments
    await post(endpoint, signed(blockAction(id, "airlock.edit", APPROVER)));
    const open = slack.callsTo("views.open").at(-1);
    const view = open?.args.view as { private_metadata: string; blocks: { element?: { initial_value?: string } }[] };
    assert.equal(view.private_metadata, id);
    assert.deepEqual(JSON.parse(view.blocks[1]!.element!.initial_value!), { ticket: "T-1004", body: "Hello", token: "[REDACTED:key]" });
    // Then a submission that is not JSON is answered with the field's error
    const bad = await post(endpoint, signed(editSubmission(id, APPROVER, "{ticket:")));
    assert.equal(bad.status, 200);
    const badBody = JSON.parse(bad.body) as { response_action: string; errors: Record<string, string> };
    assert.equal(badBody.response_action, "errors");
    assert.match(badBody.errors["airlock.edit.arguments"]!, /^not valid JSON \(.+\); fix it and submit again$/);
    // And one still carrying a redacted value is refused
    const redacted = await post(endpoint, signed(editSubmission(id, APPROVER, JSON.stringify({ ticket: "T-1004", token: "[REDACTED:key]" }))));
    assert.equal(
      (JSON.parse(redacted.body) as { errors: Record<string, string> }).errors["airlock.edit.arguments"],
      "still contains a [REDACTED:…] value; replace it with the real value or reject the request instead",
    );
    assert.equal(await service.getDecision(id), undefined);
    // When a valid edit is submitted
    const ok = await post(endpoint, signed(editSubmission(id, APPROVER, JSON.stringify({ ticket: "T-1004", body: "Hello there" }))));
    assert.equal(ok.status, 200);
    assert.equal(ok.body, "");
    const d = await service.getDecision(id);
    assert.equal(d?.decision, "edited");
    assert.deepEqual(d?.editedArguments, { ticket: "T-1004", body: "Hello there" });
    assert.match(JSON.stringify(slack.callsTo("chat.update").at(-1)?.args.blocks), /Edited arguments/);
  });

  test("a Slack outage loses nothing: the request waits unposted and the outbox posts it later", async () => {
    // Given Slack answering 503
    slack.failWith = 503;
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-1005" } });
    // Then the request is stored and reported as not posted
    assert.ok(r.status === "pending" && r.posted === false);
    const stored = await service.getRequest(r.id);
    assert.equal(stored?.slack.state, "unposted");
    assert.equal(stored?.slack.attempts, 1);
    assert.match(stored?.slack.lastError ?? "", /^chat\.postMessage: .*503/);
    assert.match(warnings.at(-1) ?? "", new RegExp(`request ${r.id}: chat.postMessage: .*; retrying in 5 s`));
    // When Slack is back but the retry is not yet due, nothing is sent
    slack.failWith = undefined;
    assert.deepEqual(await service.flushOutbox(), { posted: 0, updated: 0, failed: 0 });
    // And once it is due the outbox posts it
    clock = new Date(clock.getTime() + 6_000);
    const flushed = await service.flushOutbox();
    assert.equal(flushed.posted, 1);
    assert.equal((await service.getRequest(r.id))?.slack.state, "posted");
    // And an outage at decision time leaves the outcome to the outbox too
    slack.failWith = 500;
    const d = await service.decide({ requestId: r.id, decision: "rejected", actor: APPROVER, via: "api" });
    assert.equal(d.outcome, "recorded");
    assert.equal((await service.getRequest(r.id))?.slack.state, "update-pending");
    slack.failWith = undefined;
    clock = new Date(clock.getTime() + 60_000);
    assert.deepEqual(await service.flushOutbox(), { posted: 0, updated: 1, failed: 0 });
    assert.equal((await service.getRequest(r.id))?.slack.state, "updated");
    assert.match(String(slack.callsTo("chat.update").at(-1)?.args.text), /^Rejected by <@U0APPROVER1>/);
  });

  test("auto-tier outward actions are audited and not asked; inward tools are neither", async () => {
    const before = slack.calls.length;
    assert.deepEqual(await service.requestApproval({ tool: "add_ticket_label", arguments: { label: "vip" } }), { status: "auto", actionType: "ticket.label" });
    assert.deepEqual(await service.requestApproval({ tool: "read_ticket", arguments: { id: "T-1" } }), { status: "auto" });
    assert.equal(slack.calls.length, before);
    const auto = (await readAudit(db)).filter((a) => a.kind === "action.auto");
    assert.deepEqual(auto.map((a) => [a.actionType, a.payload.tool]), [["ticket.label", "add_ticket_label"]]);
  });

  test("asking again with the same id returns the same request; another action under it is refused", async () => {
    const id = randomUUID();
    const first = await service.requestApproval({ id, tool: "send_customer_reply", arguments: { ticket: "T-1006" } });
    const posts = slack.callsTo("chat.postMessage").length;
    const second = await service.requestApproval({ id, tool: "send_customer_reply", arguments: { ticket: "T-1006" } });
    assert.deepEqual(second, first);
    assert.equal(slack.callsTo("chat.postMessage").length, posts, "not posted twice");
    assert.equal((await readAudit(db)).filter((a) => a.requestId === id && a.kind === "approval.requested").length, 1);
    await assert.rejects(service.requestApproval({ id, tool: "send_customer_reply", arguments: { ticket: "T-9999" } }), {
      name: "ApprovalError",
      message: `\`action.id\`: request ${id} already exists for a different action; use a new id for a new action`,
    });
  });

  test("bad input names the field and the fix", async () => {
    await assert.rejects(service.requestApproval({ tool: "wire_money", arguments: {} }), (e: unknown) => {
      assert.ok(e instanceof ApprovalError);
      assert.equal(
        e.message,
        '`action.tool`: "wire_money" is not a tool of agent support-agent; use one of: add_ticket_label, analyze_ticket_history, issue_refund, post_status_update, read_ticket, record_reply, search_knowledge_base, send_customer_reply, ticket_queue',
      );
      return true;
    });
    await assert.rejects(service.requestApproval({ tool: "send_customer_reply", arguments: [] as never }), { message: "`action.arguments`: must be an object of the tool call's named arguments" });
    await assert.rejects(service.requestApproval({ id: "42", tool: "send_customer_reply", arguments: {} }), { message: '`action.id`: "42" is not a UUID; omit it or pass crypto.randomUUID()' });
    assert.throws(
      () => new ApprovalService({ db, model, release: "", slack: { client: slack.client(slackUrl), channel: "", approvers: ["alice"] } }),
      {
        message:
          "invalid approval service configuration:\n  `release`: give the release id or image digest approvers should see\n  `slack.channel`: give the id of the channel requests are posted to (e.g. C0123ABCD)\n  `slack.approvers[0]`: \"alice\" is not a Slack user id; use the U… id from the user's profile, not a name",
      },
    );
  });

  test("the endpoint refuses a forged signature and a stale timestamp without touching the store", async () => {
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-1007" } });
    const id = r.status === "pending" ? r.id : "";
    const forged = await post(endpoint, signed(blockAction(id, "airlock.approve", APPROVER), { secret: "not-the-signing-secret" }));
    assert.deepEqual(forged, { status: 401, body: "unauthorised: signature does not match" });
    const stale = await post(endpoint, signed(blockAction(id, "airlock.approve", APPROVER), { at: Math.floor(Date.now() / 1000) - 301 }));
    assert.equal(stale.status, 401);
    assert.match(stale.body, /^unauthorised: request timestamp is 30[12] s old; at most 300 s is accepted$/);
    assert.equal(await service.getDecision(id), undefined);
  });

  test("the chain over everything written in this file verifies", async () => {
    const v = await verifyAuditLog(db);
    assert.deepEqual(v.problems, []);
    assert.ok(v.ok && v.rows > 10 && v.head !== null && v.head.seq === v.rows);
  });
});
