import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AUTONOMY_RULE, loadManifest, renderMermaid, renderRunbook, runbookNames, tracesQueries, type AgentModel, type PlanDocument } from "@airlock/core";
import { DIMENSIONS, METRICS } from "@airlock/trace";
import { assessAutonomy, DEFAULT_AUTONOMY_POLICY, NEVER_AUTO_CLASSES } from "../../approvals/src/audit/autonomy.ts";
import type { AuditRow } from "../../approvals/src/audit/log.ts";
import { EXAMPLE_DIR } from "./fixtures.ts";
import { examplePlan } from "../../../test/example-plan.ts";

/** The lines of a fenced block that follows `heading` (first block after it). */
function blockAfter(md: string, heading: string): string[] {
  const at = md.indexOf(heading);
  assert.ok(at >= 0, `no "${heading}" in the runbook`);
  const start = md.indexOf("```", at);
  const end = md.indexOf("```", start + 3);
  return md.slice(md.indexOf("\n", start) + 1, end).trimEnd().split("\n");
}

describe("runbook for the example, with its plan", () => {
  let model: AgentModel;
  let plan: PlanDocument;
  let md: string;
  before(async () => {
    model = await loadManifest(join(EXAMPLE_DIR, "agent.yaml"));
    plan = await examplePlan();
    md = renderRunbook(model, { plan, stackDir: "examples/support-agent" });
  });

  it("names the real service, log group, alarm topic and secrets from the plan", () => {
    const n = runbookNames(model, plan);
    assert.equal(n.service, "support-agent-dev");
    assert.equal(n.region, "us-east-1");
    assert.equal(n.logGroup, "/airlock/dev/agents/support-agent");
    // The agent has no channel of its own: its alarms notify the platform's topic.
    assert.equal(n.alarmTopic, "airlock-dev-acme-agents-alarms");
    assert.deepEqual(n.secrets, {
      "anthropic-api-key": "airlock/dev/support-agent/anthropic-api-key",
      "billing-api-token": "airlock/dev/support-agent/billing-api-token",
      "github-token": "airlock/dev/support-agent/github-token",
    });
    assert.ok(n.alarms.includes("airlock-dev-support-agent-secrets-age"), n.alarms.join(", "));
  });

  it("pauses the agent with update-service --desired-count 0 on the real service, looking up the auto-named cluster first", () => {
    assert.deepEqual(blockAfter(md, "### 1. Pause the agent"), [
      `CLUSTER=$(aws ecs list-clusters --region us-east-1 --query "clusterArns[?contains(@, 'acme-agents-cluster')] | [0]" --output text)`,
      "aws ecs update-service --region us-east-1 --cluster $CLUSTER --service support-agent-dev --desired-count 0",
      "aws ecs wait services-stable --region us-east-1 --cluster $CLUSTER --services support-agent-dev",
      "aws ecs describe-services --region us-east-1 --cluster $CLUSTER --services support-agent-dev --query 'services[0].[desiredCount,runningCount]'",
    ]);
    assert.ok(md.includes("aws ecs update-service --region us-east-1 --cluster $CLUSTER --service support-agent-dev --desired-count 1\n"));
  });

  it("revokes and rotates each secret the way it rotates: rotate-secret for the generated one, revoke + put-secret-value for hand-rotated ones", () => {
    assert.deepEqual(blockAfter(md, "#### `billing-api-token` → `airlock/dev/support-agent/billing-api-token`"), [
      "aws secretsmanager rotate-secret --region us-east-1 --secret-id airlock/dev/support-agent/billing-api-token",
      "aws secretsmanager describe-secret --region us-east-1 --secret-id airlock/dev/support-agent/billing-api-token --query '[LastRotatedDate,RotationEnabled]'",
    ]);
    assert.match(md, /Rotated by hand; the alarm `airlock-dev-support-agent-secrets-age` fires once it is older than 60 days\. Revoke it at GitHub \(Settings → Developer settings → Fine-grained tokens\)/);
    assert.match(md, /Rotated by hand; the alarm `airlock-dev-support-agent-secrets-age` fires once it is older than 90 days\. Revoke it at the Anthropic Console/);
    assert.deepEqual(blockAfter(md, "#### `github-token` → `airlock/dev/support-agent/github-token`"), [
      "aws secretsmanager put-secret-value --region us-east-1 --secret-id airlock/dev/support-agent/github-token --secret-string file://new-value.txt",
      "shred -u new-value.txt",
    ]);
  });

  it("rolls back with airlock rollback on the stack directory", () => {
    assert.deepEqual(blockAfter(md, "### 3. Roll back"), [
      "airlock rollback examples/support-agent --print-only   # shows the release it would return to and the config change",
      "airlock rollback examples/support-agent --write        # writes the stack config; then:",
      "pulumi up",
    ]);
  });

  it("reads the traces with Logs Insights queries on the tracer's EMF fields", () => {
    assert.deepEqual(blockAfter(md, "Errors, refusals and latency by tool and release:"), [
      'filter Agent = "support-agent" and ispresent(Tool)',
      "| stats sum(Calls) as calls, sum(Errors) as errors, sum(Refusals) as refusals, avg(LatencyMs) as avgMs, pct(LatencyMs, 95) as p95Ms by Tool, Release",
      "| sort errors desc",
    ]);
    // Every field the queries use is a dimension or metric the tracer writes (or its Release member).
    const fields = new Set<string>([...Object.values(DIMENSIONS), ...Object.values(METRICS), "Release"]);
    const q = tracesQueries(model);
    const used = new Set([...`${q.recent}\n${q.errorsByTool}\n${q.cost}`.matchAll(/\b([A-Z][A-Za-z]+)\b/g)].map((m) => m[1]!));
    for (const f of used) assert.ok(fields.has(f), `the query uses ${f}, which the tracer does not write`);
  });

  it("holds the permission map rows of every tool", () => {
    // One row per statement: GetItem reaches the table only, Query the table and its index.
    assert.ok(md.includes("| `read_ticket` | auto | aws:dynamodb | read | dynamodb:GetItem | arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets |"));
    assert.ok(md.includes("| `read_ticket` | auto | aws:dynamodb | read | dynamodb:Query | arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets, arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets/index/by-customer |"));
    assert.ok(md.includes("| `send_customer_reply` | approve (`customer.reply`) | aws:ses | write | ses:SendEmail | arn:aws:ses:us-east-1:123456789012:configuration-set/support-replies, arn:aws:ses:us-east-1:123456789012:identity/acme.example.com |"));
    assert.ok(md.includes("| `issue_refund` | always-approve (`billing.refund`) | https:api.billing.acme.example.com | write | HTTPS | https://api.billing.acme.example.com/ |"));
    assert.ok(md.includes("Egress on 443: `api.anthropic.com` (160.79.104.0/23, 2607:6bc0::/48); `api.billing.acme.example.com` (10.20.8.0/24);"));
  });

  it("draws agent → tools → systems in Mermaid, with approvals in front of the outward tools", () => {
    const diagram = blockAfter(md, "## Diagram");
    assert.equal(diagram.join("\n"), renderMermaid(model));
    for (const line of [
      "flowchart LR",
      '  agent(["support-agent<br/>anthropic/claude-sonnet-4-5"])',
      '  human -- "approve" --> tool_send_customer_reply',
      '  human -- "always-approve" --> tool_issue_refund',
      "  agent --> tool_read_ticket",
      '  tool_read_ticket -- "read" --> sys_aws_dynamodb',
      '  tool_search_knowledge_base -- "read" --> sys_github_acme_support_kb',
      '  sys_aws_ses[("aws:ses")]',
      '  sys_secret_github_token[/"secret:github-token"/]',
    ]) {
      assert.ok(diagram.includes(line), `missing: ${line}`);
    }
    assert.equal(diagram.filter((l) => l === "  agent --> human").length, 1);
  });
});

describe("runbook: widening autonomy with evidence", () => {
  let model: AgentModel;
  before(async () => {
    model = await loadManifest(join(EXAMPLE_DIR, "agent.yaml"));
  });

  it("uses the approvals package's thresholds", () => {
    assert.equal(AUTONOMY_RULE.minStreak, DEFAULT_AUTONOMY_POLICY.minStreak);
    assert.equal(AUTONOMY_RULE.minWindowDays, DEFAULT_AUTONOMY_POLICY.minWindowDays);
    assert.equal(AUTONOMY_RULE.minDistinctDays, DEFAULT_AUTONOMY_POLICY.minDistinctDays);
    assert.equal(AUTONOMY_RULE.minApprovers, DEFAULT_AUTONOMY_POLICY.minApprovers);
    assert.deepEqual([...AUTONOMY_RULE.neverAuto], [...NEVER_AUTO_CLASSES]);
  });

  it("given no evidence, then customer.reply stays approve and billing.refund never widens", () => {
    const md = renderRunbook(model);
    assert.ok(md.includes("| `customer.reply` | approve | `send_customer_reply` | none given | keep approve: no evidence yet (needs 50 approvals without edit over 14 days, on 10 days, by 2 approvers) |"));
    assert.ok(md.includes("| `billing.refund` (money) | always-approve | `issue_refund` | none given | never widens (always-approve) |"));
    assert.ok(md.includes("> Names below follow Airlock's naming convention; pass `--plan plan.json` to take them from the plan."));
  });

  it("given 60 clean approvals in Slack by two people over 20 days for customer.reply (assessed by the approvals package), then it is eligible and the manifest change is shown", () => {
    const now = new Date("2026-11-25T12:00:00Z");
    const rows = Array.from({ length: 60 }, (_, i): AuditRow => ({
      seq: i + 1,
      at: new Date(now.getTime() - (20 - i / 3) * 86_400_000),
      kind: "approval.decided",
      agent: "support-agent",
      actionType: "customer.reply",
      actor: i % 2 === 0 ? "U0APPROVER1" : "U0APPROVER2",
      payload: { decision: "approved", via: "http" },
      prevHash: "",
      hash: "",
    }));
    const evidence = assessAutonomy(model, rows, DEFAULT_AUTONOMY_POLICY, now);
    const md = renderRunbook(model, { evidence });
    assert.ok(md.includes("| `customer.reply` | approve | `send_customer_reply` | 60 approved, 0 edited, 0 rejected, 0 incidents; streak 60 over 20.0 days | eligible to widen to auto: propose the manifest change below for review |"));
    assert.deepEqual(blockAfter(md, "Proposed change for `customer.reply`"), [
      "# customer.reply: approve -> auto. Evidence: 60 approvals without edit over 20.0 days since 2026-11-05,",
      "# no rejection, edit or incident. Merge only after review; any rejection or incident later means going back to approve.",
      "riskLines:",
      "  customer.reply:",
      "    tier: auto",
      '    description: "Any email a customer will read."',
    ]);
  });

  it("given an edit in the streak, then it says why it must stay approve", () => {
    const now = new Date("2026-11-25T12:00:00Z");
    const rows: AuditRow[] = [
      { seq: 1, at: new Date("2026-11-20T00:00:00Z"), kind: "approval.decided", agent: "support-agent", actionType: "customer.reply", actor: "U1", payload: { decision: "approved", via: "http" }, prevHash: "", hash: "" },
      { seq: 2, at: new Date("2026-11-21T00:00:00Z"), kind: "approval.decided", agent: "support-agent", actionType: "customer.reply", actor: "U1", payload: { decision: "edited", via: "http" }, prevHash: "", hash: "" },
    ];
    const md = renderRunbook(model, { evidence: assessAutonomy(model, rows, DEFAULT_AUTONOMY_POLICY, now) });
    assert.ok(md.includes("| 1 approved, 1 edited, 0 rejected, 0 incidents; streak 0 over 0.0 days | keep approve: streak 0 of 50 approvals without edit; evidence window 0.0 of 14 days; approvals on 0 of 10 distinct days; 0 of 2 distinct approvers |"));
  });
});
