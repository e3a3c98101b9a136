/**
 * ApprovalGateway: one per platform (one Slack app, one audit database), created by AgentPlatform
 * for the agents whose outward tools wait for a person; each agent reaches it through its own alias.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, writeFileSync, symlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { loadManifest, type AgentModel } from "@airlock/core";
import { recordProgram, type Recording } from "../src/plan/record.ts";
import { AgentPlatform, privateRoutesVia } from "../src/platform/index.ts";
import { AgentDeployment } from "../src/agent/agent-deployment.ts";
import { assetText } from "../src/assets.ts";
import { gatewayConfig } from "../src/approvals/approval-gateway.ts";
import { createHash } from "node:crypto";
import { parseGatewayConfig } from "../../approvals/src/gateway/lambda.ts";
import { all, exampleModel, find, json, recordDeployment, TEST_TRANSIT_GATEWAY, WIRING_ONLY } from "./harness.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const MULTI = new URL("../../../examples/multi-agent/", import.meta.url).pathname;
const T = {
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  alias: "aws:lambda/alias:Alias",
  fn: "aws:lambda/function:Function",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  td: "aws:ecs/taskDefinition:TaskDefinition",
};

/** The three agents of examples/multi-agent on one platform: billing and newsletter wait for people. */
async function recordMulti(approvals: Record<string, unknown>): Promise<{ rec: Recording; models: AgentModel[] }> {
  const models = await Promise.all(["research", "billing", "newsletter"].map((d) => loadManifest(join(MULTI, d, "agent.yaml"))));
  const rec = await recordProgram({
    project: "airlock-test",
    stack: "test",
    config: { "aws:region": "us-east-1" },
    program: () => {
      const platform = new AgentPlatform("platform", { agents: models, approvals: { agents: approvals as never }, privateRoutes: privateRoutesVia(models, { transitGatewayId: TEST_TRANSIT_GATEWAY }) });
      for (const model of models) new AgentDeployment(model.name, { platform, model, evalGate: WIRING_ONLY });
    },
  });
  return { rec, models };
}

const FINANCE = { slack: { channelId: "C0FINANCE01", approverIds: ["U0FINANCE01", "U0FINANCE02"] }, pendingAlarmMinutes: 15 };
const GROWTH = { slack: { channelId: "C0GROWTH001", approverIds: ["U0GROWTH001"] } };

describe("one ApprovalGateway for the agents of a platform", () => {
  let rec: Recording;
  let models: AgentModel[];
  before(async () => {
    ({ rec, models } = await recordMulti({ "billing-agent": FINANCE, "newsletter-agent": GROWTH }));
  });

  it("is one component naming the agents it serves and who decides for each, with one function, URL, schedule and set of secrets", () => {
    const gateways = all(rec, "airlock:approvals:ApprovalGateway");
    assert.deepEqual(gateways.map((g) => [g.name, g.inputs]), [
      [
        "platform-approvals",
        {
          agents: ["billing-agent", "newsletter-agent"],
          routes: { "billing-agent": { channelId: "C0FINANCE01", approverIds: ["U0FINANCE01", "U0FINANCE02"] }, "newsletter-agent": { channelId: "C0GROWTH001", approverIds: ["U0GROWTH001"] } },
        },
      ],
    ]);
    assert.deepEqual(all(rec, T.fn).filter((f) => String(f.inputs.name).includes("approvals")).map((f) => f.inputs.name), ["airlock-test-platform-approvals"]);
    assert.equal(all(rec, "aws:lambda/functionUrl:FunctionUrl").length, 1);
    const names = all(rec, "aws:secretsmanager/secret:Secret").map((s) => String(s.inputs.name)).filter((n) => n.includes("approvals"));
    assert.deepEqual(names.sort(), ["airlock/test/platform-approvals/database-url", "airlock/test/platform-approvals/slack-bot-token", "airlock/test/platform-approvals/slack-signing-secret"]);
  });

  it("publishes a version and carries each agent's model and Slack route in gateway.json beside the bundle", () => {
    const fn = find(rec, T.fn, "platform-approvals-function");
    assert.equal(fn.inputs.publish, true);
    const archive = (fn.inputs.code as any).archive;
    assert.deepEqual(Object.keys(archive).sort(), ["gateway.json", "index.mjs"]);
    // The plan records the file by digest: it is exactly gatewayConfig of the two routed agents.
    const text = gatewayConfig([
      { model: models.find((m) => m.name === "newsletter-agent")!, settings: GROWTH },
      { model: models.find((m) => m.name === "billing-agent")!, settings: FINANCE },
    ]);
    assert.deepEqual(archive["gateway.json"], { asset: "string", sha256: createHash("sha256").update(text).digest("hex"), bytes: Buffer.byteLength(text) });
    const config = JSON.parse(text);
    // The function's own boot check accepts it (the two packages agree on the file).
    assert.deepEqual(Object.keys(parseGatewayConfig(config).agents), ["billing-agent", "newsletter-agent"]);
    assert.equal(config.version, 2); // version 2: the models carry `riskLines`
    assert.deepEqual(Object.keys(config.agents), ["billing-agent", "newsletter-agent"]);
    assert.deepEqual(config.agents["billing-agent"].slack, { channelId: "C0FINANCE01", approverIds: ["U0FINANCE01", "U0FINANCE02"] });
    assert.deepEqual(config.agents["newsletter-agent"].slack, { channelId: "C0GROWTH001", approverIds: ["U0GROWTH001"] });
    assert.equal(config.agents["billing-agent"].model.name, "billing-agent");
    assert.deepEqual(
      config.agents["billing-agent"].model.tools.find((t: any) => t.name === "issue_refund").tier,
      "always-approve",
    );
    // No machine path travels to AWS.
    assert.ok(!text.includes(ROOT));
    assert.ok(!("promptFile" in config.agents["billing-agent"].model) && !("manifestDir" in config.agents["billing-agent"].model));
    // Secrets only by ARN; nothing per agent in the environment.
    const vars = (fn.inputs.environment as any).variables;
    assert.deepEqual(Object.keys(vars).sort(), ["AIRLOCK_AUDIT_ANCHOR_BUCKET", "AIRLOCK_AUDIT_ANCHOR_KEY_ID", "AIRLOCK_AUDIT_ANCHOR_PREFIX", "AIRLOCK_DATABASE_URL_SECRET_ARN", "AIRLOCK_NAMESPACE", "AIRLOCK_SLACK_BOT_TOKEN_SECRET_ARN", "AIRLOCK_SLACK_SIGNING_SECRET_ARN", "AIRLOCK_STACK"]);
    assert.match(vars.AIRLOCK_SLACK_BOT_TOKEN_SECRET_ARN, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock\/test\/platform-approvals\/slack-bot-token-/);
  });

  it("gives each routed agent an alias of that version, and lets each agent's role invoke only its own alias", () => {
    assert.deepEqual(
      all(rec, T.alias).map((a) => [a.name, a.inputs.name, a.inputs.functionName, a.inputs.functionVersion]),
      [
        ["billing-agent-approvals", "billing-agent", "airlock-test-platform-approvals", "1"],
        ["newsletter-agent-approvals", "newsletter-agent", "airlock-test-platform-approvals", "1"],
      ],
    );
    for (const agent of ["billing-agent", "newsletter-agent"]) {
      const statements = json(find(rec, T.rolePolicy, `${agent}-task`), "policy").Statement.filter((s: any) => s.Action.some((a: string) => a.startsWith("lambda:")));
      const alias = `arn:aws:lambda:us-east-1:123456789012:function:airlock-test-platform-approvals:${agent}`;
      assert.deepEqual(statements, [{ Sid: "ApprovalsInvokeOwnAlias", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [alias] }]);
      const [container] = json(find(rec, T.td, `${agent}-release-current`), "containerDefinitions");
      assert.equal(container.environment.find((e: any) => e.name === "AIRLOCK_APPROVAL_FUNCTION").value, alias);
      assert.ok(!container.secrets.some((s: any) => /SLACK|DATABASE/.test(s.name)), "the agent holds no approval credentials");
    }
    // The read-only agent has no alias and no way to the gateway.
    assert.ok(!JSON.stringify(json(find(rec, T.rolePolicy, "research-agent-task"), "policy")).includes("lambda:"));
  });

  it("alarms per agent on its own pending limit, to its own alert topic, and once on the gateway's credential ages", () => {
    const pending = all(rec, T.alarm).filter((a) => a.name.endsWith("-approvals-pending"));
    assert.deepEqual(
      pending.map((a) => [a.inputs.name, a.inputs.metricName, a.inputs.dimensions, a.inputs.threshold, a.inputs.treatMissingData]),
      [
        ["airlock-test-billing-agent-approvals-pending", "OldestPendingSeconds", { Agent: "billing-agent", Stack: "test" }, 900, "breaching"],
        ["airlock-test-newsletter-agent-approvals-pending", "OldestPendingSeconds", { Agent: "newsletter-agent", Stack: "test" }, 1800, "breaching"],
      ],
    );
    const age = find(rec, T.alarm, "platform-approvals-secrets-age");
    assert.deepEqual([age.inputs.metricName, age.inputs.dimensions, age.inputs.threshold], ["SecretAgePercentOfLimit", { Agent: "platform-approvals", Stack: "test" }, 100]);
    // Readable by the function alone; its role reads exactly the three.
    const rp = json(find(rec, "aws:secretsmanager/secretPolicy:SecretPolicy", "platform-approvals-secrets-slack-bot-token"), "policy");
    assert.deepEqual(rp.Statement[0].Condition, { StringNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/platform-approvals-function"] } });
    const fnPolicy = json(find(rec, T.rolePolicy, "platform-approvals-function"), "policy");
    assert.deepEqual(fnPolicy.Statement[0].Action, ["secretsmanager:GetSecretValue"]);
    assert.equal(fnPolicy.Statement[0].Resource.length, 3);
    assert.ok(!JSON.stringify(fnPolicy).includes('"*"'));
  });

  it("tags each agent's service with how its approvals are wired", () => {
    const tag = (agent: string) => (find(rec, "aws:ecs/service:Service", `${agent}-service`).inputs.tags as Record<string, string>)["airlock:approvals"];
    assert.deepEqual(["research-agent", "billing-agent", "newsletter-agent"].map(tag), ["none needed", "gateway", "gateway"]);
  });
});

describe("platform approvals: bad input", () => {
  it("refuses a missing route, an unknown agent, a needless route, a short opt-out reason and bad Slack ids", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { "billing-agent": FINANCE },
        "`approvals.agents.newsletter-agent`: agent `newsletter-agent` has outward tools that need a person (send_newsletter: always-approve); give its `slack.channelId` and `slack.approverIds`, or `disabled` with the reason",
      ],
      [{ "billing-agent": FINANCE, "newsletter-agent": GROWTH, "support-agent": GROWTH }, "`approvals.agents.support-agent`: no agent of this platform is called `support-agent`; the agents are research-agent, billing-agent, newsletter-agent"],
      [{ "billing-agent": FINANCE, "newsletter-agent": GROWTH, "research-agent": GROWTH }, "`approvals.agents.research-agent`: agent `research-agent` has no outward tool that needs a person; remove it from `approvals.agents`"],
      [{ "billing-agent": FINANCE, "newsletter-agent": { disabled: "later" } }, "`approvals.agents.newsletter-agent.disabled`: give the reason approvals are off (at least 10 characters); it is tagged on the agent's service for reviewers"],
      [{ "billing-agent": { slack: { channelId: "#finance", approverIds: ["U0FINANCE01"] } }, "newsletter-agent": GROWTH }, "`approvals.agents.billing-agent.slack.channelId`: give the channel's id (C…), as shown in Slack's channel details, not its name"],
      [{ "billing-agent": { slack: { channelId: "C0FINANCE01", approverIds: ["alice"] } }, "newsletter-agent": GROWTH }, '`approvals.agents.billing-agent.slack.approverIds[0]`: "alice" is not a Slack user id; use the U… id from the user\'s profile'],
      [{ "billing-agent": { ...FINANCE, pendingAlarmMinutes: 2 }, "newsletter-agent": GROWTH }, "`approvals.agents.billing-agent.pendingAlarmMinutes`: must be a whole number of minutes from 5 to 1440"],
    ];
    for (const [approvals, message] of cases) {
      await assert.rejects(recordMulti(approvals), { message });
    }
  });

  it("opts one agent out with a reason: no alias, no route in gateway.json, the reason tagged on its service", async () => {
    const { rec } = await recordMulti({ "billing-agent": FINANCE, "newsletter-agent": { disabled: "newsletter sends are paused until the Q1 review" } });
    assert.deepEqual(all(rec, T.alias).map((a) => a.inputs.name), ["billing-agent"]);
    assert.deepEqual(find(rec, "airlock:approvals:ApprovalGateway", "platform-approvals").inputs.agents, ["billing-agent"]);
    const tags = find(rec, "aws:ecs/service:Service", "newsletter-agent-service").inputs.tags as Record<string, string>;
    assert.equal(tags["airlock:approvals"], "OFF: newsletter sends are paused until the Q1 review");
  });

  it("tells a caller still passing `approvals` to the deployment where they moved", async () => {
    const model = await exampleModel();
    await assert.rejects(recordDeployment(model, { deployment: { approvals: { slack: { channelId: "C0APPROVALS", approverIds: ["U0LEAD0001"] } } } as never }), {
      message: "`approvals`: approvals are set on the platform now (one gateway for all its agents); move this to the AgentPlatform's `approvals.agents.<agent name>`",
    });
  });
});

describe("the gateway's bundle", () => {
  it("is one ES module that loads and exports the handler", async (t) => {
    mkdirSync(join(ROOT, ".airlock"), { recursive: true });
    const dir = mkdtempSync(join(ROOT, ".airlock", "bundle-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "index.mjs"), assetText("approvalGateway"));
    writeFileSync(join(dir, "gateway.json"), "{}");
    // The Lambda runtime provides the AWS SDK; here the repository's copy stands in for it.
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    const mod = await import(join(dir, "index.mjs"));
    assert.equal(typeof mod.handler, "function");
    assert.equal(
      mod.pendingMetricLine({ agent: "support-agent", stack: "dev", namespace: "Airlock/Approvals" }, { count: 2, oldestAgeSeconds: 75 }, 1764000000000),
      JSON.stringify({
        _aws: { Timestamp: 1764000000000, CloudWatchMetrics: [{ Namespace: "Airlock/Approvals", Dimensions: [["Stack", "Agent"]], Metrics: [{ Name: "OldestPendingSeconds", Unit: "Seconds" }, { Name: "PendingApprovals", Unit: "Count" }] }] },
        Stack: "dev",
        Agent: "support-agent",
        OldestPendingSeconds: 75,
        PendingApprovals: 2,
      }),
    );
  });
});
