/**
 * Socket Mode: a real `SocketModeClient` gets its WebSocket URL from the local Slack API
 * (`apps.connections.open`), connects to a local WebSocket server playing Slack, receives
 * interaction envelopes and acknowledges them, on the same decision path as the HTTP endpoint.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel } from "@slack/socket-mode";
import { ApprovalService, createSocketMode, readAudit } from "../src/index.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { SocketModeServer } from "./helpers/ws-server.ts";
import { APPROVER, CHANNEL, STRANGER, blockAction, editSubmission } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

describe("Socket Mode", () => {
  const slack = new SlackReceiver();
  const ws = new SocketModeServer();
  let store: Awaited<ReturnType<typeof freshPglite>>;
  let service: ApprovalService;
  let client: ReturnType<typeof createSocketMode>;

  before(async () => {
    const slackUrl = await slack.start();
    slack.responses["apps.connections.open"] = { ok: true, url: await ws.start() };
    store = await freshPglite();
    service = new ApprovalService({
      db: store.db,
      model: await testModel(),
      release: "rel-9",
      slack: { client: slack.client(slackUrl), channel: CHANNEL, approvers: [APPROVER] },
      onWarning: () => {},
    });
    client = createSocketMode(service, { appToken: "xapp-1-A111-222-abcdef0123456789abcd", slackApiUrl: slackUrl, logLevel: LogLevel.ERROR });
    // Given the client connected with the app token
    await client.start();
    assert.equal(ws.connections, 1);
    assert.equal(slack.callsTo("apps.connections.open")[0]?.token, "xapp-1-A111-222-abcdef0123456789abcd");
  });

  after(async () => {
    await client.disconnect();
    await ws.stop();
    await slack.stop();
    await store.dispose();
  });

  test("an Approve click over the socket is acknowledged and recorded with via socket-mode", async () => {
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "S-1" } });
    const id = r.status === "pending" ? r.id : "";
    // When Slack pushes the click
    ws.push({ envelope_id: "env-1", type: "interactive", payload: blockAction(id, "airlock.approve", APPROVER), accepts_response_payload: false });
    // Then the client acknowledges the envelope once the decision is stored
    await ws.waitFor((m) => m.envelope_id === "env-1");
    const d = await service.getDecision(id);
    assert.equal(d?.decision, "approved");
    assert.equal(d?.via, "socket-mode");
    assert.match(String(slack.callsTo("chat.update").at(-1)?.args.text), /^Approved by <@U0APPROVER1>/);
  });

  test("a stranger's click is acknowledged, refused and audited", async () => {
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "S-2" } });
    const id = r.status === "pending" ? r.id : "";
    ws.push({ envelope_id: "env-2", type: "interactive", payload: blockAction(id, "airlock.reject", STRANGER) });
    await ws.waitFor((m) => m.envelope_id === "env-2");
    assert.equal(await service.getDecision(id), undefined);
    const refused = (await readAudit(store.db)).filter((a) => a.requestId === id && a.kind === "approval.refused");
    assert.deepEqual(refused.map((a) => a.actor), [STRANGER]);
  });

  test("an invalid edit is answered in the ack with the modal's errors", async () => {
    const r = await service.requestApproval({ tool: "send_customer_reply", arguments: { ticket: "S-3" } });
    const id = r.status === "pending" ? r.id : "";
    ws.push({ envelope_id: "env-3", type: "interactive", payload: editSubmission(id, APPROVER, "[1, 2]"), accepts_response_payload: true });
    const ack = await ws.waitFor((m) => m.envelope_id === "env-3");
    assert.deepEqual(ack, {
      envelope_id: "env-3",
      payload: { response_action: "errors", errors: { "airlock.edit.arguments": "must be a JSON object of named arguments" } },
    });
    assert.equal(await service.getDecision(id), undefined);
  });
});
