/**
 * The pack agrees with the compiler: an opt-out the components accept with a reason is at most a
 * warning that quotes the reason; an opt-out they would never emit (no reason, a blank one, on the
 * wrong resource, wider than compiled) stays an error. Plans are built as `airlock plan --json`
 * records them; the engine cases call the policies with the engine's argument shapes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Finding, PlanDocument } from "@airlock/core";
import type { StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { evaluatePlan } from "../src/evaluate.ts";
import { packEntry } from "../src/pack.ts";
import { policyFor } from "../src/policies.ts";
import { policy } from "./helpers.ts";

const P = "urn:pulumi:dev::support-agent::airlock:agent:AgentDeployment$";
const TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets";
const REASON = "one export object per day, keyed by the date";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

interface Res {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}
const res = (type: string, name: string, inputs: Record<string, unknown>): Res => ({ type, name, inputs });

function plan(resources: readonly Res[], agents: readonly object[] = []): PlanDocument {
  return {
    version: 1,
    project: "support-agent",
    stack: "dev",
    resources: resources.map((r) => ({ urn: `${P}${r.type}::${r.name}`, type: r.type, name: r.name, parent: null, custom: true, inputs: r.inputs, dependsOn: [] })),
    agents: agents as PlanDocument["agents"],
    permissions: [],
    findings: [],
  } as unknown as PlanDocument;
}

const errors = (fs: readonly Finding[]) => fs.filter((f) => f.severity === "error");
const urn = (type: string, name: string) => `${P}${type}::${name}`;

// --- allowWildcard.reason --------------------------------------------------------------------

const wildcardStatement = { Sid: "RecordReplyDynamodb0", Effect: "Allow", Action: ["dynamodb:UpdateItem"], Resource: [`${TABLE}*`] };
const exactStatement = { Sid: "ReadTicketDynamodb0", Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: [TABLE] };
const taskRole = (tags: Record<string, string> = {}) => res(ROLE, "support-agent-task", { tags: { "airlock:agent": "support-agent", "airlock:role": "task", ...tags } });
const taskPolicy = (...statements: object[]) => res(ROLE_POLICY, "support-agent-task", { role: "support-agent-task", policy: policy(...statements) });
/** The agent's compiled model as far as the rules read it; `reason` undefined = the tool has no `allowWildcard`. */
const model = (reason: string | undefined) => ({
  name: "support-agent",
  tools: [],
  taskRoleStatements: [exactStatement, wildcardStatement],
  permissions: [
    { tool: "read_ticket", system: "aws:dynamodb", access: "read", actions: ["dynamodb:GetItem"], resources: [TABLE] },
    { tool: "record_reply", system: "aws:dynamodb", access: "write", actions: ["dynamodb:UpdateItem"], resources: [`${TABLE}*`], ...(reason !== undefined ? { wildcardReason: reason } : {}) },
  ],
});
const IAM = ["AIR-G002", "AIR-G006"];
const g002 = (message: string): Finding => ({ rule: "AIR-G002", severity: "error", subject: urn(ROLE_POLICY, "support-agent-task"), message });
const UNREASONED = `policy statement RecordReplyDynamodb0 grants "dynamodb:UpdateItem" on the wildcard resource "${TABLE}*"; name the exact resource ARNs`;

describe("a wildcard the manifest allows with `allowWildcard.reason` (AIR-G002, AIR-G006)", () => {
  it("given the compiled statement and its reason, when the plan is evaluated, then no error and a warning quoting the reason", async () => {
    const findings = await evaluatePlan(plan([taskRole(), taskPolicy(exactStatement, wildcardStatement)], [model(REASON)]), { only: IAM });
    assert.deepEqual(findings, [
      {
        rule: "AIR-G006",
        severity: "warning",
        subject: urn(ROLE_POLICY, "support-agent-task"),
        message: `policy statement RecordReplyDynamodb0 grants "dynamodb:UpdateItem" on "${TABLE}*", a wildcard the manifest allows for tool \`record_reply\` (\`allowWildcard.reason\`): ${REASON}`,
      },
    ]);
  });

  it("given no reason on the tool, then still an error", async () => {
    assert.deepEqual(await evaluatePlan(plan([taskRole(), taskPolicy(wildcardStatement)], [model(undefined)]), { only: IAM }), [g002(UNREASONED)]);
  });

  for (const blank of ["", "   ", " \t\n ", "too short"]) {
    it(`given the reason ${JSON.stringify(blank)}, then still an error that says the reason is not one`, async () => {
      assert.deepEqual(await evaluatePlan(plan([taskRole(), taskPolicy(wildcardStatement)], [model(blank)]), { only: IAM }), [
        g002(
          `policy statement RecordReplyDynamodb0 grants "dynamodb:UpdateItem" on the wildcard resource "${TABLE}*", but its wildcard reason (${JSON.stringify(blank)}) is empty or too short; give \`allowWildcard.reason\` on the tool (at least 10 characters a reviewer can judge)`,
        ),
      ]);
    });
  }

  it("given the reasoned Sid on a statement wider than compiled (another wildcard resource), then an error", async () => {
    const widened = { ...wildcardStatement, Resource: [`${TABLE}*`, "arn:aws:dynamodb:us-east-1:123456789012:table/*"] };
    const findings = await evaluatePlan(plan([taskRole(), taskPolicy(widened)], [model(REASON)]), { only: IAM });
    assert.deepEqual(
      findings.map((f) => [f.rule, f.severity]),
      [["AIR-G002", "error"], ["AIR-G002", "error"]],
    );
    assert.match(findings[0]!.message, /differs from the statement the manifest compiled to/);
  });

  it("given a reason tag forged on the task role that the compiled model does not hold, then an error (the model decides)", async () => {
    const forged = taskRole({ "airlock:wildcard:RecordReplyDynamodb0": REASON });
    assert.deepEqual(await evaluatePlan(plan([forged, taskPolicy(wildcardStatement)], [model(undefined)]), { only: IAM }), [g002(UNREASONED)]);
  });

  it("given the same statement on the execution role, a managed policy or a role of no agent, then an error: compile gives reasons to task roles only", async () => {
    const execution = res(ROLE, "support-agent-execution", { tags: { "airlock:agent": "support-agent", "airlock:role": "execution" } });
    const onExecution = res(ROLE_POLICY, "support-agent-execution", { role: "support-agent-execution", policy: policy(wildcardStatement) });
    const managed = res("aws:iam/policy:Policy", "extra", { policy: policy(wildcardStatement) });
    const stranger = res(ROLE, "other", { inlinePolicies: [{ name: "p", policy: policy(wildcardStatement) }] });
    const findings = await evaluatePlan(plan([taskRole(), execution, onExecution, managed, stranger], [model(REASON)]), { only: IAM });
    assert.deepEqual(
      findings.map((f) => [f.rule, f.severity, f.subject.split("::").pop()]),
      [
        ["AIR-G002", "error", "extra"],
        ["AIR-G002", "error", "other"],
        ["AIR-G002", "error", "support-agent-execution"],
      ],
    );
  });

  describe("in the Pulumi engine (no compiled models: the task role's `airlock:wildcard:<Sid>` tag)", () => {
    const engineStack = (resources: readonly Res[]) =>
      ({
        resources: resources.map((r) => ({ urn: urn(r.type, r.name), type: r.type, name: r.name, props: r.inputs, dependencies: [] })),
        stackTags: new Map(),
        getConfig: () => ({}),
        notApplicable: () => undefined as never,
      }) as unknown as StackValidationArgs;
    const run = async (id: string, resources: readonly Res[]) => {
      const reported: [string, string | undefined][] = [];
      await (policyFor(packEntry(id)!) as StackValidationPolicy).validateStack(engineStack(resources), (m, u) => reported.push([m, u]));
      return reported;
    };

    it("given the tag with a reason, then AIR-G002 reports nothing and AIR-G006 quotes the reason", async () => {
      const stack = [taskRole({ "airlock:wildcard:RecordReplyDynamodb0": REASON }), taskPolicy(wildcardStatement)];
      assert.deepEqual(await run("AIR-G002", stack), []);
      assert.deepEqual(await run("AIR-G006", stack), [
        [`AIR-G006: policy statement RecordReplyDynamodb0 grants "dynamodb:UpdateItem" on "${TABLE}*", a wildcard the manifest allows (\`allowWildcard.reason\`): ${REASON}`, urn(ROLE_POLICY, "support-agent-task")],
      ]);
    });

    it("given no tag, a blank one, or the tag on a role that is not a task role, then AIR-G002 reports the wildcard", async () => {
      assert.equal((await run("AIR-G002", [taskRole(), taskPolicy(wildcardStatement)])).length, 1);
      assert.equal((await run("AIR-G002", [taskRole({ "airlock:wildcard:RecordReplyDynamodb0": "  " }), taskPolicy(wildcardStatement)])).length, 1);
      const notTask = res(ROLE, "support-agent-task", { tags: { "airlock:agent": "support-agent", "airlock:role": "execution", "airlock:wildcard:RecordReplyDynamodb0": REASON } });
      assert.equal((await run("AIR-G002", [notTask, taskPolicy(wildcardStatement)])).length, 1);
    });
  });
});

// --- privateRoutes[].managedElsewhere.reason -------------------------------------------------

const ROUTE_REASON = "the network team's transit gateway routes 10.20.0.0/16 (ticket NET-142)";
const vpc = (tags: Record<string, string> = {}) => res("aws:ec2/vpc:Vpc", "platform-vpc", { cidrBlock: "10.40.0.0/16", tags });
const group = (tags: Record<string, string> = {}) =>
  res("aws:ec2/securityGroup:SecurityGroup", "support-agent-agent", {
    vpcId: "platform-vpc-id",
    tags,
    egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.20.8.0/24"], description: "HTTPS to api.billing.acme.example.com" }],
  });
const routeTable = res("aws:ec2/routeTable:RouteTable", "platform-private-a", { vpcId: "platform-vpc-id", routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: "nat-1" }] });
const ROUTES = ["AIR-D018", "AIR-D021"];
const SG = urn("aws:ec2/securityGroup:SecurityGroup", "support-agent-agent");
const UNROUTED =
  'ec2 SecurityGroup `support-agent-agent`: egress[0] ("HTTPS to api.billing.acme.example.com") allows egress to 10.20.8.0/24, private address space outside VPC `platform-vpc` (10.40.0.0/16), but no route table of the VPC sends it to a transit gateway, peering connection or VPN gateway, so the traffic can never arrive';

describe("a private route the platform declares kept elsewhere (AIR-D018, AIR-D021)", () => {
  for (const cidr of ["10.20.8.0/24", "10.20.0.0/16"]) {
    it(`given the VPC tagged \`airlock:route-elsewhere:${cidr}\` with a reason, then no error and a warning quoting the reason`, async () => {
      const findings = await evaluatePlan(plan([vpc({ [`airlock:route-elsewhere:${cidr}`]: ROUTE_REASON }), group(), routeTable]), { only: ROUTES });
      assert.deepEqual(findings, [
        {
          rule: "AIR-D021",
          severity: "warning",
          subject: SG,
          message: `ec2 SecurityGroup \`support-agent-agent\`: egress[0] ("HTTPS to api.billing.acme.example.com") allows egress to 10.20.8.0/24, private address space outside VPC \`platform-vpc\` (10.40.0.0/16), over a route to ${cidr} kept outside this stack (\`privateRoutes[].managedElsewhere\`): ${ROUTE_REASON}; no route table in the plan carries it, so check the route exists in the route tables of the subnets that use the group before the agent relies on it`,
        },
      ]);
    });
  }

  it("given no tag (a real missing route), then still an error", async () => {
    const findings = await evaluatePlan(plan([vpc(), group(), routeTable]), { only: ROUTES });
    assert.deepEqual(findings.map((f) => [f.rule, f.severity]), [["AIR-D018", "error"]]);
    assert.ok(findings[0]!.message.startsWith(`${UNROUTED}; add a route for 10.20.8.0/24`), findings[0]!.message);
  });

  it("given the tag with a blank reason, then an error that says the tag does not count", async () => {
    const findings = await evaluatePlan(plan([vpc({ "airlock:route-elsewhere:10.20.8.0/24": "   " }), group(), routeTable]), { only: ROUTES });
    assert.deepEqual(findings.map((f) => [f.rule, f.severity]), [["AIR-D018", "error"]]);
    assert.ok(findings[0]!.message.startsWith(`${UNROUTED}; the VPC's \`airlock:route-elsewhere:10.20.8.0/24\` tag gives no reason ("   "), so it does not count; add a route`), findings[0]!.message);
  });

  it("given the tag forged on the security group instead of the VPC, or for a range that does not cover the rule's, then an error", async () => {
    const onGroup = await evaluatePlan(plan([vpc(), group({ "airlock:route-elsewhere:10.20.8.0/24": ROUTE_REASON }), routeTable]), { only: ROUTES });
    assert.deepEqual(onGroup.map((f) => [f.rule, f.severity]), [["AIR-D018", "error"]]);
    const narrow = await evaluatePlan(plan([vpc({ "airlock:route-elsewhere:10.20.9.0/24": ROUTE_REASON }), group(), routeTable]), { only: ROUTES });
    assert.deepEqual(narrow.map((f) => [f.rule, f.severity]), [["AIR-D018", "error"]]);
  });
});

// --- egress.anyIpOn443.reason ----------------------------------------------------------------

describe("egress to anywhere under `egress.anyIpOn443.reason` (AIR-G020, AIR-G021)", () => {
  const open = (description: string, protocol = "tcp") =>
    res("aws:ec2/securityGroup:SecurityGroup", "support-agent-agent", { egress: [{ protocol, fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description }] });
  const EGRESS = ["AIR-G020", "AIR-G021"];

  it("given the description the deployment writes, then no error and a warning quoting the reason", async () => {
    const findings = await evaluatePlan(plan([open("OPT-OUT anyIpOn443 (DNS firewall only): the vendor publishes no address ranges")]), { only: EGRESS });
    assert.deepEqual(findings, [
      { rule: "AIR-G021", severity: "warning", subject: SG, message: "egress[0] allows egress to 0.0.0.0/0 under the egress opt-out, limited only by the DNS firewall: the vendor publishes no address ranges" },
    ]);
  });

  it("given an opt-out without a real reason, or on every protocol, then an error and no warning", async () => {
    const blank = await evaluatePlan(plan([open("OPT-OUT anyIpOn443:   ")]), { only: EGRESS });
    assert.deepEqual(blank.map((f) => [f.rule, f.severity]), [["AIR-G020", "error"]]);
    const allProtocols = await evaluatePlan(plan([open("OPT-OUT anyIpOn443: the vendor publishes no address ranges", "-1")]), { only: EGRESS });
    assert.deepEqual(allProtocols.map((f) => [f.rule, f.severity]), [["AIR-G020", "error"]]);
  });
});

describe("no error finding of the pack is left for an accepted opt-out", () => {
  it("given all three opt-outs with reasons in one plan, when the whole pack runs, then none of AIR-G002, AIR-G020, AIR-D018 reports", async () => {
    const findings = await evaluatePlan(
      plan(
        [taskRole(), taskPolicy(exactStatement, wildcardStatement), vpc({ "airlock:route-elsewhere:10.20.8.0/24": ROUTE_REASON }), group(), routeTable],
        [model(REASON)],
      ),
    );
    assert.deepEqual(errors(findings).filter((f) => ["AIR-G002", "AIR-G020", "AIR-D018"].includes(f.rule)), []);
  });
});
