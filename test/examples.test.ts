/**
 * Every example project plans offline with the guardrails on: the root project (the support
 * agent) and each examples/<dir> with a Pulumi.yaml. The multi-agent example shares one platform
 * between three agents with different risk lines.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { main, bufferIo } from "@airlock/cli";
import { actionFacts, isReadLevel, type PlanDocument, type PlannedResource } from "@airlock/core";
import { REPOSITORY_ROOT, exampleProjects } from "../scripts/plan-all.ts";

const MULTI_AGENT = join(REPOSITORY_ROOT, "examples/multi-agent");

interface Planned {
  readonly code: number;
  readonly plan: PlanDocument;
  readonly stderr: string;
}

/** `airlock plan <dir> --json` (guardrails on, stack dev): exit code and the plan document. */
async function plan(dir: string): Promise<Planned> {
  const io = bufferIo(REPOSITORY_ROOT);
  const code = await main(["plan", dir, "--json"], io);
  assert.ok(io.stdout.length > 0, `airlock plan ${dir} printed no plan; stderr: ${io.stderr}`);
  return { code, plan: JSON.parse(io.stdout) as PlanDocument, stderr: io.stderr };
}

const byType = (p: PlanDocument, type: string): PlannedResource[] => p.resources.filter((r) => r.type === type);

describe("example projects", () => {
  const projects = exampleProjects();
  const plans = new Map<string, Planned>();

  before(async () => {
    for (const dir of projects) plans.set(dir, await plan(dir));
  });

  it("are the root project, examples/bring-your-own and examples/multi-agent", () => {
    assert.deepEqual(projects.map((d) => relative(REPOSITORY_ROOT, d) || "."), [".", "examples/bring-your-own", "examples/multi-agent"]);
  });

  for (const dir of projects) {
    const name = relative(REPOSITORY_ROOT, dir) || ".";

    it(`${name}: plans with no error finding and exits 0`, () => {
      const { code, plan: p, stderr } = plans.get(dir)!;
      assert.deepEqual(p.findings.filter((f) => f.severity === "error"), []);
      assert.equal(code, 0, stderr);
    });

    it(`${name}: routes every agent with outward tools that need a person through the platform's one approval gateway, by its own alias`, () => {
      const { plan: p } = plans.get(dir)!;
      const gateways = p.resources.filter((r) => r.type === "airlock:approvals:ApprovalGateway");
      assert.equal(gateways.length, 1);
      const gated = [...(gateways[0]!.inputs.agents as string[])].sort();
      const aliases = p.resources.filter((r) => r.type === "aws:lambda/alias:Alias").map((r) => r.inputs.name).sort();
      assert.deepEqual(aliases, gated);
      const needing = p.agents.filter((a) => a.tools.some((t) => t.outward && t.tier !== "auto")).map((a) => a.name).sort();
      assert.deepEqual(gated, needing);
      assert.ok(needing.length > 0);
    });

    it(`${name}: maps every tool of every agent to what it may touch`, () => {
      const { plan: p } = plans.get(dir)!;
      assert.ok(p.agents.length > 0, "the plan deploys no agent");
      for (const agent of p.agents) {
        const mapped = new Set(p.permissions.filter((e) => e.agent === agent.name).map((e) => e.tool));
        assert.deepEqual(agent.tools.map((t) => t.name).filter((t) => !mapped.has(t)), [], `tools of ${agent.name} missing from the permission map`);
        // The plan's map is the compiled model's, row for row, plus who may read each secret's value.
        assert.deepEqual(
          p.permissions.filter((e) => e.agent === agent.name && !e.tool.startsWith("(reads the value) ")).map(({ agent: _a, ...row }) => row),
          [...agent.permissions].sort((a, b) => a.tool.localeCompare(b.tool) || a.system.localeCompare(b.system)),
        );
      }
    });

    it(`${name}: allows every agent's hosts in the DNS firewall`, () => {
      const { plan: p } = plans.get(dir)!;
      const lists = byType(p, "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList").filter((r) => r.name.endsWith("-allowed"));
      assert.equal(lists.length, byType(p, "airlock:platform:AgentPlatform").length, "one allowlist per platform");
      const allowed = new Set(lists.flatMap((r) => r.inputs.domains as string[]));
      for (const agent of p.agents) {
        assert.deepEqual(agent.egress.hosts.filter((h) => !allowed.has(h)), [], `hosts of ${agent.name} missing from the DNS allowlist`);
      }
    });
  }

  describe("multi-agent", () => {
    const manifests = ["research", "billing", "newsletter"].map((d) => parse(readFileSync(join(MULTI_AGENT, d, "agent.yaml"), "utf8")));

    it("shares one AgentPlatform between three AgentDeployments", () => {
      const p = plans.get(MULTI_AGENT)!.plan;
      const platforms = byType(p, "airlock:platform:AgentPlatform");
      assert.deepEqual(platforms.map((r) => r.name), ["acme-agents"]);
      const deployments = byType(p, "airlock:agent:AgentDeployment");
      assert.deepEqual(deployments.map((r) => r.name).sort(), ["billing-agent", "newsletter-agent", "research-agent"]);
      assert.deepEqual(byType(p, "aws:ecs/cluster:Cluster").map((r) => r.name), ["acme-agents-cluster"]);
      assert.deepEqual(byType(p, "aws:ec2/vpc:Vpc").map((r) => r.name), ["acme-agents-vpc"]);
      // Each agent has its own service, task role and security group.
      for (const [kind, suffix] of [["aws:ecs/service:Service", "-service"], ["aws:iam/role:Role", "-task"], ["aws:ec2/securityGroup:SecurityGroup", "-agent"]] as const) {
        for (const d of deployments) {
          const own = byType(p, kind).filter((r) => r.name === `${d.name}${suffix}`);
          assert.deepEqual(own.map((r) => r.parent), [d.urn], `${kind} ${d.name}${suffix}`);
        }
      }
    });

    it("allows the hosts each manifest's tools call, and the model provider's", () => {
      const p = plans.get(MULTI_AGENT)!.plan;
      const allowed = byType(p, "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList").find((r) => r.name === "acme-agents-allowed")!.inputs.domains as string[];
      const declared = manifests.flatMap((m) => m.tools.flatMap((t: any) => t.hosts ?? []));
      assert.deepEqual(declared.sort(), ["api.payments.acme.example.com", "search.research.acme.example.com"]);
      for (const h of [...declared, "api.anthropic.com"]) assert.ok(allowed.includes(h), `${h} is not in the DNS allowlist`);
    });

    it("gives the three agents their own risk lines", () => {
      const p = plans.get(MULTI_AGENT)!.plan;
      const approvals = Object.fromEntries(p.agents.map((a) => [a.name, a.riskLines.map((x) => [x.actionType, x.tier, x.riskClass ?? "-", x.tools.join(",")])]));
      assert.deepEqual(approvals, {
        "billing-agent": [["billing.refund", "always-approve", "money", "issue_refund"]],
        "newsletter-agent": [["newsletter.send", "always-approve", "mass-communication", "send_newsletter"]],
        "research-agent": [],
      });
    });

    it("keeps the research agent read-only, its code in the sandbox task", async () => {
      const p = plans.get(MULTI_AGENT)!.plan;
      const research = p.permissions.filter((e) => e.agent === "research-agent");
      assert.deepEqual(research.filter((e) => e.access !== "read").map((e) => `${e.tool} ${e.system}`), ["run_analysis sandbox"]);
      const role = byType(p, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name === "research-agent-task")!;
      const statements = JSON.parse(role.inputs.policy as string).Statement as { Sid: string; Action: string[]; Resource: string[] }[];
      const actions = statements.filter((s) => !s.Sid.startsWith("Sandbox")).flatMap((s) => s.Action);
      for (const a of ["dynamodb:GetItem", "dynamodb:Query", "s3:GetObject", "s3:ListBucket", "bedrock:InvokeModel"]) assert.ok(actions.includes(a), `task role lacks ${a}`);
      for (const a of actions) assert.ok(isReadLevel((await actionFacts(a))!.accessLevel), `research-agent's task role holds ${a}, which is not Read or List`);
      // Its only writes: starting the sandbox task (passing it its two roles, tagging it as it starts) and stopping it; then reading its output.
      assert.deepEqual(
        statements.filter((s) => s.Sid.startsWith("Sandbox")).map((s) => [s.Action, s.Resource]),
        [
          [["ecs:RunTask"], ["arn:aws:ecs:us-east-1:123456789012:task-definition/research-agent-dev-sandbox:1"]],
          [["iam:PassRole"], ["arn:aws:iam::123456789012:role/research-agent-sandbox-execution", "arn:aws:iam::123456789012:role/research-agent-sandbox-task"]],
          [["ecs:TagResource"], ["arn:aws:ecs:us-east-1:123456789012:task/acme-agents-cluster/*"]],
          [["ecs:DescribeTasks", "ecs:StopTask"], ["arn:aws:ecs:us-east-1:123456789012:task/acme-agents-cluster/*"]],
          [["logs:GetLogEvents"], ["arn:aws:logs:us-east-1:123456789012:log-group:/airlock/dev/agents/research-agent:log-stream:sandbox/sandbox/*"]],
        ],
      );
      assert.deepEqual(byType(p, "aws:ecs/taskDefinition:TaskDefinition").map((r) => r.name).filter((n) => n.startsWith("research-agent")).sort(), [
        "research-agent-release-v1",
        "research-agent-sandbox",
      ]);
    });

    /** Runs the example's program under mocks with its dev config changed by `edit`; returns what it made and threw. */
    async function runWith(edit: (agents: any) => void): Promise<{ made: string[]; error: unknown }> {
      const { recordProgram } = await import("@airlock/pulumi");
      const stack = parse(readFileSync(join(MULTI_AGENT, "stacks/Pulumi.dev.yaml"), "utf8")).config;
      const agents = structuredClone(stack["airlock-multi-agent:agents"]);
      edit(agents);
      const program = ((await import("../examples/multi-agent/index.ts")) as { default: () => Promise<unknown> }).default;
      let error: unknown;
      const rec = await recordProgram({
        project: "airlock-multi-agent",
        stack: "dev",
        config: { "aws:region": "us-east-1", "airlock-multi-agent:agents": JSON.stringify(agents), "airlock-multi-agent:transitGatewayId": String(stack["airlock-multi-agent:transitGatewayId"]) },
        program: async () => {
          try {
            return await program();
          } catch (e) {
            error = e;
            return undefined;
          }
        },
      });
      return { made: rec.resources.map((r) => `${r.type} ${r.name}`), error };
    }

    it("makes nothing when one agent's release config is bad, and says which", async () => {
      const control = await runWith(() => {});
      assert.equal(control.error, undefined);
      assert.ok(control.made.includes("airlock:platform:AgentPlatform acme-agents"), "the unchanged config plans the platform");

      const badRelease = await runWith((a) => (a["newsletter-agent"].activeRelease = "v9"));
      assert.equal((badRelease.error as Error).message, '`activeRelease`: "v9" is not a declared release; declared: v1');
      assert.deepEqual(badRelease.made, []);

      const unknownAgent = await runWith((a) => (a["support-agent"] = a["billing-agent"]));
      assert.equal(
        (unknownAgent.error as Error).message,
        "`agents.support-agent`: no agent of this platform is called `support-agent`; the agents are research-agent, billing-agent, newsletter-agent",
      );
      assert.deepEqual(unknownAgent.made, []);

      const unknownField = await runWith((a) => (a["research-agent"].replicas = 2));
      assert.equal((unknownField.error as Error).message, "`agents.research-agent.replicas`: unknown field; an agent's config has `activeRelease`, `desiredCount`, `releases`, `approvals`");
      assert.deepEqual(unknownField.made, []);

      const missing = await runWith((a) => delete a["billing-agent"]);
      assert.equal((missing.error as Error).message, "`agents.billing-agent`: give the agent's `releases` and `activeRelease` in the stack config");
      assert.deepEqual(missing.made, []);
    });

    it("runs each agent's release with a current, passing eval report (no gate opt-out)", () => {
      const p = plans.get(MULTI_AGENT)!.plan;
      assert.deepEqual(p.findings.filter((f) => f.rule === "AIR-W006"), []);
      assert.deepEqual(p.findings.filter((f) => f.severity === "warning"), []);
    });
  });
});
