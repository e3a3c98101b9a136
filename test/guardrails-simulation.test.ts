/**
 * What each tool of the example can and cannot do, decided by an IAM simulator over the task role
 * policy the example plan actually writes. @cloud-copilot/iam-simulate is AGPL: it is used here,
 * in tests, and never from any package's src.
 */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { PlanDocument } from "@airlock/core";
import { examplePlan } from "./example-plan.ts";

const ACCOUNT = "123456789012";
const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/support-tickets`;
const INDEX = `${TABLE}/index/by-customer`;
const IDENTITY = `arn:aws:ses:us-east-1:${ACCOUNT}:identity/acme.example.com`;
const CONFIG_SET = `arn:aws:ses:us-east-1:${ACCOUNT}:configuration-set/support-replies`;
const OTHER_TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/customers`;
const OTHER_IDENTITY = `arn:aws:ses:us-east-1:${ACCOUNT}:identity/evil.example.net`;
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:airlock/support-agent/github-token-13KCX5`;

async function decide(policy: object, action: string, resource: string): Promise<string> {
  const r = await runSimulation(
    {
      request: { principal: `arn:aws:iam::${ACCOUNT}:role/support-agent-task`, action, resource: { resource, accountId: ACCOUNT }, contextVariables: {} },
      identityPolicies: [{ name: "task", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    } as unknown as Parameters<typeof runSimulation>[0],
    {},
  );
  return (r as { overallResult?: string }).overallResult ?? `error: ${JSON.stringify(r).slice(0, 200)}`;
}

/** Probes per tool: what it is meant to do (its permission entries) and what it must not. */
function probes(plan: PlanDocument): Record<string, [string, string][]> {
  const agent = plan.agents.find((a) => a.name === "support-agent")!;
  const out: Record<string, [string, string][]> = {};
  for (const tool of agent.tools) {
    const own = plan.permissions.filter((p) => p.agent === agent.name && p.tool === tool.name && p.system.startsWith("aws:"));
    const rows: [string, string][] = [];
    for (const p of own) for (const a of p.actions) for (const r of p.resources) rows.push([a, r]);
    out[tool.name] = rows;
  }
  return out;
}

const NEVER: [string, string][] = [
  ["dynamodb:DeleteTable", TABLE],
  ["dynamodb:DeleteItem", TABLE],
  ["dynamodb:Scan", TABLE],
  ["dynamodb:GetItem", OTHER_TABLE],
  ["ses:SendEmail", OTHER_IDENTITY],
  ["secretsmanager:GetSecretValue", SECRET],
  ["iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/support-agent-execution`],
];

describe("simulation table: what each tool of the example can and cannot do (task role of the example plan)", () => {
  let plan: PlanDocument;
  let policy: object;
  before(async () => {
    plan = await examplePlan();
    // The task role's policy: the one that grants the tools' DynamoDB actions.
    const rp = plan.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && String(r.inputs.policy).includes("dynamodb:GetItem"));
    assert.ok(rp, "the example plan has no task role policy");
    policy = JSON.parse(String(rp.inputs.policy));
  });

  it("given each tool's own grants, then the simulator allows exactly those (action, resource) pairs", async () => {
    const table: string[] = [];
    // Every (action, resource) pair the permission map shows is one IAM really allows.
    for (const [tool, rows] of Object.entries(probes(plan))) {
      if (rows.length === 0) table.push(`${tool} | (no AWS access of its own) | - | -`);
      for (const [a, r] of rows) table.push(`${tool} | ${a} | ${r} | ${await decide(policy, a, r)}`);
    }
    assert.deepEqual(table, [
      "issue_refund | (no AWS access of its own) | - | -",
      `read_ticket | dynamodb:GetItem | ${TABLE} | Allowed`,
      `read_ticket | dynamodb:Query | ${TABLE} | Allowed`,
      `read_ticket | dynamodb:Query | ${INDEX} | Allowed`,
      `record_reply | dynamodb:UpdateItem | ${TABLE} | Allowed`,
      "search_knowledge_base | (no AWS access of its own) | - | -",
      `send_customer_reply | ses:SendEmail | ${CONFIG_SET} | Allowed`,
      `send_customer_reply | ses:SendEmail | ${IDENTITY} | Allowed`,
    ]);
  });

  it("given what no tool may do, then the simulator denies every probe", async () => {
    const table: string[] = [];
    for (const [a, r] of NEVER) table.push(`${a} | ${r} | ${await decide(policy, a, r)}`);
    assert.deepEqual(
      table,
      NEVER.map(([a, r]) => `${a} | ${r} | ImplicitlyDenied`),
    );
  });
});
