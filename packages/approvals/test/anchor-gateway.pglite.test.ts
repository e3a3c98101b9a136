/**
 * The gateway's `{ op: "anchor" }` on the embedded store, with KMS and S3 stand-ins: the schedule
 * (an unqualified invocation) writes a signed head that verifies; an agent's alias may not; a
 * gateway without an anchor says which variables to set.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { AUDIT_ANCHOR, GATEWAY_CONFIG, GATEWAY_OPS } from "@airlock/core/contracts";
import { publicKeyObjectKey, readLatestAnchor, verifyAuditLog, type AnchorLocation } from "../src/index.ts";
import { createGatewayHandler, type GatewayConfig, type GatewayHandler } from "../src/gateway/lambda.ts";
import { KmsStandIn, S3StandIn } from "./helpers/aws-standins.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, CHANNEL, SIGNING_SECRET } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { testModel } from "./helpers/model.ts";

const FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:airlock-approvals";

describe("the gateway's anchor operation", () => {
  const slack = new SlackReceiver();
  const kms = new KmsStandIn();
  const s3 = new S3StandIn("gateway-anchors");
  let store: Awaited<ReturnType<typeof freshPglite>>;
  let at: AnchorLocation;
  let slackUrl: string;
  const handler = async (anchor: AnchorLocation | undefined): Promise<GatewayHandler> => {
    const model = await testModel();
    const config = JSON.parse(JSON.stringify({ version: GATEWAY_CONFIG.version, agents: { "support-agent": { model, slack: { channelId: CHANNEL, approverIds: [APPROVER] } } } })) as GatewayConfig;
    return createGatewayHandler({ config, db: store.db, slackClient: slack.client(slackUrl), signingSecret: SIGNING_SECRET, stack: "dev", log: () => {}, onError: () => {}, onWarning: () => {}, ...(anchor === undefined ? {} : { anchor }) });
  };
  before(async () => {
    await Promise.all([kms.start(), s3.start()]);
    slackUrl = await slack.start();
    store = await freshPglite();
    at = { s3: s3.client(), kms: kms.client(), bucket: s3.bucket, keyId: kms.createKey().arn };
  });
  after(async () => {
    await Promise.all([kms.stop(), s3.stop(), slack.stop(), store.dispose()]);
  });

  test("given the schedule's invocation, when a request was made, then the head after it is signed, written and verifies", async () => {
    const h = await handler(at);
    const r = (await h({ op: GATEWAY_OPS.request, release: "rel-1", action: { tool: "send_customer_reply", arguments: { ticket: "T-1" } } }, { invokedFunctionArn: `${FUNCTION}:support-agent` })) as { status: string };
    assert.equal(r.status, "pending");
    const reply = (await h({ op: GATEWAY_OPS.anchor }, { invokedFunctionArn: FUNCTION })) as { anchored: { sequence: number; key: string } };
    assert.equal(reply.anchored.sequence, 1);
    // The anchor, and the signing key's public key beside it (for verifying once the key is gone).
    assert.deepEqual(s3.versions.map((v) => v.key), [reply.anchored.key, publicKeyObjectKey(AUDIT_ANCHOR.prefix, at.keyId)]);
    const read = await readLatestAnchor(at);
    assert.deepEqual(read.problems, []);
    assert.deepEqual((await verifyAuditLog(store.db, { anchor: read.anchor! })).problems, []);
  });

  test("when an agent invokes the anchor operation through its alias, then it is refused and nothing is written", async () => {
    const h = await handler(at);
    const before = s3.versions.length;
    await assert.rejects(h({ op: GATEWAY_OPS.anchor }, { invokedFunctionArn: `${FUNCTION}:support-agent` }), {
      message: 'the `anchor` operation is the gateway schedule\'s; it was invoked through "support-agent", and agents may not write audit anchors',
    });
    assert.equal(s3.versions.length, before);
  });

  test("given a gateway without an anchor, the operation names the variables to set", async () => {
    const h = await handler(undefined);
    await assert.rejects(h({ op: GATEWAY_OPS.anchor }, { invokedFunctionArn: FUNCTION }), {
      message: "the gateway has no audit anchor: set `AIRLOCK_AUDIT_ANCHOR_BUCKET` and `AIRLOCK_AUDIT_ANCHOR_KEY_ID` (the ApprovalGateway component sets them)",
    });
  });
});
