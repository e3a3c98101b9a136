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

/**
 * One request with an identity policy (or none) and the resource's own policy, as IAM decides it in
 * one account. The caller is a session of `role` (as a Lambda function or an ECS task is).
 */
async function decideWith(role: string, identity: object | undefined, resourcePolicy: object | undefined, action: string, resource: string): Promise<string> {
  const session = role.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/session";
  const r = await runSimulation(
    {
      // AWS sets aws:PrincipalArn to the role's ARN for its sessions; the simulator needs it said.
      request: { principal: session, action, resource: { resource, accountId: ACCOUNT }, contextVariables: { "aws:SecureTransport": "true", "aws:PrincipalArn": role } },
      identityPolicies: identity === undefined ? [] : [{ name: "identity", policy: identity }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
    } as unknown as Parameters<typeof runSimulation>[0],
    {},
  );
  return (r as { overallResult?: string }).overallResult ?? `error: ${JSON.stringify(r).slice(0, 300)}`;
}

describe("simulation: the platform's shared functions and the approval gateway, as the example plan writes them", () => {
  let plan: PlanDocument;
  const secretPolicy = (name: string): object => {
    const r = plan.resources.find((x) => x.type === "aws:secretsmanager/secretPolicy:SecretPolicy" && x.name === `support-agent-secrets-${name}`);
    assert.ok(r, `no policy for ${name}`);
    return JSON.parse(String(r.inputs.policy));
  };
  const secretArn = (name: string): string => {
    const r = plan.resources.find((x) => x.type === "aws:secretsmanager/secret:Secret" && (x.inputs.tags as Record<string, string>)["airlock:secret"] === name && String(x.inputs.name).startsWith("airlock/support-agent/"));
    assert.ok(r);
    return `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${String(r.inputs.name)}-AbCdEf`;
  };
  const ROTATION = `arn:aws:iam::${ACCOUNT}:role/acme-agents-secret-functions-rotation`;
  const MONITOR = `arn:aws:iam::${ACCOUNT}:role/acme-agents-secret-functions-age-monitor`;
  before(async () => {
    plan = await examplePlan();
  });

  it("given no identity grant on any secret, then the rotation function rotates exactly the generated secret, let in by that secret's policy", async () => {
    const generated = secretPolicy("billing-api-token");
    const vendor = secretPolicy("github-token");
    const rows: string[] = [];
    for (const action of ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]) {
      rows.push(`${action} billing-api-token ${await decideWith(ROTATION, undefined, generated, action, secretArn("billing-api-token"))}`);
      rows.push(`${action} github-token ${await decideWith(ROTATION, undefined, vendor, action, secretArn("github-token"))}`);
    }
    assert.deepEqual(rows, [
      "secretsmanager:GetSecretValue billing-api-token Allowed",
      "secretsmanager:GetSecretValue github-token ExplicitlyDenied",
      "secretsmanager:PutSecretValue billing-api-token Allowed",
      "secretsmanager:PutSecretValue github-token ImplicitlyDenied",
      "secretsmanager:UpdateSecretVersionStage billing-api-token Allowed",
      "secretsmanager:UpdateSecretVersionStage github-token ImplicitlyDenied",
    ]);
  });

  it("given the age monitor, then it reads the version dates of hand-rotated secrets and never a value", async () => {
    assert.deepEqual(
      [
        await decideWith(MONITOR, undefined, secretPolicy("github-token"), "secretsmanager:ListSecretVersionIds", secretArn("github-token")),
        await decideWith(MONITOR, undefined, secretPolicy("anthropic-api-key"), "secretsmanager:ListSecretVersionIds", secretArn("anthropic-api-key")),
        await decideWith(MONITOR, undefined, secretPolicy("billing-api-token"), "secretsmanager:ListSecretVersionIds", secretArn("billing-api-token")),
        await decideWith(MONITOR, undefined, secretPolicy("github-token"), "secretsmanager:GetSecretValue", secretArn("github-token")),
      ],
      ["Allowed", "Allowed", "ImplicitlyDenied", "ExplicitlyDenied"],
    );
  });

  it("given the agent's task role, then it invokes its own alias of the approval gateway and nothing else of it", async () => {
    const rp = plan.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && String(r.inputs.policy).includes("dynamodb:GetItem"))!;
    const policy = JSON.parse(String(rp.inputs.policy));
    const fn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:airlock-acme-agents-approvals`;
    const task = `arn:aws:iam::${ACCOUNT}:role/support-agent-task`;
    assert.deepEqual(
      [
        await decideWith(task, policy, undefined, "lambda:InvokeFunction", `${fn}:support-agent`),
        await decideWith(task, policy, undefined, "lambda:InvokeFunction", fn),
        await decideWith(task, policy, undefined, "lambda:InvokeFunction", `${fn}:billing-agent`),
        await decideWith(task, policy, undefined, "lambda:InvokeFunction", `${fn}:$LATEST`),
      ],
      ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied"],
    );
  });
});
