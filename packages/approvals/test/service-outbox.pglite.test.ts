/**
 * The outbox never posts a request twice: a post Slack accepted but the store never recorded (the
 * process died, or the UPDATE failed, between the two) is found again in the channel history by
 * its message metadata, and its ts is recorded instead of posting again. On the embedded store,
 * with the local Slack API receiver serving `conversations.history` from the messages it accepted.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ApprovalService, type Database } from "../src/index.ts";
import { RECEIVER_BOT_ID, SlackReceiver, type SlackCall, type SlackMessage } from "./helpers/slack-receiver.ts";
import { APPROVER, CHANNEL } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

interface Row {
  slack_state: string;
  slack_channel: string | null;
  slack_ts: string | null;
  slack_attempts: number;
  slack_last_error: string | null;
  slack_next_attempt_at: Date | string | null;
  created_at: Date | string;
}

describe("the outbox does not post a request twice", () => {
  let store: Awaited<ReturnType<typeof freshPglite>>;
  let service: ApprovalService;
  const slack = new SlackReceiver();
  let clock = new Date("2026-03-03T10:00:00.000Z");
  const warnings: string[] = [];
  /** While above zero, the UPDATE that records a posted message's ts throws (the crash after the post). */
  let loseRecords = 0;
  /** The request of the bounded-lookup test, the one allowed a second message. */
  let buried = "";

  before(async () => {
    store = await freshPglite();
    const db = store.db;
    const query: Database["query"] = async (sql, params) => {
      if (loseRecords > 0 && /SET slack_channel = \$2, slack_ts = \$3/.test(sql)) {
        loseRecords--;
        throw new Error("connection lost before the message ts was written");
      }
      return db.query(sql, params);
    };
    const wrapped: Database = { kind: db.kind, query, exec: (sql) => db.exec(sql), transaction: (fn) => db.transaction(fn), close: () => db.close() };
    slack.clock = () => clock;
    const url = await slack.start();
    service = new ApprovalService({
      db: wrapped,
      model: await testModel(),
      release: "rel-2026-03-03.1",
      slack: { client: slack.client(url), channel: CHANNEL, approvers: [APPROVER] },
      now: () => clock,
      onWarning: (m) => warnings.push(m),
    });
  });

  after(async () => {
    await slack.stop();
    await store.dispose();
  });

  const row = async (id: string): Promise<Row> => {
    const { rows } = await store.db.query<Row>(
      "SELECT slack_state, slack_channel, slack_ts, slack_attempts, slack_last_error, slack_next_attempt_at, created_at FROM airlock.approval_requests WHERE id = $1",
      [id],
    );
    assert.ok(rows[0], `request ${id} is stored`);
    return rows[0];
  };
  const requestId = (m: { metadata: unknown } | { args: Record<string, unknown> }): unknown =>
    ((("args" in m ? m.args.metadata : m.metadata) as { event_payload?: { request_id?: unknown } } | undefined)?.event_payload?.request_id);
  /** Every chat.postMessage the service sent for the request (accepted or not). */
  const postsFor = (id: string): SlackCall[] => slack.callsTo("chat.postMessage").filter((c) => requestId(c) === id);
  /** The request's messages Slack accepted from this service's bot. */
  const messagesFor = (id: string): SlackMessage[] => slack.messages.filter((m) => m.botId === RECEIVER_BOT_ID && requestId(m) === id);
  const pending = async (ticket: string, id?: string): Promise<string> => {
    const r = await service.requestApproval({ ...(id === undefined ? {} : { id }), tool: "send_customer_reply", arguments: { ticket } });
    assert.equal(r.status, "pending");
    return r.status === "pending" ? r.id : "";
  };
  /** The request whose first post reached Slack but whose ts was never recorded. */
  const lostRecord = async (ticket: string): Promise<string> => {
    loseRecords = 1;
    const id = await pending(ticket);
    assert.equal(loseRecords, 0, "the record of the first post failed");
    return id;
  };
  /** Past the first retry delay (5 s), so the outbox takes the request. */
  const retryDue = () => {
    clock = new Date(clock.getTime() + 6_000);
  };

  /** Runs the outbox once with history pages of one message; returns the history calls it made. */
  const retryWithPagesOfOne = async (): Promise<SlackCall[]> => {
    slack.historyPageSize = 1;
    const historyBefore = slack.callsTo("conversations.history").length;
    try {
      retryDue();
      assert.deepEqual(await service.flushOutbox(), { posted: 1, updated: 0, failed: 0 });
    } finally {
      slack.historyPageSize = undefined;
    }
    return slack.callsTo("conversations.history").slice(historyBefore);
  };

  test("a request's message carries metadata naming the request and its agent", async () => {
    // When a request is posted
    const id = await pending("T-3001");
    // Then chat.postMessage carried the metadata, and the row records the message Slack accepted
    const [call] = postsFor(id);
    assert.deepEqual(call?.args.metadata, { event_type: "airlock_approval_request", event_payload: { request_id: id, agent: "support-agent" } });
    const [message] = messagesFor(id);
    const r = await row(id);
    assert.deepEqual([r.slack_state, r.slack_channel, r.slack_ts], ["posted", CHANNEL, message?.ts]);
    // And the first attempt does not read the history (nothing can be there yet)
    assert.deepEqual(slack.callsTo("conversations.history"), []);
  });

  test("a post whose ts was never recorded is found in the history and recorded, not posted again", async () => {
    // Given a request Slack accepted while the store lost the ts (the state a crash leaves)
    const id = await lostRecord("T-3002");
    const [first] = messagesFor(id);
    assert.ok(first, "Slack accepted the first post");
    const lost = await row(id);
    assert.deepEqual([lost.slack_state, lost.slack_ts, lost.slack_attempts], ["unposted", null, 1]);
    assert.match(lost.slack_last_error ?? "", /^chat\.postMessage: connection lost before the message ts was written$/);
    const historyBefore = slack.callsTo("conversations.history").length;
    // When the outbox retries it
    retryDue();
    assert.deepEqual(await service.flushOutbox(), { posted: 1, updated: 0, failed: 0 });
    // Then it looked the message up from shortly before the request, with metadata
    const lookups = slack.callsTo("conversations.history").slice(historyBefore);
    assert.equal(lookups.length, 1);
    const createdSeconds = new Date(lost.created_at).getTime() / 1000;
    assert.deepEqual(lookups[0]!.args, { channel: CHANNEL, oldest: (createdSeconds - 300).toFixed(6), include_all_metadata: "true", limit: "200" });
    // And recorded the first message exactly as a successful post does, without posting again
    assert.equal(postsFor(id).length, 1);
    const r = await row(id);
    assert.deepEqual(
      [r.slack_state, r.slack_channel, r.slack_ts, r.slack_attempts, r.slack_last_error, r.slack_next_attempt_at],
      ["posted", CHANNEL, first.ts, 2, null, null],
    );
    // And the decision updates that very message
    await service.decide({ requestId: id, decision: "approved", actor: APPROVER, via: "api" });
    const update = slack.callsTo("chat.update").at(-1);
    assert.deepEqual([update?.args.channel, update?.args.ts], [CHANNEL, first.ts]);
    assert.equal((await row(id)).slack_state, "updated");
  });

  test("asking again with the same id after a lost record finds the message instead of posting", async () => {
    // Given a request whose first post was accepted but not recorded, and an agent that restarts
    const id = await lostRecord("T-3003");
    const [first] = messagesFor(id);
    // When the agent asks again under the same id
    assert.deepEqual(await service.requestApproval({ id, tool: "send_customer_reply", arguments: { ticket: "T-3003" } }), {
      status: "pending",
      id,
      actionType: "customer.reply",
      tier: "approve",
      posted: true,
    });
    // Then there is still one message, and it is recorded
    assert.equal(postsFor(id).length, 1);
    const r = await row(id);
    assert.deepEqual([r.slack_state, r.slack_ts], ["posted", first?.ts]);
  });

  test("a decision on a request whose ts was lost updates its message instead of posting the outcome beside it", async () => {
    // Given a request Slack accepted while the store lost the ts
    const id = await lostRecord("T-3020");
    const [first] = messagesFor(id);
    const postsBefore = slack.callsTo("chat.postMessage").length;
    // When an approver decides it (its buttons are in the channel)
    assert.equal((await service.decide({ requestId: id, decision: "rejected", actor: APPROVER, via: "api" })).outcome, "recorded");
    // Then that message is updated in place, and nothing new is posted
    assert.equal(slack.callsTo("chat.postMessage").length, postsBefore);
    const update = slack.callsTo("chat.update").at(-1);
    assert.deepEqual([update?.args.channel, update?.args.ts], [CHANNEL, first?.ts]);
    assert.match(String(update?.args.text), /^Rejected by <@U0APPROVER1>/);
    const r = await row(id);
    assert.deepEqual([r.slack_state, r.slack_channel, r.slack_ts, r.slack_last_error], ["updated", CHANNEL, first?.ts, null]);
  });

  test("another app's message carrying the request's metadata is not taken for the request's post", async () => {
    // Given a request Slack accepted while the store lost the ts, and another app that copied its
    // metadata into a message of its own, later in the channel
    const id = await lostRecord("T-3010");
    const [first] = messagesFor(id);
    assert.ok(first);
    slack.messages.push({ channel: CHANNEL, ts: `${Math.floor(clock.getTime() / 1000) + 1}.999999`, text: "spoof", metadata: first.metadata, botId: "B0OTHERAPP" });
    // When the outbox retries it
    retryDue();
    await service.flushOutbox();
    // Then the bot's own message is recorded, not the other app's
    assert.equal((await row(id)).slack_ts, first.ts);
    assert.ok(slack.callsTo("auth.test").length >= 1, "the service asked who it is");
  });

  test("a request Slack never received is posted once by the outbox", async () => {
    // Given Slack down at the first attempt
    slack.failWith = 503;
    const id = await pending("T-3004");
    slack.failWith = undefined;
    assert.deepEqual(messagesFor(id), []);
    assert.equal((await row(id)).slack_state, "unposted");
    const callsBefore = slack.calls.length;
    // When the outbox retries
    retryDue();
    assert.deepEqual(await service.flushOutbox(), { posted: 1, updated: 0, failed: 0 });
    // Then it looked, found nothing, and posted once
    assert.deepEqual(slack.calls.slice(callsBefore).map((c) => c.method), ["conversations.history", "chat.postMessage"]);
    const messages = messagesFor(id);
    assert.equal(messages.length, 1);
    const r = await row(id);
    assert.deepEqual([r.slack_state, r.slack_channel, r.slack_ts, r.slack_attempts, r.slack_last_error], ["posted", CHANNEL, messages[0]!.ts, 2, null]);
  });

  test("without the history scope the outbox still posts, and warns once naming the scope", async () => {
    // Given a Slack app without channels:history
    slack.responses["conversations.history"] = { ok: false, error: "missing_scope", needed: "channels:history", provided: "chat:write" };
    try {
      slack.failWith = 503;
      const a = await pending("T-3005");
      const b = await pending("T-3006");
      slack.failWith = undefined;
      const warned = warnings.length;
      const historyBefore = slack.callsTo("conversations.history").length;
      // When the outbox retries both
      retryDue();
      assert.deepEqual(await service.flushOutbox(), { posted: 2, updated: 0, failed: 0 });
      // Then both were posted and recorded
      for (const id of [a, b]) {
        const [message] = messagesFor(id);
        const r = await row(id);
        assert.deepEqual([r.slack_state, r.slack_ts], ["posted", message?.ts]);
      }
      // And one warning named the missing scope and the risk
      assert.deepEqual(warnings.slice(warned), [
        "airlock approvals: the Slack app lacks the channels:history scope (conversations.history answered missing_scope), so the outbox cannot see whether a request it retries was already posted; " +
          "until channels:history is granted, approvers may see a request twice. Requests are still posted.",
      ]);
      assert.equal(slack.callsTo("conversations.history").length - historyBefore, 2, "each retry still tried the lookup");
    } finally {
      delete slack.responses["conversations.history"];
    }
  });

  test("the message is found on the second page of the history", async () => {
    // Given a lost record, then a newer message in the channel
    const id = await lostRecord("T-3007");
    const [first] = messagesFor(id);
    const newer = await pending("T-3008");
    assert.equal(messagesFor(newer).length, 1);
    // When the outbox retries, reading pages of one message
    const lookups = await retryWithPagesOfOne();
    // Then it read two pages, the second through the first page's cursor
    assert.equal(lookups.length, 2);
    assert.equal(lookups[0]!.args.cursor, undefined);
    assert.equal(lookups[1]!.args.cursor, Buffer.from("next_ts_offset:1").toString("base64"));
    // And recorded the first message without posting again
    assert.equal(postsFor(id).length, 1);
    const r = await row(id);
    assert.deepEqual([r.slack_state, r.slack_ts], ["posted", first?.ts]);
  });

  test("a lookup is bounded: the message is searched at most five pages back, then posted", async () => {
    // Given a lost record buried under newer messages, one per page
    const id = await lostRecord("T-3009");
    buried = id;
    for (let i = 0; i < 5; i++) await pending(`T-301${i}`);
    const lookups = await retryWithPagesOfOne();
    // Then five pages were read and, not found there, the request was posted again
    assert.equal(lookups.length, 5);
    const messages = messagesFor(id);
    assert.equal(messages.length, 2);
    assert.equal((await row(id)).slack_ts, messages[1]!.ts);
  });

  test("every request of this file ends posted or updated, recording its latest accepted message", async () => {
    const { rows } = await store.db.query<{ id: string; slack_state: string; slack_ts: string }>("SELECT id, slack_state, slack_ts FROM airlock.approval_requests ORDER BY created_at");
    assert.equal(rows.length, 16);
    for (const r of rows) {
      assert.ok(["posted", "updated"].includes(r.slack_state), `${r.id} is ${r.slack_state}`);
      assert.equal(messagesFor(r.id).at(-1)?.ts, r.slack_ts);
    }
    // Only the request buried deeper than the bounded lookup reached approvers twice.
    assert.deepEqual(rows.filter((r) => messagesFor(r.id).length !== 1).map((r) => r.id), [buried]);
  });
});
