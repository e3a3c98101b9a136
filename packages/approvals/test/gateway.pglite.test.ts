/**
 * The approval gateway's Lambda handler for two agents, without AWS: `createGatewayHandler` on the
 * embedded store, a local Slack API receiver, and Lambda events and contexts as AWS sends them.
 */
import { GATEWAY_CONFIG } from "@airlock/core/contracts";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentModel } from "@airlock/core";
import { readAudit, type Database, type DecisionRecord, type QueryResult, type RequestApprovalResult } from "../src/index.ts";
import { createGatewayHandler, parseGatewayConfig, pendingMetricLine, readGatewayConfig, type GatewayConfig, type GatewayHandler } from "../src/gateway/lambda.ts";
import { SlackReceiver } from "./helpers/slack-receiver.ts";
import { APPROVER, APPROVER_2, CHANNEL, SIGNING_SECRET, blockAction, signed, type SignedRequest } from "./helpers/slack-requests.ts";
import { freshPglite } from "./helpers/stores.ts";
import { secondModel, testModel } from "./helpers/model.ts";

const BILLING_CHANNEL = "C0BILLING1";
const FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:airlock-approvals";
const viaAlias = (alias: string) => ({ invokedFunctionArn: `${FUNCTION_ARN}:${alias}` });
const HOW = `invoke the approval gateway through your agent's alias, ${FUNCTION_ARN}:<agent-name>`;

/** A Lambda function URL event carrying a signed Slack request. */
function urlEvent(req: SignedRequest, base64 = false) {
  return {
    version: "2.0",
    rawPath: "/",
    headers: req.headers,
    body: base64 ? Buffer.from(req.body, "utf8").toString("base64") : req.body,
    isBase64Encoded: base64,
    requestContext: { http: { method: "POST", path: "/" } },
  };
}

/** gateway.json as the Pulumi side writes it: each model as JSON under the agent's name. */
function gatewayConfig(support: AgentModel, billing: AgentModel): GatewayConfig {
  return JSON.parse(
    JSON.stringify({
      version: GATEWAY_CONFIG.version,
      agents: {
        "support-agent": { model: support, slack: { channelId: CHANNEL, approverIds: [APPROVER] } },
        "billing-agent": { model: billing, slack: { channelId: BILLING_CHANNEL, approverIds: [APPROVER_2] } },
      },
    }),
  ) as GatewayConfig;
}

interface Harness {
  readonly db: Database;
  readonly handler: GatewayHandler;
  readonly lines: string[];
  readonly errors: string[];
  dispose(): Promise<void>;
}

describe("approval gateway handler for several agents", () => {
  const slack = new SlackReceiver();
  let slackUrl: string;
  let config: GatewayConfig;
  let clock = new Date("2026-03-02T09:00:00.000Z");
  const harnesses: Harness[] = [];

  async function harness(wrap: (db: Database) => Database = (db) => db): Promise<Harness> {
    const store = await freshPglite();
    const lines: string[] = [];
    const errors: string[] = [];
    const handler = createGatewayHandler({
      config,
      db: wrap(store.db),
      slackClient: slack.client(slackUrl),
      signingSecret: SIGNING_SECRET,
      stack: "dev",
      namespace: "Airlock/Test",
      log: (line) => lines.push(line),
      onError: (message, e) => errors.push(`${message} ${(e as Error).message}`),
      onWarning: () => {},
      now: () => clock,
    });
    const h = { db: store.db, handler, lines, errors, dispose: () => store.dispose() };
    harnesses.push(h);
    return h;
  }

  const requestRows = async (db: Database) =>
    (await db.query<{ id: string; agent: string; release: string; tool: string; slack_channel: string | null }>(
      "SELECT id::text, agent, release, tool, slack_channel FROM airlock.approval_requests ORDER BY agent DESC, created_at",
    )).rows;
  const pendingId = (r: unknown) => {
    const res = r as RequestApprovalResult;
    assert.equal(res.status, "pending");
    return res.status === "pending" ? res.id : "";
  };

  before(async () => {
    slackUrl = await slack.start();
    config = gatewayConfig(await testModel(), await secondModel());
  });

  after(async () => {
    for (const h of harnesses) await h.dispose();
    await slack.stop();
  });

  describe("direct invocations and Slack clicks on one store", () => {
    let h: Harness;
    let supportId: string;
    let billingId: string;

    before(async () => {
      h = await harness();
    });

    test("a request through an agent's alias is stored as that agent's, whatever the event claims", async () => {
      // When each agent asks through its own alias (the support agent's event naming the other agent)
      supportId = pendingId(
        await h.handler({ op: "request", release: "rel-support-7", agent: "billing-agent", action: { tool: "send_customer_reply", arguments: { ticket: "T-3001" } } }, viaAlias("support-agent")),
      );
      billingId = pendingId(await h.handler({ op: "request", release: "rel-billing-3", action: { tool: "issue_refund", arguments: { order: "O-1", amount: 40 } } }, viaAlias("billing-agent")));
      // Then each request is stored under the alias's agent and posted to that agent's channel
      assert.deepEqual(await requestRows(h.db), [
        { id: supportId, agent: "support-agent", release: "rel-support-7", tool: "send_customer_reply", slack_channel: CHANNEL },
        { id: billingId, agent: "billing-agent", release: "rel-billing-3", tool: "issue_refund", slack_channel: BILLING_CHANNEL },
      ]);
      assert.deepEqual(
        (await readAudit(h.db)).map((a) => [a.kind, a.agent, a.requestId, a.actor]),
        [
          ["approval.requested", "support-agent", supportId, "agent:support-agent"],
          ["approval.requested", "billing-agent", billingId, "agent:billing-agent"],
        ],
      );
    });

    test("an unqualified, $LATEST, version or unknown-alias invocation is refused and stores nothing", async () => {
      const before = await requestRows(h.db);
      const ask = { op: "request", release: "rel-1", action: { tool: "issue_refund", arguments: { order: "O-2" } } };
      await assert.rejects(h.handler(ask, { invokedFunctionArn: FUNCTION_ARN }), {
        name: "ApprovalError",
        message: `the approval gateway was invoked as "${FUNCTION_ARN}", not through an agent's alias; ${HOW}`,
      });
      await assert.rejects(h.handler(ask, viaAlias("$LATEST")), { message: `the approval gateway was invoked as "${FUNCTION_ARN}:$LATEST", not through an agent's alias; ${HOW}` });
      await assert.rejects(h.handler({ op: "decision", requestId: billingId }, viaAlias("12")), { message: `the approval gateway was invoked as "${FUNCTION_ARN}:12", not through an agent's alias; ${HOW}` });
      await assert.rejects(h.handler(ask, viaAlias("newsletter-agent")), {
        message: `the approval gateway was invoked through alias "newsletter-agent", which is not an agent in gateway.json; ${HOW}`,
      });
      await assert.rejects(h.handler(ask), {
        message: "the approval gateway was invoked as an unknown ARN, not through an agent's alias; invoke the approval gateway through your agent's alias, arn:aws:lambda:<region>:<account>:function:<gateway>:<agent-name>",
      });
      // And malformed operations name the field
      await assert.rejects(h.handler({ op: "request", action: ask.action }, viaAlias("billing-agent")), { message: "`release`: the agent's release id (AIRLOCK_RELEASE) is required" });
      await assert.rejects(h.handler({ op: "approve", requestId: billingId }, viaAlias("billing-agent")), { message: '`op`: "approve" is not an operation of the approval gateway; use one of: "request", "decision", "consume"' });
      assert.deepEqual(await requestRows(h.db), before);
    });

    test("signed Slack clicks through the function URL are decided by the request's agent", async () => {
      // When the support agent's approver clicks Approve on the billing agent's request
      const refused = await h.handler(urlEvent(signed(blockAction(billingId, "airlock.approve", APPROVER)), true), { invokedFunctionArn: FUNCTION_ARN });
      // Then the billing agent's service refuses it: audited, no decision
      assert.deepEqual(refused, { statusCode: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "" });
      assert.deepEqual((await h.db.query("SELECT request_id FROM airlock.approval_decisions WHERE request_id = $1", [billingId])).rows, []);
      const refusals = (await readAudit(h.db, { kinds: ["approval.refused"] })).map((a) => [a.agent, a.requestId, a.actor, a.payload]);
      assert.deepEqual(refusals, [["billing-agent", billingId, APPROVER, { attempted: "approved", via: "http", reason: "not an approver" }]]);
      // When each agent's own approver approves
      const a = await h.handler(urlEvent(signed(blockAction(billingId, "airlock.approve", APPROVER_2))), { invokedFunctionArn: FUNCTION_ARN });
      const b = await h.handler(urlEvent(signed(blockAction(supportId, "airlock.reject", APPROVER))), { invokedFunctionArn: FUNCTION_ARN });
      assert.equal((a as { statusCode: number }).statusCode, 200);
      assert.equal((b as { statusCode: number }).statusCode, 200);
      // Then both decisions are recorded, each by the right approver
      const decisions = await h.db.query<{ request_id: string; decision: string; decided_by: string }>("SELECT request_id::text, decision, decided_by FROM airlock.approval_decisions ORDER BY decided_by");
      assert.deepEqual(decisions.rows, [
        { request_id: supportId, decision: "rejected", decided_by: APPROVER },
        { request_id: billingId, decision: "approved", decided_by: APPROVER_2 },
      ]);
      // And a forged signature is refused before anything is read
      const forged = await h.handler(urlEvent(signed(blockAction(billingId, "airlock.reject", APPROVER_2), { secret: "not-the-signing-secret" })));
      assert.deepEqual(forged, { statusCode: 401, headers: { "content-type": "text/plain; charset=utf-8" }, body: "unauthorised: signature does not match" });
    });

    test("an agent reads its own decisions and null for another agent's", async () => {
      const own = (await h.handler({ op: "decision", requestId: billingId }, viaAlias("billing-agent"))) as DecisionRecord;
      // Dated by the database's clock (migration 0004), not the gateway's.
      const [row] = (await h.db.query<{ decided_at: Date | string }>("SELECT decided_at FROM airlock.approval_decisions WHERE request_id = $1", [billingId])).rows;
      assert.deepEqual({ ...own, decidedAt: own.decidedAt.toISOString() }, { requestId: billingId, decision: "approved", decidedBy: APPROVER_2, via: "http", decidedAt: new Date(row!.decided_at).toISOString() });
      assert.equal(await h.handler({ op: "decision", requestId: billingId }, viaAlias("support-agent")), null);
      assert.equal(((await h.handler({ op: "decision", requestId: supportId }, viaAlias("support-agent"))) as DecisionRecord).decision, "rejected");
      assert.equal(await h.handler({ op: "decision", requestId: supportId }, viaAlias("billing-agent")), null);
    });
  });

  test("the schedule flushes every agent's outbox and logs one metric line per agent", async () => {
    const h = await harness();
    // Given one request per agent that could not be posted (Slack down)
    slack.failWith = 503;
    const s = pendingId(await h.handler({ op: "request", release: "r1", action: { tool: "send_customer_reply", arguments: { ticket: "T-4001" } } }, viaAlias("support-agent")));
    const b = pendingId(await h.handler({ op: "request", release: "r1", action: { tool: "issue_refund", arguments: { order: "O-9" } } }, viaAlias("billing-agent")));
    slack.failWith = undefined;
    const posts = slack.callsTo("chat.postMessage").length;
    // When the schedule runs once the retry is due
    clock = new Date(clock.getTime() + 90_000);
    const out = await h.handler({ source: "aws.events", "detail-type": "Scheduled Event" }, { invokedFunctionArn: FUNCTION_ARN });
    // Then both requests are posted, each to its agent's channel
    assert.deepEqual(out, { pending: 2 });
    assert.deepEqual(slack.callsTo("chat.postMessage").slice(posts).map((c) => c.args.channel), [CHANNEL, BILLING_CHANNEL]);
    assert.deepEqual((await requestRows(h.db)).map((r) => [r.id, r.agent, r.slack_channel]), [
      [s, "support-agent", CHANNEL],
      [b, "billing-agent", BILLING_CHANNEL],
    ]);
    // And one EMF line per agent of this stack says how many wait and for how long
    const metric = (agent: string) => ({
      _aws: {
        Timestamp: clock.getTime(),
        CloudWatchMetrics: [{ Namespace: "Airlock/Test", Dimensions: [["Stack", "Agent"]], Metrics: [{ Name: "OldestPendingSeconds", Unit: "Seconds" }, { Name: "PendingApprovals", Unit: "Count" }] }],
      },
      Stack: "dev",
      Agent: agent,
      OldestPendingSeconds: 90,
      PendingApprovals: 1,
    });
    assert.deepEqual(h.lines.map((l) => JSON.parse(l) as unknown), [metric("support-agent"), metric("billing-agent")]);
    assert.deepEqual(h.errors, []);
  });

  test("one agent's failing scheduled run does not stop the others, and fails the invocation", async () => {
    // Given a store whose queries for the billing agent fail
    const h = await harness((db) => {
      const failing = async <T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> => {
        if (params?.includes("billing-agent") === true) throw new Error("connection to the billing shard lost");
        return db.query<T>(sql, params);
      };
      return {
        kind: db.kind,
        query: failing,
        exec: (sql) => db.exec(sql),
        transaction: (fn) => db.transaction((tx) => fn({ query: async (sql, params) => (params?.includes("billing-agent") === true ? failing(sql, params) : tx.query(sql, params)), exec: (sql) => tx.exec(sql) })),
        close: () => db.close(),
      } as Database;
    });
    // When the schedule runs
    await assert.rejects(h.handler({ source: "aws.events" }), {
      message: "scheduled run failed for 1 of 2 agents (billing-agent); the other agents were served; see the log for each error",
    });
    // Then the support agent was still measured, and each billing failure was reported
    assert.deepEqual(h.lines.map((l) => (JSON.parse(l) as { Agent: string; PendingApprovals: number }).Agent), ["support-agent"]);
    assert.deepEqual(h.errors, [
      "airlock approvals: outbox run for agent billing-agent failed: connection to the billing shard lost",
      "airlock approvals: pending summary for agent billing-agent failed: connection to the billing shard lost",
    ]);
  });

  test("pendingMetricLine keeps its EMF format, keyed by stack and agent", () => {
    assert.equal(
      pendingMetricLine({ agent: "support-agent", stack: "prod", namespace: "Airlock/Approvals" }, { count: 2, oldestAgeSeconds: 75 }, 1764000000000),
      '{"_aws":{"Timestamp":1764000000000,"CloudWatchMetrics":[{"Namespace":"Airlock/Approvals","Dimensions":[["Stack","Agent"]],"Metrics":[{"Name":"OldestPendingSeconds","Unit":"Seconds"},{"Name":"PendingApprovals","Unit":"Count"}]}]},"Stack":"prod","Agent":"support-agent","OldestPendingSeconds":75,"PendingApprovals":2}',
    );
  });

  test("a gateway that does not know its stack refuses to start, rather than write a metric no alarm reads", async () => {
    const { db } = harnesses[0] ?? (await harness());
    assert.throws(() => createGatewayHandler({ config, db, slackClient: slack.client(slackUrl), signingSecret: SIGNING_SECRET, stack: "" }), {
      message: "`stack`: give the stack the gateway belongs to (the ApprovalGateway component sets `AIRLOCK_STACK`); it keys the pending-approvals metric",
    });
  });

  test("gateway.json is checked at boot; every bad field is named with its fix", async () => {
    const support = config.agents["support-agent"]!;
    const bad = {
      version: 1,
      agents: {
        "support-agent": { model: { ...support.model, name: "support" }, slack: { channelId: "#approvals", approverIds: ["U0APPROVER1", "alice"] } },
        "billing-agent": { model: config.agents["billing-agent"]!.model, slack: { channelId: BILLING_CHANNEL, approverIds: [] } },
        "42": { model: "support-agent", slack: { channelId: CHANNEL, approverIds: [APPROVER] } },
      },
    };
    const expected = [
      "invalid gateway.json:",
      "`version`: is 1, this gateway reads version 2; deploy the gateway bundle and gateway.json from the same airlock release",
      '`agents.42`: "42" cannot name a Lambda alias; use the agent\'s kebab-case name',
      "`agents.42.model`: must be the agent's compiled model (with `name`, `tools` and `riskLines`)",
      '`agents.support-agent.model.name`: is "support"; it must equal the agent\'s key "support-agent" (the name of the agent\'s alias)',
      '`agents.support-agent.slack.channelId`: "#approvals" is not a Slack channel id; use the C… id from the channel\'s details, not its name',
      '`agents.support-agent.slack.approverIds[1]`: "alice" is not a Slack user id; use the U… id from the user\'s profile, not a name',
      "`agents.billing-agent.slack.approverIds`: lists no approver; give at least one Slack user id (U…) allowed to decide",
    ].join("\n  ");
    assert.throws(() => parseGatewayConfig(bad), { name: "ApprovalError", message: expected });
    // The handler refuses the same file
    const { db } = harnesses[0]!;
    assert.throws(() => createGatewayHandler({ config: bad as never, db, slackClient: slack.client(slackUrl), signingSecret: SIGNING_SECRET, stack: "dev" }), { message: expected });
    // No agent at all, and a file that is not an object
    assert.throws(() => parseGatewayConfig({ version: 2, agents: {} }), {
      message: "invalid gateway.json:\n  `agents`: lists no agent; give at least one agent's `model` and `slack` settings under its name",
    });
    assert.throws(() => parseGatewayConfig([]), { message: 'invalid gateway.json:\n  the file must hold a JSON object { "version": 2, "agents": { … } }' });
    // A file on disk: read, parsed and checked, its path named
    const dir = mkdtempSync(join(tmpdir(), "airlock-gateway-"));
    try {
      const file = join(dir, "gateway.json");
      writeFileSync(file, JSON.stringify(config));
      assert.deepEqual(Object.keys(readGatewayConfig(file).agents), ["support-agent", "billing-agent"]);
      writeFileSync(file, JSON.stringify({ ...config, version: "1" }));
      assert.throws(() => readGatewayConfig(file), {
        message: `invalid ${file}:\n  \`version\`: is "1", this gateway reads version 2; deploy the gateway bundle and gateway.json from the same airlock release`,
      });
      writeFileSync(file, "{ version: 1");
      assert.throws(() => readGatewayConfig(file), (e: unknown) => {
        assert.match((e as Error).message, new RegExp(`^invalid ${file}: not JSON \\(.+\\)$`));
        return true;
      });
      assert.throws(() => readGatewayConfig(join(dir, "missing.json")), (e: unknown) => {
        assert.match((e as Error).message, /^cannot read .*missing\.json \(ENOENT.*\); the ApprovalGateway component deploys it beside index\.mjs$/);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
