/**
 * What each tool of the example can and cannot do, decided by an IAM simulator over the task role
 * policy the example plan actually writes. @cloud-copilot/iam-simulate is AGPL: it is used here,
 * in tests, and never from any package's src.
 */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { simulateIam } from "./helpers/iam-simulation.ts";
import type { PlanDocument, PlannedResource } from "@airlock/core";
import { examplePlan } from "./example-plan.ts";

const ACCOUNT = "123456789012";
const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/support-tickets`;
const INDEX = `${TABLE}/index/by-customer`;
const IDENTITY = `arn:aws:ses:us-east-1:${ACCOUNT}:identity/acme.example.com`;
const CONFIG_SET = `arn:aws:ses:us-east-1:${ACCOUNT}:configuration-set/support-replies`;
const OTHER_TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/customers`;
const OTHER_IDENTITY = `arn:aws:ses:us-east-1:${ACCOUNT}:identity/evil.example.net`;
/** The role the plan's mocks deploy as (packages/pulumi/src/plan/mocks.ts: the caller is a session of it). */
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/airlock-deployer`;

type Tags = Record<string, string> | undefined;

/** The agent's secret `name`, found by its tags (its physical name is stack-scoped: airlock/<stack>/<owner>/<name>). */
function secretOf(plan: PlanDocument, name: string, owner = "support-agent"): PlannedResource {
  const r = plan.resources.find((x) => x.type === "aws:secretsmanager/secret:Secret" && (x.inputs.tags as Tags)?.["airlock:secret"] === name && (x.inputs.tags as Tags)?.["airlock:agent"] === owner);
  assert.ok(r, `the example plan has no secret ${name} of ${owner}`);
  return r;
}

/** The secret's resource policy, the one whose `secretArn` is that secret's. */
function secretPolicyOf(plan: PlanDocument, name: string, owner = "support-agent"): { arn: string; policy: object } {
  const secret = secretOf(plan, name, owner);
  const r = plan.resources.find((x) => x.type === "aws:secretsmanager/secretPolicy:SecretPolicy" && String(x.inputs.secretArn).includes(`:secret:${String(secret.inputs.name)}-`));
  assert.ok(r, `no resource policy on ${String(secret.inputs.name)}`);
  return { arn: String(r.inputs.secretArn), policy: JSON.parse(String(r.inputs.policy)) };
}

/** The ARN of the role tagged `airlock:role` = `role` (the mocks' role ARN is its logical name). */
function roleArnOf(plan: PlanDocument, role: string): string {
  const r = plan.resources.find((x) => x.type === "aws:iam/role:Role" && (x.inputs.tags as Tags)?.["airlock:role"] === role);
  assert.ok(r, `the example plan has no role tagged airlock:role=${role}`);
  return `arn:aws:iam::${ACCOUNT}:role/${String(r.inputs.name ?? r.name)}`;
}

/** The inline policies attached to a role (RolePolicy resources whose `role` is its name). */
function inlinePoliciesOf(plan: PlanDocument, roleArn: string): object[] {
  const name = roleArn.slice(roleArn.indexOf(":role/") + ":role/".length);
  return plan.resources.filter((x) => x.type === "aws:iam/rolePolicy:RolePolicy" && x.inputs.role === name).map((x) => JSON.parse(String(x.inputs.policy)));
}

function decide(policy: object, action: string, resource: string): Promise<string> {
  return simulateIam({ principal: `arn:aws:iam::${ACCOUNT}:role/support-agent-task`, action, resource, accountId: ACCOUNT, identityPolicies: [{ name: "task", policy }] });
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

/** What no tool may do; the secret and the execution role as the example plan names them. */
const never = (plan: PlanDocument): [string, string][] => [
  ["dynamodb:DeleteTable", TABLE],
  ["dynamodb:DeleteItem", TABLE],
  ["dynamodb:Scan", TABLE],
  ["dynamodb:GetItem", OTHER_TABLE],
  ["ses:SendEmail", OTHER_IDENTITY],
  ["secretsmanager:GetSecretValue", secretPolicyOf(plan, "github-token").arn],
  ["iam:PassRole", roleArnOf(plan, "execution")],
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
      "analyze_ticket_history | (no AWS access of its own) | - | -",
      "issue_refund | (no AWS access of its own) | - | -",
      `read_ticket | dynamodb:GetItem | ${TABLE} | Allowed`,
      `read_ticket | dynamodb:Query | ${TABLE} | Allowed`,
      `read_ticket | dynamodb:Query | ${INDEX} | Allowed`,
      `record_reply | dynamodb:UpdateItem | ${TABLE} | Allowed`,
      "search_knowledge_base | (no AWS access of its own) | - | -",
      `send_customer_reply | ses:SendEmail | ${CONFIG_SET} | Allowed`,
      `send_customer_reply | ses:SendEmail | ${IDENTITY} | Allowed`,
      `ticket_queue | dynamodb:UpdateItem | ${TABLE} | Allowed`,
      `ticket_queue | dynamodb:Query | ${TABLE}/index/by-status | Allowed`,
    ]);
  });

  it("given what no tool may do, then the simulator denies every probe", async () => {
    const probes = never(plan);
    assert.match(probes[5]![1], /^arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock\/dev\/support-agent\/github-token-[A-Za-z0-9]{6}$/);
    assert.equal(probes[6]![1], `arn:aws:iam::${ACCOUNT}:role/support-agent-execution`);
    const table: string[] = [];
    for (const [a, r] of probes) table.push(`${a} | ${r} | ${await decide(policy, a, r)}`);
    assert.deepEqual(
      table,
      probes.map(([a, r]) => `${a} | ${r} | ImplicitlyDenied`),
    );
  });
});

/**
 * One request with an identity policy (or none) and the resource's own policy, as IAM decides it in
 * one account. The caller is a session of `role` (as a Lambda function or an ECS task is).
 */
function decideWith(role: string, identity: object | readonly object[] | undefined, resourcePolicy: object | undefined, action: string, resource: string): Promise<string> {
  const identities = identity === undefined ? [] : Array.isArray(identity) ? identity : [identity];
  const session = role.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/session";
  return simulateIam({
    principal: session,
    action,
    resource,
    accountId: ACCOUNT,
    // AWS sets aws:PrincipalArn to the role's ARN for its sessions; the simulator needs it said.
    contextVariables: { "aws:SecureTransport": "true", "aws:PrincipalArn": role },
    identityPolicies: identities.map((policy, i) => ({ name: `identity-${i}`, policy })),
    ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
  });
}

describe("simulation: the platform's shared functions and the approval gateway, as the example plan writes them", () => {
  let plan: PlanDocument;
  const secretPolicy = (name: string): object => secretPolicyOf(plan, name).policy;
  const secretArn = (name: string): string => secretPolicyOf(plan, name).arn;
  let ROTATION: string;
  let MONITOR: string;
  before(async () => {
    plan = await examplePlan();
    ROTATION = roleArnOf(plan, "rotation");
    MONITOR = roleArnOf(plan, "monitor");
  });

  it("given the example's dev stack, then its secrets are named airlock/<stack>/<owner>/<name> and the platform's functions run as its own roles", () => {
    assert.deepEqual(
      ["anthropic-api-key", "billing-api-token", "github-token"].map((n) => String(secretOf(plan, n).inputs.name)),
      ["airlock/dev/support-agent/anthropic-api-key", "airlock/dev/support-agent/billing-api-token", "airlock/dev/support-agent/github-token"],
    );
    assert.deepEqual([ROTATION, MONITOR], [`arn:aws:iam::${ACCOUNT}:role/acme-agents-secret-fn-rotation`, `arn:aws:iam::${ACCOUNT}:role/acme-agents-secret-fn-age-monitor`]);
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
    // The gateway's function, as the agent's alias of it names it (its name carries the stack).
    const alias = plan.resources.find((r) => r.type === "aws:lambda/alias:Alias" && r.inputs.name === "support-agent");
    assert.ok(alias, "the example plan has no approval alias for support-agent");
    assert.equal(alias.inputs.functionName, "airlock-dev-acme-agents-approvals");
    const fn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${String(alias.inputs.functionName)}`;
    const task = roleArnOf(plan, "task");
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

  // Any role that may read secret values by its own IAM policy (the deployer's is broad): what the
  // secrets' resource policies leave it.
  const readsAnySecret = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:*` }] };

  it("given the deployer, then it reads back the generated secret whose version Pulumi writes, and is explicitly denied the out-of-band ones", async () => {
    // The plan's permission map shows that read-back as one of the generated secret's readers.
    assert.ok(
      plan.permissions.some((p) => p.system === "secret:billing-api-token" && p.tool === `(reads the value) ${DEPLOYER}` && p.resources.includes(secretArn("billing-api-token"))),
      "the plan does not show the deployer reading billing-api-token",
    );
    const rows: string[] = [];
    for (const name of ["billing-api-token", "anthropic-api-key", "github-token"]) {
      rows.push(`${name} ${await decideWith(DEPLOYER, readsAnySecret, secretPolicy(name), "secretsmanager:GetSecretValue", secretArn(name))}`);
    }
    assert.deepEqual(rows, ["billing-api-token Allowed", "anthropic-api-key ExplicitlyDenied", "github-token ExplicitlyDenied"]);
  });

  it("given another role of the account with the same IAM grant (the agent's task role), then it is explicitly denied every secret's value", async () => {
    const task = roleArnOf(plan, "task");
    const rows: string[] = [];
    for (const name of ["billing-api-token", "anthropic-api-key", "github-token"]) {
      rows.push(`${name} ${await decideWith(task, readsAnySecret, secretPolicy(name), "secretsmanager:GetSecretValue", secretArn(name))}`);
    }
    assert.deepEqual(rows, ["billing-api-token ExplicitlyDenied", "anthropic-api-key ExplicitlyDenied", "github-token ExplicitlyDenied"]);
  });

  it("given the rotation function's own policies, then it redeploys exactly the service its rotated secret names, and nothing else of ECS", async () => {
    const redeploy = (secretOf(plan, "billing-api-token").inputs.tags as Record<string, string>)["airlock:redeploy"];
    assert.equal(redeploy, "acme-agents-cluster/support-agent-dev");
    const service = `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${redeploy}`;
    const identity = inlinePoliciesOf(plan, ROTATION);
    assert.equal(identity.length, 2, "the rotation role's logs/KMS policy and the agent's redeploy grant");
    assert.deepEqual(
      [
        await decideWith(ROTATION, identity, undefined, "ecs:UpdateService", service),
        await decideWith(ROTATION, identity, undefined, "ecs:UpdateService", `arn:aws:ecs:us-east-1:${ACCOUNT}:service/acme-agents-cluster/billing-agent-dev`),
        await decideWith(ROTATION, identity, undefined, "ecs:UpdateService", `arn:aws:ecs:us-east-1:${ACCOUNT}:service/other-cluster/support-agent-dev`),
        await decideWith(ROTATION, identity, undefined, "ecs:DeleteService", service),
        await decideWith(ROTATION, identity, undefined, "ecs:RegisterTaskDefinition", "*"),
        await decideWith(MONITOR, inlinePoliciesOf(plan, MONITOR), undefined, "ecs:UpdateService", service),
      ],
      ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied"],
    );
  });
});
