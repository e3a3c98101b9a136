/**
 * What approvers see, what is hashed and what the tool receives are one object, for every key
 * JSON can carry: `__proto__` (an own property after `JSON.parse`; a copy by assignment drops it),
 * `constructor`, `prototype`, at every depth and in arrays, keys that differ only in Unicode
 * normalisation, and raw JSON with a duplicate key. The action arrives as the gateway receives it
 * (an invocation parsed from JSON); the Slack message is read back from the Slack stand-in, the
 * hash from the audit log, and "what the tool receives" is the runtime's copy (JSON round trip)
 * whose hash `consume` must accept.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { canonicalJson, sha256 } from "@airlock/core/hash";
import { ApprovalService, readAudit } from "../src/index.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, CHANNEL, editSubmission } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

const hashOf = (v: unknown) => sha256(canonicalJson(v));
/** The runtime's copy of approved arguments (checkpoint.ts `jsonCopy`): what the tool is called with. */
const toolReceives = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

const SPECIAL = `{"ticket":"T-4242","body":"Hello",
  "__proto__":{"to":"everyone@acme.example","__proto__":{"cc":"all@acme.example"}},
  "constructor":{"prototype":{"isAdmin":true}},"prototype":"p","toString":"t",
  "attachments":[{"__proto__":{"url":"https://evil.example/x"}},[{"constructor":"c"}]]}`;

/** The JSON of the "*Arguments*" (or "*Edited arguments*") section of a posted message, parsed back. */
function shownArguments(blocks: unknown, title: string): unknown {
  const section = (blocks as { type: string; text?: { text: string } }[]).find((b) => b.type === "section" && b.text?.text.startsWith(title));
  assert.ok(section?.text, `the message has a "${title}" section`);
  const m = /```([\s\S]*)```/.exec(section.text.text);
  assert.ok(m?.[1], "the arguments are a code block");
  const unescaped = m[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  return JSON.parse(unescaped);
}

describe("one object for approvers, the hash and the tool, whatever its keys", () => {
  let store: Awaited<ReturnType<typeof freshPglite>>;
  let service: ApprovalService;
  const slack = new SlackReceiver();

  before(async () => {
    store = await freshPglite();
    const url = await slack.start();
    service = new ApprovalService({ db: store.db, model: await testModel(), release: "rel-keys", slack: { client: slack.client(url), channel: CHANNEL, approvers: [APPROVER] }, onWarning: () => {} });
  });
  after(async () => {
    await slack.stop();
    await store.dispose();
  });

  /** Asks through a gateway-style invocation parsed from raw JSON; returns the request id and the parsed arguments. */
  const ask = async (rawArguments: string): Promise<{ id: string; args: Record<string, unknown> }> => {
    const invocation = JSON.parse(`{"op":"request","release":"rel-keys","action":{"tool":"send_customer_reply","arguments":${rawArguments}}}`) as { action: { tool: string; arguments: Record<string, unknown> } };
    const r = await service.requestApproval(invocation.action);
    assert.equal(r.status, "pending");
    return { id: r.status === "pending" ? r.id : "", args: invocation.action.arguments };
  };
  const postedFor = (id: string) => {
    const call = slack.callsTo("chat.postMessage").find((c) => (c.args.metadata as { event_payload?: { request_id?: string } }).event_payload?.request_id === id);
    assert.ok(call, `request ${id} was posted`);
    return call.args;
  };

  test("given `__proto__`, `constructor` and `prototype` at every depth, when asked, approved and consumed, then Slack, the store, the audit hash and the tool's copy are the same object", async () => {
    const { id, args } = await ask(SPECIAL);
    assert.deepEqual(Object.keys(args), ["ticket", "body", "__proto__", "constructor", "prototype", "toString", "attachments"]);
    // What approvers see.
    assert.deepEqual(shownArguments(postedFor(id).blocks, "*Arguments*"), args);
    // What is stored and shown again on the outcome.
    assert.deepEqual((await service.getRequest(id))?.arguments, args);
    // What is hashed: the audit row's hash is of the whole object, not of the object without `__proto__`.
    const requested = (await readAudit(store.db)).find((r) => r.requestId === id && r.kind === "approval.requested");
    assert.deepEqual(requested?.payload.arguments, args);
    assert.equal(requested?.payload.argumentsHash, hashOf(args));
    const withoutProto = toolReceives(args);
    delete (withoutProto as { __proto__?: unknown }).__proto__;
    assert.notEqual(hashOf(withoutProto), hashOf(args));
    await service.decide({ requestId: id, decision: "approved", actor: APPROVER, via: "api" });
    // An object missing the `__proto__` key is not what was approved.
    const wrong = await service.consume({ requestId: id, argumentsHash: hashOf(withoutProto) });
    assert.equal(wrong.outcome === "refused" ? wrong.reason : wrong.outcome, "arguments-mismatch");
    // What the tool receives: the runtime's copy, whose hash is the approved one.
    const received = toolReceives(args);
    assert.deepEqual(received, args);
    const spent = await service.consume({ requestId: id, argumentsHash: hashOf(received) });
    assert.equal(spent.outcome, "executed");
  });

  test("given an edit whose JSON carries `__proto__` keys, when submitted, then the decision, the outcome message and the edit's hash are of the whole edit", async () => {
    const { id } = await ask('{"ticket":"T-4243","body":"Hi"}');
    const text = '{"ticket":"T-4243","body":"Hi","__proto__":{"to":"all@acme.example"},"list":[{"__proto__":1}]}';
    const edit = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(await service.handleInteraction(editSubmission(id, APPROVER, text), "http"), { status: 200 });
    const decision = await service.getDecision(id);
    assert.deepEqual(decision?.editedArguments, edit);
    const decided = (await readAudit(store.db)).find((r) => r.requestId === id && r.kind === "approval.decided");
    assert.equal(decided?.payload.editedArgumentsHash, hashOf(edit));
    assert.deepEqual(decided?.payload.editedArguments, edit);
    const update = slack.callsTo("chat.update").find((c) => c.args.ts === (postedFor(id) && (slack.messages.find((m) => (m.metadata as { event_payload: { request_id: string } }).event_payload.request_id === id)?.ts)));
    assert.ok(update, "the message was updated with the outcome");
    assert.deepEqual(shownArguments(update.args.blocks, "*Edited arguments*"), edit);
    assert.equal((await service.consume({ requestId: id, argumentsHash: hashOf(toolReceives(decision?.editedArguments)) })).outcome, "executed");
  });

  test("given two keys that differ only in Unicode normalisation, when asked, then both are shown, stored and hashed as two keys", async () => {
    const { id, args } = await ask('{"ticket":"T-4244","body":"x","caf\\u00e9":"one","cafe\\u0301":"two"}');
    assert.equal(Object.keys(args).length, 4);
    assert.deepEqual(shownArguments(postedFor(id).blocks, "*Arguments*"), args);
    assert.deepEqual((await service.getRequest(id))?.arguments, args);
    assert.equal((await service.getRequest(id))?.argumentsHash, hashOf(args));
  });

  test("given raw JSON with a duplicate key, when asked, then approvers see, and the hash covers, the one value every reader of the parsed object gets (the last)", async () => {
    const { id, args } = await ask('{"ticket":"T-4245","body":"harmless","body":"send the refund to acct 666"}');
    assert.deepEqual(args, { ticket: "T-4245", body: "send the refund to acct 666" });
    assert.deepEqual(shownArguments(postedFor(id).blocks, "*Arguments*"), args);
    assert.equal((await service.getRequest(id))?.argumentsHash, hashOf(toolReceives(args)));
  });
});
