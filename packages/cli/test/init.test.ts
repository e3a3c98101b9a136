/** `airlock init`: a starter manifest, prompt and program that plan with no error findings. */
import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";
import { loadManifest } from "@airlock/core";
import { bufferIo, main, planTarget } from "../src/index.ts";
import { SCHEMA_COMMENT } from "../src/init/templates.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

/** A project directory whose `@airlock/*` and `@pulumi/*` imports resolve to this monorepo's. */
function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "airlock-init-"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

async function init(dir: string, ...argv: string[]) {
  const io = bufferIo(dir);
  const code = await main(["init", ...argv], io);
  return { code, out: io.stdout, err: io.stderr };
}

/** Type errors of `file` as a project with these options sees it, the packages resolved as installed (their built declarations). */
function typeErrors(dir: string, file: string, options: ts.CompilerOptions): string[] {
  const all = { strict: true, noEmit: true, skipLibCheck: true, esModuleInterop: true, types: ["node"], typeRoots: [join(ROOT, "node_modules/@types")], ignoreDeprecations: "6.0", ...options };
  const program = ts.createProgram([join(dir, file)], all);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? `${d.file.fileName}: ` : ""}${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

const BUILT = ["core", "pulumi"].every((p) => existsSync(join(ROOT, `packages/${p}/dist/index.d.ts`)));

describe("airlock init", () => {
  it("given an empty directory, when init runs, then it writes a commented manifest, its prompt, a program and Pulumi.yaml, and says what to run next", async () => {
    const dir = project();
    const r = await init(dir, "--name", "starter-agent");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^wrote agent\.yaml, prompts\/system\.md, index\.ts, Pulumi\.yaml in \.\n/);
    assert.match(r.out, /\nnext:\n {2}npm install @airlock\/pulumi @airlock\/core @pulumi\/pulumi @pulumi\/aws\n(.*\n)* {2}airlock plan \.\n {2}pulumi up\n$/);
    const manifest = readFileSync(join(dir, "agent.yaml"), "utf8");
    assert.equal(manifest.split("\n")[0], "# yaml-language-server: $schema=./node_modules/@airlock/core/schema/agent.schema.json");
    assert.equal(manifest.split("\n")[0], SCHEMA_COMMENT);
    // Every top-level section says what to fill in, in a comment just above it.
    for (const section of ["agent", "tools", "riskLines", "secrets", "egress"]) {
      const lines = manifest.split("\n");
      const at = lines.findIndex((l) => l.startsWith(`${section}:`));
      assert.ok(at > 0 && lines[at - 1]!.startsWith("#"), `${section} has no comment`);
    }
    for (const field of ["name", "owner", "image", "model", "prompt", "runtime"]) assert.match(manifest, new RegExp(`\\n {2}# .*\\n(  #.*\\n)* {2}${field}:`), `agent.${field} has no comment`);
    const model = await loadManifest(join(dir, "agent.yaml"));
    assert.equal(model.name, "starter-agent");
    assert.ok(existsSync(join(dir, "prompts/system.md")));
    assert.match(readFileSync(join(dir, "Pulumi.yaml"), "utf8"), /^name: starter-agent\n(.*\n)*runtime:\n {2}name: nodejs\n(.*\n)*main: index\.ts\n/);
  });

  it("given the starter manifest alone, when planned with --region us-east-1, then it plans with no error findings", async () => {
    const dir = project();
    assert.equal((await init(dir, "--name", "starter-agent")).code, 0);
    const io = bufferIo(dir);
    assert.equal(await main(["plan", "agent.yaml", "--region", "us-east-1", "--json"], io), 0, io.stderr);
    const plan = JSON.parse(io.stdout);
    assert.deepEqual(plan.findings.filter((f: { severity: string }) => f.severity === "error"), []);
  });

  for (const kind of ["commonjs", "module"] as const) {
    it(`given a ${kind === "commonjs" ? "CommonJS project (pulumi new aws-typescript)" : "ES module project"}, when the program is planned, then it deploys the platform and the agent with no error findings`, async () => {
      const dir = project({
        "package.json": JSON.stringify({ name: "my-agents", ...(kind === "module" ? { type: "module" } : {}), main: "index.ts" }),
        "Pulumi.yaml": "name: my-agents\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\ndescription: A minimal AWS TypeScript Pulumi program\n",
        "Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n",
        "index.ts": 'import * as aws from "@pulumi/aws";\nexport const bucketName = new aws.s3.BucketV2("my-bucket").id;\n',
      });
      const refused = await init(dir, "--name", "starter-agent");
      assert.equal(refused.code, 2);
      assert.match(refused.err, /^airlock init: index\.ts already exists in \.; pass --force to overwrite it \(nothing was written\)\n/);
      assert.ok(!existsSync(join(dir, "agent.yaml")), "nothing is written when a file is refused");
      const r = await init(dir, "--name", "starter-agent", "--force");
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^wrote agent\.yaml, prompts\/system\.md, index\.ts \(overwritten\) in \.\n/);
      if (kind === "module") assert.match(r.out, /package\.json has "type": "module": the program is an ES module \(its default export is the program\)/);
      assert.ok(!r.out.includes("pulumi stack init"), "the stack exists");
      // The image is in us-east-1; this stack deploys to eu-west-1, as a real one might.
      writeFileSync(join(dir, "agent.yaml"), readFileSync(join(dir, "agent.yaml"), "utf8").replaceAll("us-east-1", "eu-west-1"));

      const plan = await planTarget(dir, { stack: "dev" });
      const types = plan.resources.map((x) => x.type);
      for (const t of ["airlock:platform:AgentPlatform", "airlock:agent:AgentDeployment", "aws:ecs/service:Service", "aws:ecs/taskDefinition:TaskDefinition", "aws:iam/role:Role", "aws:ec2/vpc:Vpc", "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup"]) {
        assert.ok(types.includes(t), `no ${t}`);
      }
      assert.ok(plan.resources.some((x) => x.type === "airlock:platform:AgentPlatform" && x.name === "starter-agent-platform"));
      assert.deepEqual(plan.findings.filter((f) => f.severity === "error"), []);
      assert.deepEqual(plan.findings.map((f) => f.rule), ["AIR-W006"], "only the eval gate's opt-out, visibly");
      const task = plan.resources.find((x) => x.type === "aws:ecs/taskDefinition:TaskDefinition")!;
      assert.match(JSON.stringify(task.inputs), /eu-west-1/);
      assert.ok(!JSON.stringify(plan.resources).includes("us-east-1"), "nothing planned in another region");
    });
  }

  it("writes a program that type-checks as CommonJS (module commonjs, moduleResolution node) and as an ES module, without import.meta, __dirname or top-level await", { skip: BUILT ? false : "the packages are not built (npm run build)" }, async () => {
    const dir = project();
    assert.equal((await init(dir, "--name", "starter-agent")).code, 0);
    const program = readFileSync(join(dir, "index.ts"), "utf8");
    assert.ok(!/import\.meta|__dirname|__filename|from "\.[^"]*\.ts"/.test(program));
    // CommonJS: Pulumi calls module.exports when it is a function, never an `export default` there.
    assert.match(program, /\nexport = program;\n$/);
    assert.doesNotMatch(program, /^export default/m);
    assert.deepEqual(typeErrors(dir, "index.ts", { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, target: ts.ScriptTarget.ES2022 }), []);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    assert.equal((await init(dir, "--name", "starter-agent", "--force")).code, 0);
    const esm = readFileSync(join(dir, "index.ts"), "utf8");
    assert.match(esm, /\nexport default async function program\(\) \{/);
    assert.doesNotMatch(esm, /^export =/m);
    assert.deepEqual(typeErrors(dir, "index.ts", { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022 }), []);
  });

  it("given Pulumi.yaml's main naming another TypeScript file, then the program is written there; a JavaScript main is refused with the fix", async () => {
    const dir = project({ "Pulumi.yaml": "name: agents\nruntime: nodejs\nmain: src/program.ts\n" });
    const r = await init(dir, "--name", "starter-agent");
    assert.equal(r.code, 0, r.err);
    assert.ok(existsSync(join(dir, "src/program.ts")));
    assert.ok(!existsSync(join(dir, "index.ts")));
    assert.match(readFileSync(join(dir, "src/program.ts"), "utf8"), /path\.join\(process\.cwd\(\), "agent\.yaml"\)/);
    const js = project({ "Pulumi.yaml": "name: agents\nruntime: nodejs\nmain: bin/index.js\n" });
    const refused = await init(js, "--name", "starter-agent");
    assert.equal(refused.code, 2);
    assert.match(refused.err, /^airlock init: Pulumi\.yaml: `main` is bin\/index\.js, not a TypeScript file; airlock init writes a TypeScript program, so set `main: index\.ts` \(or remove `main`\) and run it again\n/);
    const python = project({ "Pulumi.yaml": "name: agents\nruntime: python\n" });
    assert.match((await init(python, "--name", "starter-agent")).err, /^airlock init: Pulumi\.yaml: `runtime` is python; /);
  });

  it("given a bad --name, or a directory whose name is not one, then exit 2 with the manifest's rule and nothing written", async () => {
    const dir = project();
    const r = await init(dir, "--name", "My_Agent");
    assert.equal(r.code, 2);
    assert.match(r.err, /^airlock init: `--name`: "My_Agent" must be kebab-case: lowercase letters, digits and `-`, 2 to 32 characters, e.g\. support-agent\n/);
    assert.ok(!existsSync(join(dir, "agent.yaml")));
    const odd = join(dir, "Agents_Dir");
    const d = await init(dir, "Agents_Dir");
    assert.equal(d.code, 2);
    assert.match(d.err, /^airlock init: `--name`: the directory's name "Agents_Dir" is not an agent name \(it must be kebab-case: .*\); pass --name <agent>, e.g\. --name support-agent\n/);
    assert.ok(!existsSync(odd));
  });

  it("given a directory that does not exist, then it is made and named after it; a second init refuses every existing file", async () => {
    const parent = project();
    const r = await init(parent, "billing-bot");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^wrote .* in billing-bot\n(.*\n)*next:\n {2}cd billing-bot\n/);
    assert.equal((await loadManifest(join(parent, "billing-bot/agent.yaml"))).name, "billing-bot");
    const again = await init(parent, "billing-bot");
    assert.equal(again.code, 2);
    assert.match(again.err, /^airlock init: agent\.yaml, prompts\/system\.md and index\.ts already exist in billing-bot; pass --force to overwrite them \(nothing was written\)\n/);
  });
});
