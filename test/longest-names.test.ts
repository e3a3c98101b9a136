/**
 * Names at the limits the schema allows (issue #11 item 7): a platform name of 31 characters, an
 * agent name of 32, secret names of 32 and a long stack name. Every physical name Airlock derives,
 * or Pulumi derives from a logical name (logical name + "-" + 7 random characters), must fit its
 * resource type's limit and character set (AIR-D010), and the tags stay valid (AIR-D003).
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { compile, type Finding, type PlanDocument } from "@airlock/core";
import { evaluatePlan } from "@airlock/guardrails";
import { AgentDeployment, AgentPlatform, privateRoutesVia, recordProgram } from "@airlock/pulumi";

const EXAMPLE = fileURLToPath(new URL("../examples/support-agent/", import.meta.url));
const PLATFORM_NAME = `acme-${"x".repeat(26)}`; // 31 characters: the platform name limit
const AGENT_NAME = `support-agent-${"y".repeat(17)}z`; // 32 characters: the manifest limit
const SECRET = (base: string) => `${base}-${"s".repeat(31 - base.length)}`.slice(0, 32);
const STACK = "production-eu-central-customer-facing"; // long, with the characters Pulumi allows

async function longModel() {
  const manifest = parse(readFileSync(`${EXAMPLE}agent.yaml`, "utf8")) as Record<string, any>;
  manifest.agent.name = AGENT_NAME;
  const renames = new Map<string, string>();
  for (const s of manifest.secrets) {
    const long = SECRET(s.name);
    renames.set(s.name, long);
    s.name = long;
  }
  if (manifest.agent.model.secret) manifest.agent.model.secret = renames.get(manifest.agent.model.secret);
  for (const t of manifest.tools) t.secrets = (t.secrets ?? []).map((n: string) => renames.get(n) ?? n);
  return compile(manifest, { baseDir: EXAMPLE });
}

describe("the longest names the schema allows", () => {
  let plan: PlanDocument;
  let findings: Finding[];
  before(async () => {
    assert.equal(PLATFORM_NAME.length, 31);
    assert.equal(AGENT_NAME.length, 32);
    const model = await longModel();
    const rec = await recordProgram({
      project: "airlock-longest-names",
      stack: STACK,
      config: { "aws:region": "us-east-1" },
      program: () => {
        const platform = new AgentPlatform(PLATFORM_NAME, {
          agents: [model],
          approvals: { agents: { [model.name]: { slack: { channelId: "C0APPROVALS", approverIds: ["U0APPROVER1"] } } } },
          privateRoutes: privateRoutesVia([model], { transitGatewayId: "tgw-0123456789abcdef0" }),
        });
        new AgentDeployment(model.name, {
          platform,
          model,
          releases: { [`2026-12-02.${"1".repeat(20)}`]: { image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${"r".repeat(60)}@sha256:${"a".repeat(64)}`, modelHash: model.hash, description: `${"a very long description ".repeat(20)}` } },
          evalGate: { disabled: "names test: the eval gate is not what is measured here" },
        });
      },
    });
    plan = { version: 1, project: "airlock-longest-names", stack: STACK, resources: rec.resources, agents: rec.agents, permissions: [], findings: [] };
    findings = await evaluatePlan(plan, { only: ["AIR-D003", "AIR-D010"] });
  });

  it("plans every resource it plans for ordinary names", () => {
    assert.ok(plan.resources.filter((r) => r.custom).length > 80, `${plan.resources.length} resources`);
  });

  it("fits every physical name in its resource type's limit and character set", () => {
    assert.deepEqual(findings.filter((f) => f.rule === "AIR-D010").map((f) => f.message), []);
  });

  it("keeps every tag valid for its service", () => {
    assert.deepEqual(findings.filter((f) => f.rule === "AIR-D003").map((f) => f.message), []);
  });
});
