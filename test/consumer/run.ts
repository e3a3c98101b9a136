/**
 * The consumer test (issue #12), run by .ci/run: Airlock as a Pulumi user gets it, from outside
 * this repository.
 *
 * 1. Build, then `npm pack` every package.
 * 2. Two throwaway projects, each made the way `pulumi new aws-typescript` makes one (its
 *    package.json and tsconfig.json: CommonJS, `moduleResolution: node`, no skipLibCheck), one of
 *    them switched to ES modules (`"type": "module"`, `module: nodenext`). Each installs the
 *    tarballs and the Pulumi packages from the registry, and holds two programs, both with Slack
 *    approvals on: `direct/` builds its agent in code and uses AgentPlatform/AgentDeployment
 *    directly, `manifest/` loads an agent.yaml.
 * 3. In each project: `tsc --noEmit` with the project's own compiler and settings; plain Node loads
 *    every package with require() and import; the CommonJS project also runs its program the way
 *    Pulumi's default TypeScript runtime does (ts-node, type-checking, from @pulumi/pulumi's own
 *    `tsutils`), under Pulumi's mocks.
 * 4. The installed CLI plans each program offline (`airlock plan <dir> --json`) and a bare
 *    agent.yaml with `--region`; the plans must hold the expected resources, the approval gateway's
 *    code must be the prebuilt asset shipped in @airlock/pulumi (its digest), nothing may be bundled
 *    at plan time, and no finding may be an error.
 * 5. The installed policy pack starts as Pulumi's policy runtime starts it and answers the
 *    analyzer's gRPC calls: its policies, and a violation for a resource that breaks one.
 *
 * `AIRLOCK_CONSUMER_DIR=<dir>` keeps the projects there for a look afterwards; otherwise they live
 * in a temporary directory that is removed at the end.
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync, type SpawnSyncOptions } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PlanDocument, PlannedResource } from "@airlock/core";
import { build } from "../../scripts/build.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const REGION = "eu-west-1";
const KINDS = ["commonjs", "esm"] as const;
type Kind = (typeof KINDS)[number];

const started = Date.now();
const keep = process.env.AIRLOCK_CONSUMER_DIR;
const work = keep ?? mkdtempSync(join(tmpdir(), "airlock-consumer-"));
mkdirSync(work, { recursive: true });

function step(title: string): void {
  console.log(`\n== ${title} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

function run(cmd: string, args: readonly string[], options: SpawnSyncOptions & { expect?: number } = {}): string {
  const { expect = 0, ...rest } = options;
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...rest });
  const out = `${String(r.stdout ?? "")}${String(r.stderr ?? "")}`;
  if (r.status !== expect) {
    throw new Error(`${cmd} ${args.join(" ")} (in ${String(rest.cwd ?? process.cwd())}) exited ${r.status ?? r.signal}, expected ${expect}:\n${out.slice(-6000)}`);
  }
  return String(r.stdout ?? "");
}

// --- 1. build and pack --------------------------------------------------------------------------
step("build and pack");
build();
const tarballs = join(work, "tarballs");
rmSync(tarballs, { recursive: true, force: true });
mkdirSync(tarballs, { recursive: true });
// The libraries only (packages/*): the example agent is a private workspace, not published.
const libraries = readdirSync(join(ROOT, "packages")).sort().flatMap((dir) => ["--workspace", `packages/${dir}`]);
const packs = JSON.parse(run("npm", ["pack", ...libraries, "--json", "--pack-destination", tarballs], { cwd: ROOT })) as { name: string; filename: string; version: string }[];
assert.equal(packs.length, 7, "seven packages");
const version = packs[0]!.version;
const tarballOf = (name: string) => join(tarballs, packs.find((p) => p.name === name)!.filename);

// --- 2. the projects ----------------------------------------------------------------------------
/** `pulumi new aws-typescript`'s package.json and tsconfig.json (pulumi/templates, aws-typescript). */
function newProject(kind: Kind): string {
  const dir = join(work, kind);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pkg: Record<string, unknown> = { name: `airlock-consumer-${kind}`, main: "index.ts", devDependencies: {}, dependencies: {} };
  if (kind === "esm") pkg.type = "module";
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(pkg, null, 4)}\n`);
  return dir;
}

function tsconfig(kind: Kind): string {
  const compilerOptions =
    kind === "commonjs"
      ? { strict: true, outDir: "bin", target: "es2020", module: "commonjs", moduleResolution: "node", sourceMap: true, experimentalDecorators: true, pretty: true, noFallthroughCasesInSwitch: true, noImplicitReturns: true, forceConsistentCasingInFileNames: true }
      : { strict: true, outDir: "bin", target: "es2022", module: "nodenext", moduleResolution: "nodenext", sourceMap: true, pretty: true, noFallthroughCasesInSwitch: true, noImplicitReturns: true, forceConsistentCasingInFileNames: true };
  return `${JSON.stringify({ compilerOptions }, null, 4)}\n`;
}

const APPROVALS = `    slack:\n      channelId: C07CONSUMERAPPROVALS\n      approverIds: [U05CONSUMERLEAD1]\n`;

function stackFile(project: string): string {
  return `config:\n  aws:region: ${REGION}\n  ${project}:transitGatewayId: tgw-0a1b2c3d4e5f60718\n  ${project}:approvals:\n${APPROVALS}`;
}

/** The manifest both programs deploy (the direct one as an object literal). */
const MANIFEST = {
  apiVersion: "airlock/v1",
  agent: {
    name: "helpdesk-agent",
    owner: "helpdesk-platform@example.com",
    description: "Answers internal helpdesk tickets and replies to the requester after approval.",
    image: { digest: `123456789012.dkr.ecr.${REGION}.amazonaws.com/helpdesk-agent@sha256:${"ab".repeat(32)}` },
    model: { provider: "anthropic", id: "claude-sonnet-4-5", secret: "anthropic-api-key" },
    prompt: "prompts/system.md",
    runtime: { cpu: 512, memory: 1024, architecture: "ARM64", user: "10001:10001" },
  },
  tools: [
    {
      name: "read_ticket",
      description: "Reads one helpdesk ticket.",
      access: "read",
      aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem"], resources: [`arn:aws:dynamodb:${REGION}:123456789012:table/helpdesk-tickets`] }],
    },
    {
      name: "reply_to_requester",
      description: "Sends the drafted reply to the person who opened the ticket.",
      access: "write",
      outward: true,
      actionType: "ticket.reply",
      aws: [{ service: "ses", actions: ["ses:SendEmail"], resources: [`arn:aws:ses:${REGION}:123456789012:identity/helpdesk.example.com`] }],
    },
  ],
  riskLines: { "ticket.reply": { tier: "approve", description: "Any reply a requester will read." } },
  secrets: [{ name: "anthropic-api-key", description: "Claude API key, put into Secrets Manager by an operator.", source: "out-of-band", rotation: { maxAgeDays: 90 } }],
};

/** A program that needs both module systems' spelling of "the default export is the program". */
function programSource(kind: Kind, body: string, imports: string): string {
  const exportLine = kind === "commonjs" ? "export = async () => {" : "export default async function program() {";
  return `${imports}\n\n${exportLine}\n${body}\n}${kind === "commonjs" ? ";" : ""}\n`;
}

const COMMON_BODY = `  const config = new pulumi.Config();
  const approvals = config.requireObject<ApprovalSettings>("approvals");
  const platform = new AgentPlatform("consumer", {
    agents: [model],
    approvals: { agents: { [model.name]: approvals } },
    privateRoutes: privateRoutesVia([model], { transitGatewayId: config.require("transitGatewayId") }),
  });
  const agent = new AgentDeployment(model.name, { platform, model, evalGate: { disabled: "consumer test: no releases to gate" } });
  return { service: agent.serviceName, interactivityUrl: platform.approvalGateway?.functionUrl };`;

const IMPORTS = `import * as pulumi from "@pulumi/pulumi";
import { AgentDeployment, AgentPlatform, privateRoutesVia, type ApprovalSettings } from "@airlock/pulumi";`;

function writePrograms(dir: string, kind: Kind): void {
  for (const name of ["direct", "manifest"] as const) {
    const p = join(dir, name);
    mkdirSync(join(p, "prompts"), { recursive: true });
    const project = `consumer-${name}`;
    writeFileSync(join(p, "Pulumi.yaml"), `name: ${project}\ndescription: Airlock consumer test (${kind}, ${name})\nruntime: nodejs\nmain: index.ts\n`);
    writeFileSync(join(p, "Pulumi.dev.yaml"), stackFile(project));
    writeFileSync(join(p, "tsconfig.json"), tsconfig(kind));
    writeFileSync(join(p, "prompts/system.md"), "You answer internal helpdesk tickets. Never share credentials.\n");
    if (name === "direct") {
      const body = `  // The agent built in code; relative paths resolve against the project directory (Pulumi's working directory).
  const model = await compile(${JSON.stringify(MANIFEST, null, 2).replace(/\n/g, "\n  ")}, { baseDir: process.cwd(), source: "index.ts" });
${COMMON_BODY}`;
      writeFileSync(join(p, "index.ts"), programSource(kind, body, `${IMPORTS}\nimport { compile } from "@airlock/core";`));
    } else {
      writeFileSync(join(p, "agent.yaml"), `# yaml-language-server: $schema=../node_modules/@airlock/core/schema/agent.schema.json\n${toYaml(MANIFEST)}`);
      const body = `  const model = await loadManifest("agent.yaml");\n${COMMON_BODY}`;
      writeFileSync(join(p, "index.ts"), programSource(kind, body, `${IMPORTS}\nimport { loadManifest } from "@airlock/core";`));
    }
  }
}

/** JSON is YAML; the manifest stays readable enough for a test. */
function toYaml(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

step("create and install the projects");
const projects: Record<Kind, string> = { commonjs: "", esm: "" };
for (const kind of KINDS) {
  const dir = newProject(kind);
  projects[kind] = dir;
  writePrograms(dir, kind);
  // The template's dependencies (@pulumi/awsx left out: nothing here uses it), then Airlock's tarballs.
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--save-dev", "typescript@^5.0.0", "@types/node@^18"], { cwd: dir });
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "@pulumi/pulumi@^3.113.0", "@pulumi/aws@^7.0.0", ...packs.map((p) => tarballOf(p.name))], { cwd: dir });
  console.log(`${kind}: installed in ${dir}`);
}

// --- 3. type-check, load, Pulumi's runtime ----------------------------------------------------------
const bin = (dir: string, name: string) => join(dir, "node_modules/.bin", name);

for (const kind of KINDS) {
  const dir = projects[kind];
  step(`${kind}: type-check both programs with the project's TypeScript (no skipLibCheck)`);
  for (const name of ["direct", "manifest"]) run(bin(dir, "tsc"), ["-p", join(dir, name, "tsconfig.json"), "--noEmit"], { cwd: dir });

  step(`${kind}: plain Node loads every package with require() and import`);
  for (const p of packs.filter((x) => x.name !== "@airlock/cli")) {
    const names = JSON.parse(run(process.execPath, ["-e", `console.log(JSON.stringify(Object.keys(require("${p.name}")).sort()))`], { cwd: dir })) as string[];
    const esm = JSON.parse(run(process.execPath, ["--input-type=module", "-e", `const m = await import("${p.name}"); console.log(JSON.stringify(Object.keys(m).filter((k) => !["default", "module.exports", "__esModule"].includes(k)).sort()))`], { cwd: dir })) as string[];
    assert.deepEqual(esm, names, `${kind}: ${p.name} has other names under import than under require()`);
    assert.ok(names.length > 0);
  }
  const versionOut = run(bin(dir, "airlock"), ["--version"], { cwd: dir }).trim();
  assert.equal(versionOut, `airlock ${version}`);
}

step("commonjs: the program under Pulumi's default TypeScript runtime (ts-node, type-checked), under mocks");
{
  const dir = projects.commonjs;
  const harness = join(dir, "pulumi-default-runtime.cjs");
  // What @pulumi/pulumi/cmd/run does for a CommonJS TypeScript project: ts-node from the project (or
  // Pulumi's vendored one) with the project's tsconfig, type-checking; then require() the program.
  writeFileSync(
    harness,
    `const path = require("node:path");
const tsutils = require("@pulumi/pulumi/tsutils");
const { recordProgram } = require("@airlock/pulumi");
const programDir = path.resolve(process.argv[2]);
process.chdir(programDir);
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
require(tsnodeRequire).register({ compiler: typescriptRequire, project: "tsconfig.json", skipProject: false, compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions } });
// The project's name and its dev stack's config, flattened as Pulumi hands config to a program.
const YAML = require("yaml");
const fs = require("node:fs");
const project = YAML.parse(fs.readFileSync("Pulumi.yaml", "utf8")).name;
const stackConfig = YAML.parse(fs.readFileSync("Pulumi.dev.yaml", "utf8")).config || {};
recordProgram({
  project,
  stack: "dev",
  config: Object.fromEntries(Object.entries(stackConfig).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
  program: () => { const p = require(path.join(programDir, "index.ts")); return p instanceof Function ? p() : p; },
}).then((r) => console.log(JSON.stringify({ resources: r.resources.map((x) => x.type) })), (e) => { console.error(e && e.stack || e); process.exit(1); });
`,
  );
  for (const name of ["direct", "manifest"]) {
    const out = JSON.parse(run(process.execPath, [harness, join(dir, name)], { cwd: dir }).trim().split("\n").pop()!) as { resources: string[] };
    for (const type of ["aws:ecs/service:Service", "aws:lambda/function:Function", "aws:iam/role:Role"]) assert.ok(out.resources.includes(type), `commonjs ${name} under ts-node: no ${type}`);
    console.log(`commonjs ${name}: ${out.resources.length} resources under ts-node`);
  }
}

// --- 4. plans with the installed CLI ---------------------------------------------------------------
function assertPlan(label: string, plan: PlanDocument, pulumiPackageDir: string): void {
  const byType = (t: string) => plan.resources.filter((r) => r.type === t);
  for (const type of [
    "aws:ecs/cluster:Cluster",
    "aws:ecs/service:Service",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:iam/role:Role",
    "aws:kms/key:Key",
    "aws:secretsmanager/secret:Secret",
    "aws:lambda/function:Function",
    "aws:lambda/functionUrl:FunctionUrl",
    "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup",
    "aws:ec2/securityGroup:SecurityGroup",
  ]) {
    assert.ok(byType(type).length > 0, `${label}: the plan has no ${type}`);
  }
  const errors = plan.findings.filter((f) => f.severity === "error");
  assert.deepEqual(errors, [], `${label}: error findings`);
  // The approval gateway runs the bundle shipped in the installed @airlock/pulumi, byte for byte.
  const shipped = JSON.parse(readFileSync(join(pulumiPackageDir, "assets/assets.json"), "utf8")) as { files: Record<string, { sha256: string }> };
  const gateway = byType("aws:lambda/function:Function").find((f) => JSON.stringify(f.inputs.code ?? "").includes("gateway.json"));
  assert.ok(gateway, `${label}: no approval gateway function`);
  const code = gateway.inputs.code as { archive: Record<string, { sha256?: string }> };
  assert.equal(code.archive["index.mjs"]?.sha256, shipped.files["approval-gateway.mjs"]!.sha256, `${label}: the gateway's code is not the prebuilt asset`);
  // The region is the stack's, not a default.
  const task = byType("aws:ecs/taskDefinition:TaskDefinition")[0] as PlannedResource;
  assert.match(String(task.inputs.containerDefinitions), new RegExp(`"awslogs-region":"${REGION}"`), `${label}: logs go to another region`);
  // The permission map lists the manifest's tools.
  const tools = new Set(plan.permissions.map((p) => p.tool));
  for (const t of ["read_ticket", "reply_to_requester"]) assert.ok(tools.has(t), `${label}: permission map lacks ${t}`);
  console.log(`${label}: ${plan.resources.length} resources, ${plan.findings.length} findings (none an error)`);
}

for (const kind of KINDS) {
  const dir = projects[kind];
  step(`${kind}: airlock plan with the installed CLI`);
  const cache = join(work, `${kind}-esbuild-cache`);
  rmSync(cache, { recursive: true, force: true });
  const env = { ...process.env, AIRLOCK_CACHE_DIR: cache };
  const pulumiDir = join(dir, "node_modules/@airlock/pulumi");
  for (const name of ["direct", "manifest"]) {
    const plan = JSON.parse(run(bin(dir, "airlock"), ["plan", name, "--json"], { cwd: dir, env })) as PlanDocument;
    assertPlan(`${kind} ${name}`, plan, pulumiDir);
  }
  const bare = JSON.parse(run(bin(dir, "airlock"), ["plan", "manifest/agent.yaml", "--region", REGION, "--json"], { cwd: dir, env })) as PlanDocument;
  assert.deepEqual(bare.findings.filter((f) => f.severity === "error"), [], `${kind} bare manifest: error findings`);
  assert.ok(bare.resources.some((r) => r.type === "aws:ecs/service:Service"));
  // Nothing was bundled while planning: the old plan-time bundler's cache directory never appeared.
  assert.equal(existsSync(cache), false, `${kind}: something bundled at plan time (${cache})`);
  assert.ok(!existsSync(join(pulumiDir, "node_modules/esbuild")) && !JSON.stringify(JSON.parse(readFileSync(join(pulumiDir, "package.json"), "utf8")).dependencies).includes("esbuild"));
  // Input errors exit 2 with the field, never a stack trace.
  const missing = spawnSync(bin(dir, "airlock"), ["plan", "no-such-dir"], { cwd: dir, encoding: "utf8" });
  assert.equal(missing.status, 2, missing.stderr);
  assert.doesNotMatch(missing.stderr, /\n\s+at /, "a stack trace");
}

// --- 4b. the README's ten-minute path: `airlock init --force` over what `pulumi new` wrote ------------
for (const kind of KINDS) {
  const dir = projects[kind];
  step(`${kind}: pulumi new's files, airlock init --force, then type-check and plan the project`);
  // What `pulumi new aws-typescript` leaves besides package.json (pulumi/templates aws-typescript).
  writeFileSync(join(dir, "Pulumi.yaml"), `name: airlock-consumer-${kind}\ndescription: A minimal AWS TypeScript Pulumi program\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\n`);
  writeFileSync(join(dir, "Pulumi.dev.yaml"), "config:\n  aws:region: us-east-1\n");
  writeFileSync(join(dir, "index.ts"), 'import * as aws from "@pulumi/aws";\n\n// Create an AWS resource (S3 Bucket)\nconst bucket = new aws.s3.BucketV2("my-bucket");\n\n// Export the name of the bucket\nexport const bucketName = bucket.id;\n');
  writeFileSync(join(dir, "tsconfig.json"), tsconfig(kind));
  const refused = spawnSync(bin(dir, "airlock"), ["init", "--name", "helpdesk-agent"], { cwd: dir, encoding: "utf8" });
  assert.equal(refused.status, 2, "init overwrote pulumi new's index.ts without --force");
  run(bin(dir, "airlock"), ["init", "--force", "--name", "helpdesk-agent"], { cwd: dir });
  // The whole project type-checks with its own tsconfig (the two programs above included).
  run(bin(dir, "tsc"), ["-p", join(dir, "tsconfig.json"), "--noEmit"], { cwd: dir });
  const bare = JSON.parse(run(bin(dir, "airlock"), ["plan", "agent.yaml", "--region", "us-east-1", "--json"], { cwd: dir })) as PlanDocument;
  assert.deepEqual(bare.findings.filter((f) => f.severity === "error"), [], `${kind} init's agent.yaml: error findings`);
  const plan = JSON.parse(run(bin(dir, "airlock"), ["plan", ".", "--json"], { cwd: dir })) as PlanDocument;
  for (const type of ["aws:ecs/service:Service", "aws:ecs/taskDefinition:TaskDefinition", "aws:iam/role:Role", "aws:ec2/vpc:Vpc"]) {
    assert.ok(plan.resources.some((r) => r.type === type), `${kind} init's program: no ${type}`);
  }
  assert.ok(!plan.resources.some((r) => r.type.startsWith("aws:s3/")), "pulumi new's bucket survived --force");
  assert.deepEqual(plan.findings.filter((f) => f.severity === "error"), [], `${kind} init's program: error findings`);
  console.log(`${kind} init: ${plan.resources.length} resources; findings ${plan.findings.map((f) => f.rule).join(", ")}`);
}
{
  // And under Pulumi's own TypeScript runtime, which runs only what a CommonJS program exports as a function.
  const out = JSON.parse(run(process.execPath, [join(projects.commonjs, "pulumi-default-runtime.cjs"), projects.commonjs], { cwd: projects.commonjs }).trim().split("\n").pop()!) as { resources: string[] };
  assert.ok(out.resources.includes("aws:ecs/service:Service"), "init's program did not run under ts-node");
  console.log(`commonjs init: ${out.resources.length} resources under ts-node`);
}

// --- 5. the policy pack as Pulumi's policy runtime starts it ---------------------------------------
step("the installed policy pack answers the analyzer's gRPC calls");
{
  const dir = projects.commonjs;
  const packDir = join(dir, "node_modules/@airlock/guardrails/pack");
  const client = join(dir, "analyzer-client.cjs");
  writeFileSync(
    client,
    `const grpc = require("@grpc/grpc-js");
const analyzer = require("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
const pb = require("@pulumi/pulumi/proto/analyzer_pb.js");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb.js");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb.js");
const c = new analyzer.AnalyzerClient("127.0.0.1:" + process.argv[2], grpc.credentials.createInsecure());
c.getAnalyzerInfo(new Empty(), (err, info) => {
  if (err) { console.error(err); process.exit(1); }
  const req = new pb.AnalyzeRequest();
  req.setType("aws:iam/policy:Policy");
  req.setName("wide");
  req.setUrn("urn:pulumi:dev::consumer::aws:iam/policy:Policy::wide");
  req.setOptions(new pb.AnalyzerResourceOptions());
  req.setProperties(Struct.fromJavaScript({ policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) }));
  c.analyze(req, (err2, res) => {
    if (err2) { console.error(err2); process.exit(1); }
    const { PACK, policyName } = require("@airlock/guardrails");
    console.log(JSON.stringify({ name: info.getName(), version: info.getVersion(), policies: info.getPoliciesList().map((p) => p.getName()), expected: PACK.map(policyName), violations: res.getDiagnosticsList().map((d) => d.getPolicyname()) }));
    process.exit(0);
  });
});
`,
  );
  // Pulumi's policy runtime loads the pack directory with it as the working directory.
  const server = spawn(process.execPath, ["-e", 'require(".")'], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  server.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.on("exit", (code) => reject(new Error(`the policy pack exited ${code} before serving: ${stderr}`)));
    setTimeout(() => reject(new Error(`the policy pack printed no port in 30 s: ${out}${stderr}`)), 30_000);
  });
  try {
    const info = JSON.parse(run(process.execPath, [client, port], { cwd: dir }).trim()) as { name: string; version: string; policies: string[]; expected: string[]; violations: string[] };
    assert.equal(info.name, "airlock-guardrails");
    assert.equal(info.version, version, "the pack reports the package's version");
    assert.deepEqual(info.policies, info.expected, "the served policies are the pack's");
    assert.ok(info.violations.includes("air-g001-iam-no-wildcard-actions"), `an Allow *:* policy passed the pack (${info.violations.join(", ")})`);
    console.log(`policy pack ${info.name}@${info.version}: ${info.policies.length} policies; the wildcard policy broke ${info.violations.join(", ")}`);
  } finally {
    server.kill();
  }
}

step(`consumer test passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (keep === undefined) rmSync(work, { recursive: true, force: true });
