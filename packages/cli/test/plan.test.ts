import { strict as assert } from "node:assert";
import type { PlanDocument } from "@airlock/core";
import { mkdtempSync, readFileSync, writeFileSync, cpSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../src/main.ts";
import { bufferIo } from "../src/io.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const EXAMPLE = join(ROOT, "examples/support-agent");

describe("airlock plan", () => {
  it("plans the root Pulumi project offline and prints a stable JSON document", async () => {
    const first = bufferIo(ROOT);
    assert.equal(await main(["plan", ".", "--json", "--no-guardrails"], first), 0, first.stderr);
    const second = bufferIo(ROOT);
    assert.equal(await main(["plan", ".", "--json", "--no-guardrails"], second), 0, second.stderr);
    assert.equal(first.stdout, second.stdout, "two plans of the same program must be identical");

    const plan = JSON.parse(first.stdout);
    assert.deepEqual(Object.keys(plan), ["version", "project", "stack", "resources", "agents", "permissions", "findings", "alarms"]);
    assert.equal(plan.project, "airlock-support-agent");
    assert.equal(plan.stack, "dev");
    // `aliases` only where a resource has any (the built image's docker provider declares one).
    for (const r of plan.resources) assert.deepEqual(Object.keys(r), ["urn", "type", "name", "parent", "custom", "inputs", "dependsOn", ...("aliases" in r ? ["aliases"] : [])]);
    const urns = plan.resources.map((r: any) => r.urn);
    assert.deepEqual(urns, [...urns].sort(), "resources are sorted by URN");
    const service = plan.resources.find((r: any) => r.type === "aws:ecs/service:Service");
    assert.equal(service.parent, plan.resources.find((r: any) => r.type === "airlock:agent:AgentDeployment").urn);
    // The dev stack runs v3 (v1 and v2 are marked bad: one-shot images), its third revision.
    assert.equal(service.inputs.taskDefinition, plan.resources.find((r: any) => r.name === "support-agent-release-v3").urn.length > 0 ? "arn:aws:ecs:us-east-1:123456789012:task-definition/support-agent-dev:3" : "");
    // The permission map covers every tool, tool → system → actions → resources.
    assert.deepEqual([...new Set(plan.permissions.filter((p: any) => !p.tool.startsWith("(reads the value)")).map((p: any) => p.tool))], ["analyze_ticket_history", "issue_refund", "read_ticket", "record_reply", "search_knowledge_base", "send_customer_reply", "ticket_queue"]);
    assert.deepEqual(
      plan.permissions.filter((p: any) => p.tool === "read_ticket"),
      [
        { agent: "support-agent", tool: "read_ticket", system: "aws:dynamodb", access: "read", actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets"] },
        {
          agent: "support-agent",
          tool: "read_ticket",
          system: "aws:dynamodb",
          access: "read",
          actions: ["dynamodb:Query"],
          resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets", "arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets/index/by-customer"],
        },
      ],
    );
    // The eval gate passed for the active release, and says so on the service.
    assert.equal(service.inputs.tags["airlock:eval-gate"], "on: pass rate at least 90 percent");
    // Secret values never appear: the generated password is a placeholder.
    const version = plan.resources.find((r: any) => r.type === "aws:secretsmanager/secretVersion:SecretVersion");
    assert.equal(version.inputs.secretString, "[secret]");
    assert.ok(!first.stdout.includes("planned-random-value"));
  });

  it("prints the resource tree, the permission map and the findings as text", async () => {
    const io = bufferIo(ROOT);
    assert.equal(await main(["plan", "--stack", "prod", "--no-guardrails"], io), 0, io.stderr);
    // prod declares the eval gate's GitHub side (EvalGate), the tenth component.
    assert.match(io.stdout, /^Plan for airlock-support-agent \(stack prod\): \d+ resources in 10 components/);
    assert.match(io.stdout, /\n {2}□ airlock:github:EvalGate {2}eval-gate\n(?: {4}\+ .+\n)* {4}\+ github:index\/repositoryRuleset:RepositoryRuleset {2}eval-gate-branch\n/);
    assert.match(io.stdout, /\n {2}□ airlock:agent:AgentDeployment {2}support-agent\n/);
    assert.match(io.stdout, /\n {4}\+ aws:ecs\/service:Service {2}support-agent-service\n/);
    assert.match(io.stdout, /\n {2}read_ticket \[read\]\n {4}aws:dynamodb \(read\)\n {6}actions: {3}dynamodb:GetItem\n {6}resource: {2}arn:aws:dynamodb:us-east-1:123456789012:table\/support-tickets\n {4}aws:dynamodb \(read\)\n {6}actions: {3}dynamodb:Query\n/);
    // The only findings: prod's bad releases v1 and v2 ship the models their images were built with,
    // older than agent.yaml now (AIR-I110, info); v3, the active one, ships the current compile's.
    const findings = io.stdout.slice(io.stdout.indexOf("\nFindings (")).split("\n").filter((l) => /^ {2}[A-Z]+ /.test(l));
    assert.deepEqual(findings.map((l) => l.match(/^ {2}(\S+) +(\S+) +(\S+) (releases\.v\d+):/)?.slice(1)), [
      ["INFO", "AIR-I110", "support-agent:", "releases.v1"],
      ["INFO", "AIR-I110", "support-agent:", "releases.v2"],
    ]);
    // prod runs a NAT gateway per zone.
    assert.equal(io.stdout.match(/aws:ec2\/natGateway:NatGateway/g)?.length, 2);
  });

  it("says who may read each secret's value, the principal running pulumi up included where it reads back a version", async () => {
    const io = bufferIo(ROOT);
    assert.equal(await main(["plan", ".", "--json", "--no-guardrails"], io), 0, io.stderr);
    const plan = JSON.parse(io.stdout) as PlanDocument;
    const readers = (secret: string) =>
      plan.permissions.filter((p) => p.system === `secret:${secret}` && p.tool.startsWith("(reads the value) ")).map((p) => p.tool.slice("(reads the value) ".length)).sort();
    // Generated: Pulumi writes the first version and reads it back; the rotation function rotates it.
    assert.deepEqual(readers("billing-api-token"), [
      "arn:aws:iam::123456789012:role/airlock-deployer",
      "arn:aws:iam::123456789012:role/acme-agents-secret-fn-rotation",
      "arn:aws:iam::123456789012:role/support-agent-execution",
    ].sort());
    // Put by hand (out of band): Pulumi never reads the value, so neither may the deployer.
    assert.deepEqual(readers("anthropic-api-key"), ["arn:aws:iam::123456789012:role/support-agent-execution"]);
    const text = bufferIo(ROOT);
    assert.equal(await main(["plan", ".", "--no-guardrails"], text), 0);
    assert.match(text.stdout, /Who may read each secret's value \(the secrets' resource policies\):\n(.*\n)*  support-agent secret:billing-api-token  arn:aws:iam::123456789012:role\/airlock-deployer\n/);
  });

  it("plans a bare agent.yaml with Airlock's defaults", async () => {
    const io = bufferIo(ROOT);
    assert.equal(await main(["plan", join(EXAMPLE, "agent.yaml"), "--json", "--no-guardrails"], io), 0, io.stderr);
    const plan = JSON.parse(io.stdout);
    assert.ok(plan.resources.some((r: any) => r.type === "airlock:platform:AgentPlatform" && r.name === "support-agent-platform"));
    assert.ok(plan.resources.some((r: any) => r.name === "support-agent-release-current"));
    // With no releases there is no eval report: the gate is off, visibly.
    assert.deepEqual(
      plan.findings.filter((f: any) => f.rule === "AIR-W006"),
      [{ rule: "AIR-W006", severity: "warning", subject: "support-agent: service support-agent-dev", message: "eval gate is off: planned from a bare agent.yaml: no releases or eval reports to gate" }],
    );
  });

  it("given a bare agent.yaml, then its region is --region, else its ECR image's, and the mocks answer getRegion with it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-plan-region-"));
    cpSync(EXAMPLE, dir, { recursive: true });
    const file = join(dir, "agent.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replaceAll("us-east-1", "eu-west-1"));
    for (const argv of [["--region", "eu-west-1"], []]) {
      const io = bufferIo(dir);
      assert.equal(await main(["plan", "agent.yaml", "--json", "--no-guardrails", ...argv], io), 0, io.stderr);
      const plan = JSON.parse(io.stdout) as PlanDocument;
      const text = JSON.stringify(plan.resources);
      assert.ok(!text.includes("us-east-1"), "nothing planned in us-east-1");
      const service = plan.resources.find((r) => r.type === "aws:ecs/service:Service")!;
      assert.match(String(service.inputs.taskDefinition), /^arn:aws:ecs:eu-west-1:123456789012:task-definition\//);
      assert.ok(plan.resources.some((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint" && r.inputs.serviceName === "com.amazonaws.eu-west-1.secretsmanager"));
      assert.ok(plan.resources.some((r) => r.type === "aws:ec2/subnet:Subnet" && r.inputs.availabilityZone === "eu-west-1a"));
    }
    // The image says eu-west-1; planning it for another region is refused by the platform, naming the field.
    const other = bufferIo(dir);
    assert.equal(await main(["plan", "agent.yaml", "--region", "eu-central-1", "--no-guardrails"], other), 2);
    assert.match(other.stderr, /^airlock plan: `agent\.image\.digest`: the image is in eu-west-1 but the platform is in eu-central-1/);
  });

  it("given a bare agent.yaml whose image names no region, then it refuses without --region, naming it and the fix; a malformed region is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-plan-region-"));
    cpSync(EXAMPLE, dir, { recursive: true });
    const file = join(dir, "agent.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/digest: 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/support-agent@/, "digest: ghcr.io/acme/support-agent@"));
    const io = bufferIo(dir);
    assert.equal(await main(["plan", "agent.yaml"], io), 2);
    assert.match(io.stderr, /^airlock plan: `--region`: .*agent\.yaml names no region \(its image ghcr\.io\/acme\/support-agent@sha256:[0-9a-f]{64} is not in an ECR registry\); pass the region to plan for, e\.g\. `--region us-east-1`\n/);
    for (const [region, hint] of [["us-east-1a", "; that is an availability zone, its region is us-east-1"], ["EU-WEST-1", "; regions are lowercase: eu-west-1"], ["mars-1", ""]] as const) {
      const bad = bufferIo(dir);
      assert.equal(await main(["plan", "agent.yaml", "--region", region], bad), 2);
      assert.equal(bad.stderr.split("\n")[0], `airlock plan: \`--region\`: "${region}" is not an AWS region${hint}; write it like us-east-1 or eu-west-2`);
    }
  });

  it("exits non-zero with every problem and no stack trace when the manifest is invalid", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-plan-"));
    cpSync(EXAMPLE, dir, { recursive: true });
    const file = join(dir, "agent.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("actions: [dynamodb:GetItem, dynamodb:Query]", "actions: [dynamodb:GetItem, dynamodb:DeleteItem]").replace("owner: support-platform@example.com", "owner: ''"));
    const io = bufferIo(dir);
    assert.equal(await main(["plan", "agent.yaml"], io), 2);
    assert.equal(io.stdout, "");
    assert.match(io.stderr, /^invalid agent manifest \(.*agent\.yaml\): 1 problem\n {2}agent\.owner: name the team or person accountable for the agent\n$/);
    writeFileSync(file, readFileSync(file, "utf8").replace("owner: ''", "owner: team"));
    const again = bufferIo(dir);
    assert.equal(await main(["plan", "agent.yaml"], again), 2);
    assert.match(again.stderr, /tools\[0\]\.aws\[0\]\.actions\[1\]: "dynamodb:DeleteItem" is a write action but the tool is declared read/);
    assert.ok(!/\n\s+at /.test(again.stderr), "no stack trace");
  });

  it("exits 2 with the field and the fix when the program refuses its config, and makes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-plan-"));
    for (const part of ["Pulumi.yaml", "stacks", "examples/support-agent"]) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    // The example is an ES module program (the repository's package.json says "type": "module").
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "copy", type: "module" }));
    const stack = join(dir, "stacks", "Pulumi.dev.yaml");
    // Without the transit gateway there is no route to the billing API's private range.
    writeFileSync(stack, readFileSync(stack, "utf8").replace(/^ {2}airlock-support-agent:transitGatewayId: .*\n/m, ""));
    const io = bufferIo(dir);
    assert.equal(await main(["plan", "."], io), 2, io.stderr);
    assert.equal(io.stdout, "");
    assert.match(io.stderr, /^airlock plan: Missing required configuration variable 'airlock-support-agent:transitGatewayId'/);
    // A component's refusal names the field: exit 2 as well (it was 1, like a crash).
    writeFileSync(stack, readFileSync(stack, "utf8").replace("region: us-east-1\n", "region: us-east-1\n  airlock-support-agent:transitGatewayId: tgw-0a1b2c3d4e5f60718\n").replace(/support-agent@sha256:4c1a[0-9a-f]+/, "support-agent:latest"));
    const again = bufferIo(dir);
    assert.equal(await main(["plan", "."], again), 2, again.stderr);
    assert.match(again.stderr, /^airlock plan: `releases\.v2\.image`: ".*support-agent:latest" is not pinned by digest; use <repository>@sha256:<digest> \(tags move\)\n$/);
  });

  it("reports YAML syntax errors with their line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-plan-"));
    writeFileSync(join(dir, "agent.yaml"), "apiVersion: airlock/v1\nagent:\n  name: [unclosed\n");
    const io = bufferIo(dir);
    assert.equal(await main(["plan", "agent.yaml"], io), 2);
    assert.match(io.stderr, /line \d+, column \d+: .*; fix the YAML syntax/);
  });

  it("names the missing stack and the usage", async () => {
    const io = bufferIo(ROOT);
    assert.equal(await main(["plan", "--stack", "staging"], io), 2);
    assert.match(io.stderr, /^airlock plan: stack "staging" has no config file .*stacks\/Pulumi\.staging\.yaml; pass --stack with one of the stacks in .*stacks\n/);
  });

  it("rejects unknown options and commands", async () => {
    const io = bufferIo(ROOT);
    assert.equal(await main(["plan", "--jsn"], io), 2);
    assert.equal(io.stderr.split("\n")[0], "airlock plan: unknown option `--jsn`; did you mean `--json`? (`airlock plan --help` lists every option)");
    const io2 = bufferIo(ROOT);
    assert.equal(await main(["plna"], io2), 2);
    assert.match(io2.stderr, /^airlock: unknown command "plna"/);
  });
});
