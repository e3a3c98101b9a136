/**
 * The images a stack builds (review S1, S6, N5): the tag is unique to what is built (the model and
 * every file the build context sends, by `.dockerignore`), so an IMMUTABLE repository accepts a
 * code-only change; a sandbox that is a target of the agent's Dockerfile is built too, into its
 * own repository, run by the sandbox task definition and pulled by its execution role only; each
 * built repository has a lifecycle policy that keeps every image a declared release pins.
 */
import { strict as assert } from "node:assert";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import type { AgentModel } from "@airlock/core";
import type { Recording } from "../src/plan/record.ts";
import { buildContextHash, dockerignoreRules, isIgnored } from "../src/agent/build-context.ts";
import { builtImageLifecyclePolicy, builtImageTag, KEEP_BUILT_IMAGES } from "../src/agent/image.ts";
import { all, exampleModel, find, json, recordDeployment } from "./harness.ts";

const EXAMPLE_IGNORE = readFileSync(new URL("../../../examples/support-agent/agent/.dockerignore", import.meta.url), "utf8");
const STAGE = (name: string) => [`FROM node:20 AS ${name}`, "RUN mkdir -p /tmp && chown 10001:10001 /tmp", "USER 10001:10001", 'VOLUME ["/tmp"]'];
const DOCKERFILE = ["FROM node:20 AS release", "COPY image/ /app/", ...STAGE("sandbox"), ...STAGE("agent")].join("\n");

function context(): string {
  const dir = mkdtempSync(join(tmpdir(), "airlock-context-"));
  writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
  writeFileSync(join(dir, ".dockerignore"), EXAMPLE_IGNORE);
  mkdirSync(join(dir, "image/dist"), { recursive: true });
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "image/dist/main.mjs"), "console.log(1);\n");
  writeFileSync(join(dir, "image/agent-model.json"), "{}\n");
  writeFileSync(join(dir, "src/main.ts"), "export {};\n");
  return dir;
}

describe("the build context as .dockerignore selects it", () => {
  it("reads the example's .dockerignore as Docker does: everything out, the Dockerfile and image/ back in, temporary files out", () => {
    const rules = dockerignoreRules(EXAMPLE_IGNORE);
    const kept = ["Dockerfile", "image/agent-model.json", "image/dist/main.mjs", "src/main.ts", "package.json", "image/dist/x.tmp", "image/a.tmp", "README.md"].filter((p) => !isIgnored(rules, p));
    assert.deepEqual(kept, ["Dockerfile", "image/agent-model.json", "image/dist/main.mjs"]);
  });

  it("follows Docker's pattern rules: last match wins, a directory match covers its files, ** spans directories, leading / and ./ cleaned", () => {
    const rules = dockerignoreRules("# comment\n/node_modules\n./build/\n**/*.log\n!keep/**/*.log\ndocs/*.md\n!docs/README.md\n");
    const cases: [string, boolean][] = [
      ["node_modules/a/b.js", true],
      ["build/out.js", true],
      ["a/b/c.log", true],
      ["x.log", true],
      ["keep/a/b.log", false],
      ["docs/guide.md", true],
      ["docs/README.md", false],
      ["docs/sub/guide.md", false],
      ["src/index.ts", false],
    ];
    assert.deepEqual(cases.map(([p]) => [p, isIgnored(rules, p)]), cases);
  });

  it("hashes what the build sends: the code it copies changes the hash, an ignored file does not; so do the mode, the Dockerfile and the target", () => {
    const dir = context();
    try {
      const inputs = { context: dir, dockerfile: join(dir, "Dockerfile"), platform: "linux/arm64" };
      const base = buildContextHash(inputs);
      writeFileSync(join(dir, "src/main.ts"), "export const changed = 1;\n");
      assert.equal(buildContextHash(inputs), base, "src/ is not sent");
      writeFileSync(join(dir, "image/dist/main.mjs"), "console.log(2);\n");
      const code = buildContextHash(inputs);
      assert.notEqual(code, base, "a code-only change under image/");
      chmodSync(join(dir, "image/dist/main.mjs"), 0o755);
      const mode = buildContextHash(inputs);
      assert.notEqual(mode, code);
      assert.notEqual(buildContextHash({ ...inputs, target: "sandbox" }), mode);
      assert.notEqual(buildContextHash({ ...inputs, platform: "linux/amd64" }), mode);
      writeFileSync(join(dir, "Dockerfile"), `${DOCKERFILE}\n# a comment\n`);
      assert.notEqual(buildContextHash(inputs), mode);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the lifecycle policy of a built repository", () => {
  it("keeps every image of each model a release pins (a rule of its own, never reaching its count), then the newest, expiring the rest", () => {
    const a = "a".repeat(64);
    const b = "b".repeat(64);
    assert.deepEqual(builtImageLifecyclePolicy({ [b]: ["v2"], [a]: ["v1", "v4"] }), {
      rules: [
        { rulePriority: 1, description: "keeps every image of model aaaaaaaaaaaa, which release v1, v4 pins", selection: { tagStatus: "tagged", tagPrefixList: ["aaaaaaaaaaaa"], countType: "imageCountMoreThan", countNumber: 100000 }, action: { type: "expire" } },
        { rulePriority: 2, description: "keeps every image of model bbbbbbbbbbbb, which release v2 pins", selection: { tagStatus: "tagged", tagPrefixList: ["bbbbbbbbbbbb"], countType: "imageCountMoreThan", countNumber: 100000 }, action: { type: "expire" } },
        { rulePriority: 3, description: `keeps the ${KEEP_BUILT_IMAGES} newest images, counting those kept above; older ones expire`, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 }, action: { type: "expire" } },
      ],
    });
  });
});

describe("a stack that builds the agent's image and its sandbox's", () => {
  let dir: string;
  let model: AgentModel;
  let rec: Recording;
  const BUILT = (n: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/airlock/test/support-agent@sha256:${n.repeat(64)}`;
  const OTHER = `123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:${"2".repeat(64)}`;
  const V1_MODEL = "c".repeat(64);
  before(async () => {
    dir = context();
    const example = await exampleModel();
    model = { ...example, manifestDir: dir, image: { kind: "build", context: "." }, sandbox: { ...example.sandbox!, image: { build: { target: "sandbox" } } } };
    rec = await recordDeployment(model, {
      deployment: { releases: { v1: { image: BUILT("1"), modelHash: V1_MODEL }, v2: { image: OTHER, modelHash: model.hash }, v3: {} }, activeRelease: "v3" },
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("builds both images from the same Dockerfile, the sandbox's with its target, each tagged by the model and its build context", () => {
    const images = all(rec, "docker:index/image:Image").map((i) => [i.name, i.inputs.imageName, i.inputs.build]);
    const tag = (target?: string) => builtImageTag(model, { context: dir, dockerfile: join(dir, "Dockerfile"), platform: "linux/arm64", ...(target ? { target } : {}) });
    assert.match(tag(), new RegExp(`^${model.hash.slice(0, 12)}-[0-9a-f]{12}$`));
    assert.notEqual(tag("sandbox"), tag());
    const rel = (p: string) => relative(process.cwd(), p);
    assert.deepEqual(images, [
      ["support-agent-image", `123456789012.dkr.ecr.us-east-1.amazonaws.com/airlock/test/support-agent:${tag()}`, { context: rel(dir), dockerfile: rel(join(dir, "Dockerfile")), platform: "linux/arm64" }],
      ["support-agent-sandbox-image", `123456789012.dkr.ecr.us-east-1.amazonaws.com/airlock/test/support-agent-sandbox:${tag("sandbox")}`, { context: rel(dir), dockerfile: rel(join(dir, "Dockerfile")), platform: "linux/arm64", target: "sandbox" }],
    ]);
    assert.deepEqual(
      all(rec, "aws:ecr/repository:Repository").map((r) => [r.name, r.inputs.name, r.inputs.imageTagMutability]),
      [
        ["support-agent-image", "airlock/test/support-agent", "IMMUTABLE"],
        ["support-agent-sandbox-image", "airlock/test/support-agent-sandbox", "IMMUTABLE"],
      ],
    );
  });

  it("runs the built sandbox image in the sandbox task definition, and lets only its execution role pull its repository", () => {
    const td = find(rec, "aws:ecs/taskDefinition:TaskDefinition", "support-agent-sandbox");
    assert.equal(JSON.parse(td.inputs.containerDefinitions as string)[0].image, `123456789012.dkr.ecr.us-east-1.amazonaws.com/airlock/test/support-agent-sandbox@sha256:${"0".repeat(64)}`);
    const sandboxPull = (json(find(rec, "aws:iam/rolePolicy:RolePolicy", "support-agent-sandbox-execution"), "policy").Statement as { Sid: string; Resource: string[] }[]).find((s) => s.Sid === "PullSandboxImage");
    assert.deepEqual(sandboxPull?.Resource, ["arn:aws:ecr:us-east-1:123456789012:repository/airlock/test/support-agent-sandbox"]);
    const agentPull = (json(find(rec, "aws:iam/rolePolicy:RolePolicy", "support-agent-execution"), "policy").Statement as { Sid: string; Resource: string[] }[]).find((s) => s.Sid === "PullAgentImage");
    assert.ok(!agentPull!.Resource.some((r) => r.endsWith("-sandbox")), "the agent's execution role does not pull the sandbox image");
  });

  it("keeps every image of the model a release pins in the agent's repository, and the newest of the sandbox's", () => {
    const policy = (name: string) => {
      const p = find(rec, "aws:ecr/lifecyclePolicy:LifecyclePolicy", name);
      return [p.inputs.repository, JSON.parse(p.inputs.policy as string)];
    };
    assert.deepEqual(policy("support-agent-image"), ["airlock/test/support-agent", builtImageLifecyclePolicy({ [V1_MODEL]: ["v1"] })]);
    assert.deepEqual(policy("support-agent-sandbox-image"), ["airlock/test/support-agent-sandbox", builtImageLifecyclePolicy({})]);
    const [, agentPolicy] = policy("support-agent-image") as [string, { rules: { selection: { tagPrefixList?: string[] } }[] }];
    assert.deepEqual(agentPolicy.rules[0]!.selection.tagPrefixList, [V1_MODEL.slice(0, 12)], "v1's image (tag <its model hash>-…) is kept");
    assert.deepEqual(
      rec.findings.filter((f) => f.rule === "AIR-I111").map((f) => [f.severity, f.subject, f.message]),
      [
        [
          "info",
          "support-agent: airlock/test/support-agent",
          "the repository's lifecycle policy keeps every image of model cccccccccccc (release v1) and the 30 newest images; older images expire (ECR counts the images of pinned models among those 30 newest, so fewer other builds stay). An image of it that another stack pins by digest (a promotion) is not known here and may expire: declare it as a release of this stack too, or copy it to that stack's repository",
        ],
        ["info", "support-agent: airlock/test/support-agent-sandbox", "the repository's lifecycle policy keeps the 30 newest images; older images expire. The sandbox task definition runs the image built now; no release pins another"],
      ],
    );
  });

  it("refuses a sandbox target the Dockerfile does not have, before any resource", async () => {
    const other: AgentModel = { ...model, sandbox: { ...model.sandbox!, image: { build: { target: "runner" } } } };
    await assert.rejects(recordDeployment(other, { deployment: { releases: { v3: {} } } }), {
      message: `\`sandbox.image.build.target\`: the sandbox runs on a read-only root with /tmp as its scratch volume; ${relative(process.cwd(), join(dir, "Dockerfile"))} has no stage \`runner\`; add \`FROM <image> AS runner\` or build another target`,
    });
  });
});
