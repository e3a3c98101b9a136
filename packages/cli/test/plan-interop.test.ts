/**
 * `airlock plan` on a program that brings its own resources: the components' notes (AIR-I…)
 * reach the plan's findings, and a secret the user brought shows in the permission map with the
 * readers Airlock granted (it writes no resource policy on it, so the map cannot read one).
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { PlanDocument } from "@airlock/core";
import { planTarget } from "../src/index.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:vendor/anthropic-AbCdEf";

describe("airlock plan with bring-your-own resources", () => {
  let dir: string;
  let plan: PlanDocument;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "airlock-plan-interop-"));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "interop", type: "module" }));
    writeFileSync(join(dir, "Pulumi.yaml"), "name: interop\nruntime: nodejs\nmain: index.ts\n");
    writeFileSync(join(dir, "Pulumi.dev.yaml"), "config:\n  aws:region: us-east-1\n");
    writeFileSync(
      join(dir, "index.ts"),
      `import { loadManifest } from "@airlock/core";
import { AgentDeployment, AgentPlatform, privateRoutesVia } from "@airlock/pulumi";
export default async function program() {
  const model = await loadManifest(${JSON.stringify(join(ROOT, "examples/support-agent/agent.yaml"))});
  const platform = new AgentPlatform("interop", {
    agents: [model],
    approvals: { agents: { [model.name]: { disabled: "approvals are not what this test is about" } } },
    privateRoutes: privateRoutesVia([model], { transitGatewayId: "tgw-0a1b2c3d4e5f60718" }),
  });
  new AgentDeployment(model.name, {
    platform,
    model,
    evalGate: { disabled: "no releases in this test" },
    existingSecrets: { "anthropic-api-key": { secretArn: ${JSON.stringify(SECRET_ARN)} } },
  });
}
`,
    );
    plan = await planTarget(dir, { guardrails: false });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("lists the components' note on the secret among the plan's findings", () => {
    const notes = plan.findings.filter((f) => f.rule.startsWith("AIR-I"));
    assert.deepEqual(notes.map((f) => [f.rule, f.severity, f.subject]), [["AIR-I104", "info", "support-agent: existingSecrets.anthropic-api-key"]]);
  });

  it("shows who may read the brought secret: the execution role, on exactly that ARN", () => {
    const rows = plan.permissions.filter((p) => p.system === "secret:anthropic-api-key" && p.tool.startsWith("(reads the value) "));
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0]!.agent, "support-agent");
    assert.match(rows[0]!.tool, /^\(reads the value\) arn:aws:iam::123456789012:role\/.*exec/);
    assert.deepEqual(rows[0]!.resources, [SECRET_ARN]);
    assert.deepEqual(rows[0]!.actions, ["secretsmanager:GetSecretValue"]);
    // And no secret of that name was made.
    assert.ok(!plan.resources.some((r) => r.type === "aws:secretsmanager/secret:Secret" && JSON.stringify(r.inputs.tags ?? {}).includes('"airlock:secret":"anthropic-api-key"')));
  });
});

describe("airlock plan runs a program as pulumi up does", () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  /** A project with one S3 bucket, in a CommonJS or an ES module project. */
  function project(kind: "commonjs" | "module", program: string): string {
    const dir = mkdtempSync(join(tmpdir(), "airlock-plan-kind-"));
    dirs.push(dir);
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    writeFileSync(join(dir, "package.json"), JSON.stringify(kind === "module" ? { name: "kind", type: "module" } : { name: "kind" }));
    writeFileSync(join(dir, "Pulumi.yaml"), "name: kind\nruntime: nodejs\nmain: index.ts\n");
    writeFileSync(join(dir, "Pulumi.dev.yaml"), "config:\n  aws:region: us-east-1\n");
    writeFileSync(join(dir, "index.ts"), `import * as aws from "@pulumi/aws";\n${program}\n`);
    return dir;
  }
  const bucket = `new aws.s3.Bucket("b");`;

  it("given a CommonJS project whose program is `export = async () => …`, when planned, then the function runs", async () => {
    const plan = await planTarget(project("commonjs", `export = async () => { ${bucket} return { ok: 1 }; };`), { guardrails: false });
    assert.deepEqual(plan.resources.filter((r) => r.type === "aws:s3/bucket:Bucket").map((r) => r.name), ["b"]);
  });

  it("given a CommonJS project whose program is an `export default` function (which pulumi up never calls), when planned, then it is refused with the fix", async () => {
    const dir = project("commonjs", `export default async function program() { ${bucket} }`);
    await assert.rejects(planTarget(dir, { guardrails: false }), (e: Error) => {
      assert.equal(e.name, "UsageError");
      assert.match(e.message, /`export default`, which Pulumi does not run in a CommonJS project .*Write `export = async \(\) => \{ … \}` instead/);
      return true;
    });
  });

  it("given an ES module project, when its default export is a function, then it runs; with named exports beside it, it is refused", async () => {
    const plan = await planTarget(project("module", `export default async function program() { ${bucket} }`), { guardrails: false });
    assert.equal(plan.resources.filter((r) => r.type === "aws:s3/bucket:Bucket").length, 1);
    await assert.rejects(planTarget(project("module", `export const x = 1;\nexport default async function program() { ${bucket} }`), { guardrails: false }), /either a default export or named exports, not both/);
  });

  it("given a program with top-level resources and named exports, when planned, then its resources are recorded", async () => {
    const plan = await planTarget(project("module", `export const b = ${bucket.replace(";", "")};`), { guardrails: false });
    assert.equal(plan.resources.filter((r) => r.type === "aws:s3/bucket:Bucket").length, 1);
  });
});

describe("airlock plan of a stack without aws:region", () => {
  it("given no aws:region and no AWS_REGION, when planned, then it warns that pulumi up would fail and plans us-east-1; with AWS_REGION, it plans there silently", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-plan-region-"));
    try {
      symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "region", type: "module" }));
      writeFileSync(join(dir, "Pulumi.yaml"), "name: region\nruntime: nodejs\nmain: index.ts\n");
      writeFileSync(join(dir, "Pulumi.dev.yaml"), "config: {}\n");
      writeFileSync(join(dir, "index.ts"), `import * as aws from "@pulumi/aws";\nexport default async function program() { const r = await aws.getRegion(); new aws.s3.Bucket("b", { tags: { region: r.region } }); }\n`);
      const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
      delete process.env.AWS_REGION;
      delete process.env.AWS_DEFAULT_REGION;
      try {
        const plan = await planTarget(dir, { guardrails: false });
        assert.deepEqual(plan.findings.map((f) => [f.rule, f.severity]), [["AIR-W007", "warning"]]);
        assert.match(plan.findings[0]!.message, /`pulumi config set aws:region <region>`/);
        process.env.AWS_REGION = "eu-central-1";
        const there = await planTarget(dir, { guardrails: false });
        assert.deepEqual(there.findings, []);
        assert.deepEqual(there.resources.find((r) => r.type === "aws:s3/bucket:Bucket")?.inputs.tags, { region: "eu-central-1" });
      } finally {
        for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
