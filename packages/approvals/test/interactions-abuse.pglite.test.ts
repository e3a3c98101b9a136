/**
 * Signed but malformed interaction payloads and click floods. A payload Slack signed (so it passes
 * the signature check) whose fields have the wrong shapes is the sender's error: 400 with what is
 * wrong, never a 500 that tells Slack to retry and pages an operator; through the HTTP endpoint and
 * the gateway's function URL alike. And a person who is not an approver clicking again and again
 * is refused every time but audited once per request and minute, not one audit row per click.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { GATEWAY_CONFIG } from "@airlock/core/contracts";
import { ApprovalService, handleSlackHttpRequest, readAudit } from "../src/index.ts";
import { createGatewayHandler, parseGatewayConfig } from "../src/gateway/lambda.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, CHANNEL, SIGNING_SECRET, STRANGER, blockAction, signed } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

const ID = "0b4d9a8e-1c2f-4e3a-9b5d-6f7a8b9c0d1e";
const user = { id: APPROVER };

/** Payloads that parse as JSON but have fields of the wrong shape. */
const MALFORMED: Record<string, unknown> = {
  "actions is a string": { type: "block_actions", user, actions: "airlock.approve" },
  "actions is an object": { type: "block_actions", user, actions: { action_id: "airlock.approve", value: ID } },
  "actions is a number": { type: "block_actions", user, actions: 7 },
  "view is a string": { type: "view_submission", user, view: "airlock.edit" },
  "view.state.values is a list": { type: "view_submission", user, view: { callback_id: "airlock.edit", private_metadata: ID, state: { values: [1, 2] } } },
  "the edit's value is an object": { type: "view_submission", user, view: { callback_id: "airlock.edit", private_metadata: ID, state: { values: { "airlock.edit.arguments": { arguments: { value: { a: 1 } } } } } } },
  "private_metadata is a number": { type: "view_submission", user, view: { callback_id: "airlock.edit", private_metadata: 42, state: { values: { "airlock.edit.arguments": { arguments: { value: "{}" } } } } } },
  "user.id is a number": { type: "block_actions", user: { id: 5 }, actions: [{ action_id: "airlock.approve", value: ID }] },
  "type is a list": { type: ["block_actions"], user, actions: [] },
};

describe("malformed payloads and click floods", () => {
  let store: Awaited<ReturnType<typeof freshPglite>>;
  let service: ApprovalService;
  const slack = new SlackReceiver();
  let slackUrl = "";

  before(async () => {
    store = await freshPglite();
    slackUrl = await slack.start();
    service = new ApprovalService({ db: store.db, model: await testModel(), release: "rel-abuse", slack: { client: slack.client(slackUrl), channel: CHANNEL, approvers: [APPROVER] }, onWarning: () => {} });
  });
  after(async () => {
    await slack.stop();
    await store.dispose();
  });

  test("given signed payloads whose fields have the wrong shapes, when posted to the endpoint, then each is a 400 naming the field", async () => {
    const errors: unknown[] = [];
    for (const [name, payload] of Object.entries(MALFORMED)) {
      const req = signed(payload);
      const r = await handleSlackHttpRequest(service, { signingSecret: SIGNING_SECRET, onError: (e) => errors.push(e) }, { method: "POST", headers: req.headers, body: req.body });
      assert.equal(r.status, 400, `${name}: ${r.status} ${r.body}`);
      assert.match(r.body, /`(actions|view|view\.state\.values|view\.private_metadata|view\.state\.values\.airlock\.edit\.arguments\.arguments\.value|user\.id|type)`/, `${name}: ${r.body}`);
    }
    assert.deepEqual(errors, [], "no malformed payload is reported as an internal error");
  });

  test("given the same payloads through the gateway's function URL, when handled, then each is a 400", async () => {
    const model = await testModel();
    const config = parseGatewayConfig({ version: GATEWAY_CONFIG.version, agents: { [model.name]: { model, slack: { channelId: CHANNEL, approverIds: [APPROVER] } } } });
    const errors: string[] = [];
    const handler = createGatewayHandler({ config, db: store.db, slackClient: slack.client(slackUrl), signingSecret: SIGNING_SECRET, stack: "dev", log: () => {}, onError: (m) => errors.push(m), onWarning: () => {} });
    for (const [name, payload] of Object.entries(MALFORMED)) {
      const req = signed(payload);
      const r = (await handler({ version: "2.0", rawPath: "/", headers: req.headers, body: req.body, isBase64Encoded: false, requestContext: { http: { method: "POST", path: "/" } } })) as { statusCode: number };
      assert.equal(r.statusCode, 400, name);
    }
    // An agent's request whose arguments nest 20000 deep is refused naming the field (it overflowed the stack).
    let deep: unknown = "x";
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const ctx = { invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:airlock-approvals:${model.name}` };
    await assert.rejects(handler({ op: "request", release: "rel-abuse", action: { tool: "send_customer_reply", arguments: { deep } } }, ctx), {
      name: "ApprovalError",
      message: "`action.arguments`: nests deeper than 64 levels; pass flatter arguments",
    });
    // Text the store would alter (U+0000, a lone surrogate, in a value or a key) is refused naming the path.
    for (const [args, message] of [
      [{ to: "a\u0000b" }, "`action.arguments.to`: holds U+0000 or a lone UTF-16 surrogate, which cannot be stored or shown as it is; send valid Unicode text"],
      [{ list: [{ to: "x\uD800" }] }, "`action.arguments.list.0.to`: holds U+0000 or a lone UTF-16 surrogate, which cannot be stored or shown as it is; send valid Unicode text"],
      [{ "to\uDC00": "a", "to\uFFFD": "b" }, "`action.arguments`: a key holds U+0000 or a lone UTF-16 surrogate, which cannot be stored or shown as it is; send valid Unicode text"],
    ] as const) {
      await assert.rejects(handler({ op: "request", release: "rel-abuse", action: { tool: "send_customer_reply", arguments: args } }, ctx), { name: "ApprovalError", message });
    }
    // A function URL event whose body is not a string is refused the same way.
    const odd = (await handler({ version: "2.0", rawPath: "/", headers: {}, body: 12345, requestContext: { http: { method: "POST", path: "/" } } })) as { statusCode: number };
    assert.equal(odd.statusCode, 400);
    assert.deepEqual(errors, []);
  });

  test("given a stranger clicking Approve twenty times, when each click is handled, then each is refused and the audit holds one refusal for them", async () => {
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "T-8001" } });
    const id = r.status === "pending" ? r.id : "";
    for (let i = 0; i < 20; i++) {
      const out = await service.handleInteraction(blockAction(id, "airlock.approve", STRANGER), "http");
      assert.equal(out.status, 200);
    }
    const replies = slack.callsTo("chat.postEphemeral").filter((c) => c.args.user === STRANGER);
    assert.equal(replies.length, 20, "every click is answered");
    assert.ok(replies.every((c) => String(c.args.text).startsWith("Not recorded:")));
    assert.equal(await service.getDecision(id), undefined);
    const refused = (await readAudit(store.db)).filter((x) => x.kind === "approval.refused" && x.requestId === id);
    assert.deepEqual(refused.map((x) => x.actor), [STRANGER]);
    // Another person's first refused click, and the stranger's first Reject, are audited on their own.
    await service.handleInteraction(blockAction(id, "airlock.approve", "U0STRANGER8"), "http");
    await service.handleInteraction(blockAction(id, "airlock.reject", STRANGER), "http");
    await service.handleInteraction(blockAction(id, "airlock.reject", STRANGER), "http");
    const rows = (await readAudit(store.db)).filter((x) => x.kind === "approval.refused" && x.requestId === id);
    assert.deepEqual(rows.map((x) => [x.actor, x.payload.attempted]), [[STRANGER, "approved"], ["U0STRANGER8", "approved"], [STRANGER, "rejected"]]);
  });
});
