/**
 * A request reaches approvers once. `chat.postMessage` is not idempotent, so the service's Slack
 * client never retries it (a 500 after Slack posted would post again); a post Slack accepted but
 * answered with a 500, or answered after the client's timeout, is found in the channel history
 * before the outbox retries; and two service instances asked for the same request id at once post
 * once (the one that stored the request holds its row; the other only looks for its message).
 * The production client (`createSlackClient`) against the Slack stand-in, on the embedded store.
 */
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ApprovalService, createSlackClient } from "../src/index.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, CHANNEL } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

describe("no duplicate Slack posts", () => {
  let store: Awaited<ReturnType<typeof freshPglite>>;
  const slack = new SlackReceiver();
  let url = "";
  let clock = new Date("2026-03-04T10:00:00.000Z");

  before(async () => {
    store = await freshPglite();
    url = await slack.start();
    slack.clock = () => clock;
  });
  after(async () => {
    await slack.stop();
    await store.dispose();
  });
  beforeEach(() => {
    slack.acceptThenFail = undefined;
    slack.acceptThenDelayMs = undefined;
    slack.holdPosts = undefined;
    slack.failWith = undefined;
  });

  const service = async (client = createSlackClient("xoxb-test-token-000000000000", { slackApiUrl: url, timeoutMs: 2_000 })) =>
    new ApprovalService({ db: store.db, model: await testModel(), release: "rel-dup", slack: { client, channel: CHANNEL, approvers: [APPROVER] }, now: () => clock, retry: { baseMs: 1_000, maxMs: 1_000 }, onWarning: () => {} });
  const messagesFor = (id: string) => slack.messages.filter((m) => (m.metadata as { event_payload?: { request_id?: string } } | undefined)?.event_payload?.request_id === id);
  const postsFor = (id: string) => slack.callsTo("chat.postMessage").filter((c) => (c.args.metadata as { event_payload?: { request_id?: string } } | undefined)?.event_payload?.request_id === id);
  const slackState = async (id: string) =>
    (await store.db.query<{ slack_state: string; slack_ts: string | null }>("SELECT slack_state, slack_ts FROM airlock.approval_requests WHERE id = $1", [id])).rows[0];

  test("given Slack answering 500, when the service's client posts, then chat.postMessage is sent once (the client does not retry it)", async () => {
    slack.failWith = 500;
    const client = createSlackClient("xoxb-test-token-000000000000", { slackApiUrl: url, timeoutMs: 2_000 });
    const before = slack.callsTo("chat.postMessage").length;
    await assert.rejects(client.chat.postMessage({ channel: CHANNEL, text: "once" }));
    assert.equal(slack.callsTo("chat.postMessage").length - before, 1);
  });

  test("given a post Slack accepted but answered 500, when the outbox retries, then the message is found in the history and recorded, not posted again", async () => {
    const s = await service();
    slack.acceptThenFail = 500;
    const r = await s.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-5001" } });
    assert.equal(r.status === "pending" && r.posted, false);
    const id = r.status === "pending" ? r.id : "";
    assert.equal(messagesFor(id).length, 1, "Slack holds the message the caller heard fail");
    slack.acceptThenFail = undefined;
    clock = new Date(clock.getTime() + 120_000);
    await s.flushOutbox();
    assert.equal(messagesFor(id).length, 1);
    assert.equal(postsFor(id).length, 1);
    assert.deepEqual(await slackState(id), { slack_state: "posted", slack_ts: messagesFor(id)[0]!.ts });
  });

  test("given a post Slack accepted but answered after the client's timeout, when the outbox retries, then it is found and not posted again", async () => {
    const s = await service(createSlackClient("xoxb-test-token-000000000000", { slackApiUrl: url, timeoutMs: 300 }));
    slack.acceptThenDelayMs = 1_500;
    const r = await s.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-5002" } });
    assert.equal(r.status === "pending" && r.posted, false);
    const id = r.status === "pending" ? r.id : "";
    slack.acceptThenDelayMs = undefined;
    clock = new Date(clock.getTime() + 120_000);
    await s.flushOutbox();
    assert.equal(messagesFor(id).length, 1);
    assert.equal(postsFor(id).length, 1);
    assert.equal((await slackState(id))?.slack_state, "posted");
  });

  test("given two service instances asked for the same request id at once, when the first post is still in flight, then the request is posted once", async () => {
    const [a, b] = [await service(), await service()];
    let release!: () => void;
    slack.holdPosts = new Promise<void>((r) => (release = r));
    const id = randomUUID();
    const action = { id, tool: "send_customer_reply", arguments: { ticket: "T-5003" } };
    const first = a.requestApproval(action);
    // The first instance's post is in flight (held by Slack) when the second is asked.
    while (postsFor(id).length === 0) await new Promise((r) => setImmediate(r));
    const second = await b.requestApproval(action);
    release();
    const firstResult = await first;
    assert.equal(firstResult.status === "pending" && firstResult.posted, true);
    assert.equal(second.status === "pending" && second.id, id);
    assert.equal(postsFor(id).length, 1);
    assert.equal(messagesFor(id).length, 1);
    // And the outbox of either instance has nothing left to post for it.
    clock = new Date(clock.getTime() + 120_000);
    await b.flushOutbox();
    await a.flushOutbox();
    assert.equal(postsFor(id).length, 1);
  });

  test("given a request decided before it reached Slack, when its outcome post is accepted but answered 500, then the retry finds that message and updates it instead of posting again", async () => {
    const s = await service();
    slack.failWith = 500;
    const r = await s.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-5005" } });
    const id = r.status === "pending" ? r.id : "";
    slack.failWith = undefined;
    slack.acceptThenFail = 500;
    const before = slack.messages.length;
    await s.decide({ requestId: id, decision: "rejected", actor: APPROVER, via: "api" });
    assert.equal(slack.messages.length - before, 1, "Slack holds the outcome message the caller heard fail");
    slack.acceptThenFail = undefined;
    clock = new Date(clock.getTime() + 120_000);
    await s.flushOutbox();
    assert.equal(slack.messages.length - before, 1, "no second outcome message");
    assert.equal(messagesFor(id).length, 1);
    assert.equal((await slackState(id))?.slack_state, "updated");
    assert.deepEqual(slack.callsTo("chat.update").filter((c) => c.args.ts === messagesFor(id)[0]!.ts).length, 1);
  });

  test("given many asks for one id across two instances, when they race, then Slack holds one message for it", async () => {
    const [a, b] = [await service(), await service()];
    const id = randomUUID();
    const action = { id, tool: "send_customer_reply", arguments: { ticket: "T-5004" } };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).requestApproval(action)));
    assert.ok(results.every((x) => x.status === "pending" && x.id === id));
    clock = new Date(clock.getTime() + 120_000);
    await Promise.all([a.flushOutbox(), b.flushOutbox()]);
    assert.equal(messagesFor(id).length, 1);
  });
});
