/**
 * `airlock plan examples/<x>/agent.yaml`: the bare manifest of every example plans with no error
 * finding (the compiler and the pack agree on the opt-outs the bare plan declares), and
 * `--policy-config` reaches the guardrails through `planTarget`.
 */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Finding, PlanDocument } from "@airlock/core";
import { planTarget } from "../src/plan/plan.ts";
import { UsageError } from "../src/io.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function manifests(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return manifests(path);
      return name === "agent.yaml" ? [path] : [];
    });
}

const MANIFESTS = manifests(join(ROOT, "examples"));
const show = (fs: readonly Finding[]) => JSON.stringify(fs, null, 1);

describe("the bare manifest of every example", () => {
  const plans = new Map<string, PlanDocument>();
  before(async () => {
    for (const m of MANIFESTS) plans.set(m, await planTarget(m));
  });

  it("finds the examples' manifests", () => {
    assert.deepEqual(MANIFESTS.map((m) => relative(ROOT, m)), [
      "examples/bring-your-own/agent.yaml",
      "examples/multi-agent/billing/agent.yaml",
      "examples/multi-agent/newsletter/agent.yaml",
      "examples/multi-agent/research/agent.yaml",
      "examples/support-agent/agent.yaml",
    ]);
  });

  for (const m of MANIFESTS) {
    const name = relative(ROOT, m);
    it(`given \`airlock plan ${name}\`, then no error finding at all`, () => {
      const errors = plans.get(m)!.findings.filter((f) => f.severity === "error");
      assert.deepEqual(errors, [], show(errors));
    });

    it(`given \`airlock plan ${name}\`, then the platform's VPC carries \`airlock:route-elsewhere:<cidr>\` = reason for exactly the manifest's private ranges, and the pack quotes each (AIR-D021)`, () => {
      const p = plans.get(m)!;
      const vpc = p.resources.find((r) => r.type === "aws:ec2/vpc:Vpc") as { inputs: Record<string, any> } | undefined;
      assert.ok(vpc, "the bare plan has the platform's VPC");
      const ranges = [...new Set(p.agents.flatMap((a) => Object.values(a.egress.rangesByHost).flat()))].filter((c) => /^(10\.|172\.(1[6-9]|2\d|3[01])\.|192\.168\.)/.test(c)).sort();
      const tagged = Object.entries(vpc.inputs.tags as Record<string, string>).filter(([k]) => k.startsWith("airlock:route-elsewhere:"));
      assert.deepEqual(
        tagged,
        ranges.map((c) => [`airlock:route-elsewhere:${c}`, "planned from a bare agent.yaml: routes to private ranges are the platform s privateRoutes"]),
      );
      const elsewhere = p.findings.filter((f) => f.rule === "AIR-D021");
      assert.equal(elsewhere.length > 0, ranges.length > 0, show(p.findings));
      assert.deepEqual(elsewhere.map((f) => f.severity).filter((s) => s !== "warning"), []);
      // The platform says the stand-in cannot be a real route on the VPC it creates.
      assert.deepEqual(
        p.findings.filter((f) => f.rule === "AIR-I105").map((f) => [f.severity, /brand new/.test(f.message)]),
        ranges.map(() => ["info", true]),
      );
    });
  }
});

describe("planTarget with `policyConfig`", () => {
  const dir = mkdtempSync(join(tmpdir(), "airlock-plan-policy-config-"));
  const support = join(ROOT, "examples/support-agent/agent.yaml");

  it("given a config that disables AIR-D021 and raises AIR-G051, then the plan has neither at its default level", async () => {
    const path = join(dir, "policy-config.json");
    writeFileSync(path, JSON.stringify({ "air-d021-private-route-managed-elsewhere": "disabled", "air-g051-approvals-opted-out": "mandatory" }));
    const plan = await planTarget(support, { policyConfig: path });
    assert.deepEqual(plan.findings.filter((f) => f.rule === "AIR-D021"), []);
    assert.deepEqual(plan.findings.filter((f) => f.rule === "AIR-G051").map((f) => f.severity), ["error"]);
  });

  it("given a config with an unknown policy, then a usage error (exit 2) naming the key and the fix", async () => {
    const path = join(dir, "bad.json");
    writeFileSync(path, JSON.stringify({ "air-d018": "disabled" }));
    await assert.rejects(planTarget(support, { policyConfig: path }), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.equal((e as Error).message, `\`${path}\`: \`air-d018\` is not a policy of airlock-guardrails; write \`air-d018-private-egress-routed\``);
      return true;
    });
  });
});
