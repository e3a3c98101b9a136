/**
 * The example support agent's tools, each through its real client against a loopback stand-in of
 * its service: DynamoDB (AWS JSON 1.0, through `AWS_ENDPOINT_URL_DYNAMODB`), SES v2 (REST JSON,
 * `AWS_ENDPOINT_URL_SESV2`), GitHub (`@octokit/rest` at `GITHUB_API_URL`) and the billing API
 * (fetch at `BILLING_API_URL`). The clients are built by the agent's own `buildTools` from the
 * configuration its entry reads, so the endpoint variables are what routes them.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { readConfig, type AgentConfig } from "../examples/support-agent/agent/src/config.ts";
import { scopedQuery } from "../examples/support-agent/agent/src/tools/knowledge-base.ts";
import { buildTools, type Tools } from "../examples/support-agent/agent/src/tools/index.ts";
import { agentEnv, exampleAgentModel, SECRETS, startAgentServices, TICKETS, type AgentServices } from "./helpers/example-agent.ts";

describe("the example agent's tools against their services' stand-ins", () => {
  let services: AgentServices;
  let config: AgentConfig;
  let tools: Tools;
  const saved = { ...process.env };

  before(async () => {
    services = await startAgentServices();
    const model = await exampleAgentModel();
    const env = agentEnv(model, services.endpoints);
    // The AWS SDK reads its endpoint and credential variables from the process's environment.
    Object.assign(process.env, env);
    config = readConfig(model as never, env);
    tools = buildTools(config);
    services.dynamodb.put(TICKETS.table, { ticket_id: "T-1042", customer_email: "dana@customer.example.net", subject: "Charged twice", text: "Charged twice for A-7731", status: "open" });
    services.dynamodb.put(TICKETS.table, { ticket_id: "T-0990", customer_email: "dana@customer.example.net", subject: "Shipping time", text: "How long to Canada?", status: "answered" });
    services.dynamodb.put(TICKETS.table, { ticket_id: "T-0500", customer_email: "other@customer.example.net", subject: "Other customer", text: "not Dana's", status: "open" });
  });

  after(async () => {
    await services.stop();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it("given a ticket in the table, when read_ticket runs, then it returns the ticket and only that customer's other tickets (GetItem, then Query on by-customer)", async () => {
    const r = (await tools.read_ticket!({ ticket_id: "T-1042" })) as Record<string, any>;
    assert.equal(r.found, true);
    assert.deepEqual(r.ticket, { ticket_id: "T-1042", customer_email: "dana@customer.example.net", subject: "Charged twice", text: "Charged twice for A-7731", status: "open" });
    assert.deepEqual(r.history, [{ ticket_id: "T-0990", subject: "Shipping time", status: "answered" }]);
    const [get, query] = services.dynamodb.calls.slice(-2);
    assert.deepEqual([get!.operation, get!.input.TableName, get!.input.Key], ["GetItem", "support-tickets", { ticket_id: { S: "T-1042" } }]);
    assert.deepEqual([query!.operation, query!.input.IndexName, query!.input.ExpressionAttributeValues], ["Query", "by-customer", { ":c": { S: "dana@customer.example.net" } }]);
  });

  it("given no such ticket, when read_ticket runs, then it says so as a result (no Query)", async () => {
    const before = services.dynamodb.calls.length;
    assert.deepEqual(await tools.read_ticket!({ ticket_id: "T-9" }), { found: false, ticket_id: "T-9", message: "There is no ticket T-9 in the ticket table." });
    assert.deepEqual(services.dynamodb.calls.slice(before).map((c) => c.operation), ["GetItem"]);
  });

  it("given a ticket, when record_reply runs, then the item is answered with the reply and the time, only if it exists", async () => {
    const r = (await tools.record_reply!({ ticket_id: "T-1042", body: "We refunded the duplicate." })) as Record<string, string>;
    const item = services.dynamodb.get(TICKETS.table, { ticket_id: "T-1042" })!;
    assert.equal(item.status, "answered");
    assert.equal(item.reply, "We refunded the duplicate.");
    assert.equal(item.answered_at, r.answered_at);
    assert.equal(services.dynamodb.calls.at(-1)!.input.ConditionExpression, "attribute_exists(#id)");
    await assert.rejects(() => Promise.resolve(tools.record_reply!({ ticket_id: "T-404", body: "x" })), /there is no ticket T-404 to record the reply on/);
    assert.equal(services.dynamodb.get(TICKETS.table, { ticket_id: "T-404" }), undefined, "a reply to a missing ticket made an item");
  });

  it("given a reply, when send_customer_reply runs, then SES sends exactly it from the support address with the configuration set", async () => {
    const r = (await tools.send_customer_reply!({ ticket_id: "T-1042", to: "dana@customer.example.net", subject: "Re: Charged twice", body: "Hi Dana,\nthe duplicate is refunded." })) as Record<string, string>;
    const sent = services.ses.sent.at(-1)!;
    assert.deepEqual(
      { from: sent.from, to: sent.to, subject: sent.subject, text: sent.text, configurationSet: sent.configurationSet },
      { from: "support@acme.example.com", to: ["dana@customer.example.net"], subject: "Re: Charged twice", text: "Hi Dana,\nthe duplicate is refunded.", configurationSet: "support-replies" },
    );
    assert.deepEqual(r, { message_id: sent.messageId, ticket_id: "T-1042", to: "dana@customer.example.net" });
  });

  it("given knowledge-base articles, when search_knowledge_base runs, then it searches the one repository with the token and returns each article read", async () => {
    const r = (await tools.search_knowledge_base!({ query: "duplicate charges", limit: 3 })) as Record<string, string>[];
    assert.deepEqual(r, [
      { path: "articles/KB-118.md", url: "https://github.com/acme/support-kb/blob/main/articles/KB-118.md", title: "Duplicate charges", body: "# Duplicate charges\n\nDuplicate charges are refunded after billing confirms them." },
    ]);
    assert.equal(services.github.searches().at(-1), "duplicate charges repo:acme/support-kb");
    assert.ok(services.github.requests.every((q) => q.authorization === `token ${SECRETS.github}`), JSON.stringify(services.github.requests.map((q) => q.authorization)));
  });

  it("given a query naming another repository, when search_knowledge_base runs, then the qualifier is dropped and nothing outside the knowledge base is read", async () => {
    const r = (await tools.search_knowledge_base!({ query: "duplicate repo:acme/internal-secrets org:acme -repo:acme/support-kb" })) as Record<string, string>[];
    assert.equal(services.github.searches().at(-1), "duplicate repo:acme/support-kb");
    assert.deepEqual(r.map((a) => a.path), ["articles/KB-118.md"]);
    assert.ok(!services.github.requests.some((q) => q.path.includes("internal-secrets")), "read a file of another repository");
    assert.equal(scopedQuery('a "path:x" \'user:y\' b', { owner: "acme", repo: "support-kb" }), "a b repo:acme/support-kb");
  });

  it("given a refund, when issue_refund runs, then the billing API gets the bearer token, the arguments and an idempotency key, and a retry refunds once", async () => {
    const args = { ticket_id: "T-1042", order_id: "A-7731", amount_cents: 4900, reason: "duplicate charge" };
    const first = await tools.issue_refund!(args);
    const again = await tools.issue_refund!({ ...args });
    assert.deepEqual(first, { refund_id: "re_1", status: "succeeded", order_id: "A-7731", amount_cents: 4900 });
    assert.deepEqual(again, first);
    assert.deepEqual(services.billing.refunds, [{ refund_id: "re_1", ...args }]);
    const req = services.billing.requests.at(-1)!;
    assert.equal(req.authorization, `Bearer ${SECRETS.billing}`);
    assert.deepEqual(req.body, args);
    assert.match(req.idempotencyKey ?? "", /^[0-9a-f]{32}$/);
    assert.equal(services.billing.requests[0]!.idempotencyKey, req.idempotencyKey);
  });

  it("given the billing API refuses, when issue_refund runs, then the tool fails with the API's status and answer", async () => {
    const refusing = buildTools({ ...config, billingToken: "wrong-token" });
    await assert.rejects(() => Promise.resolve(refusing.issue_refund!({ ticket_id: "T-1", order_id: "A-1", amount_cents: 1, reason: "r" })), /the billing API refused the refund \(HTTP 401\): \{"error":"invalid token"\}/);
  });
});
