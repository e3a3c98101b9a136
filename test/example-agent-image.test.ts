/**
 * The example agent's image as the program builds it: its Dockerfile passes the scratch-path
 * checks AgentDeployment runs (packages/pulumi/src/agent/dockerfile.ts), every stage's base is
 * pinned by digest, and the dev plan builds it (docker build with the context, the Dockerfile and
 * the manifest's platform) for the release without an image, shipping the very model whose hash
 * the task definitions carry.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type { PlanDocument } from "@airlock/core";
import { TASK_ENV } from "@airlock/core/contracts";
import { MODEL_FILE, readShippedModel } from "@airlock/runtime";
import { DEFAULT_SCRATCH_PATHS } from "../packages/pulumi/src/agent/container.ts";
import { parseDockerfile, scratchImageProblems } from "../packages/pulumi/src/agent/dockerfile.ts";
import { checkBuiltImage } from "../packages/pulumi/src/agent/image.ts";
import { planTarget } from "../packages/cli/src/plan/plan.ts";
import { AGENT_DIR, loadManifestBuildingImage, SHIPPED_MODEL_FILE, shippedModelJson, writeReleaseFiles } from "../examples/support-agent/agent/build/image-context.ts";
import { EXAMPLE_AGENT_DIR } from "./helpers/example-agent.ts";
import { examplePlan } from "./example-plan.ts";

const DOCKERFILE = join(AGENT_DIR, "Dockerfile");
const text = readFileSync(DOCKERFILE, "utf8");

describe("the example agent's Dockerfile", () => {
  it("given the manifest's user and the default scratch path, when the deployment's image check reads it, then it finds no problem", async () => {
    const model = await loadManifestBuildingImage(join(EXAMPLE_AGENT_DIR, "agent.yaml"));
    assert.equal(model.runtime.user, "10001:10001");
    assert.deepEqual(scratchImageProblems(text, { user: model.runtime.user, scratchPaths: DEFAULT_SCRATCH_PATHS, file: "Dockerfile" }), []);
    assert.doesNotThrow(() => checkBuiltImage(model, DEFAULT_SCRATCH_PATHS));
    // The same check refuses the file without its VOLUME or as another user (it is not vacuous).
    assert.equal(scratchImageProblems(text.slice(0, text.lastIndexOf('VOLUME ["/tmp"]')) + text.slice(text.lastIndexOf('VOLUME ["/tmp"]') + 'VOLUME ["/tmp"]'.length), { user: "10001:10001", scratchPaths: ["/tmp"], file: "Dockerfile" }).length, 1);
    assert.equal(scratchImageProblems(text, { user: "10002:10002", scratchPaths: ["/tmp"], file: "Dockerfile" }).length, 2);
  });

  it("given the build, then nothing but the pinned base is pulled (no syntax directive) and every file under image/ is in the context", () => {
    // A `# syntax=` parser directive makes BuildKit pull a frontend image by a mutable tag (review N4).
    assert.doesNotMatch(text, /^#\s*syntax\s*=/im);
    const ignore = readFileSync(join(AGENT_DIR, ".dockerignore"), "utf8").split("\n").map((l) => l.trim());
    // Re-included file by file as well as as a directory (pulumi/pulumi-docker#594, review N3).
    assert.deepEqual(ignore.filter((l) => l !== "" && !l.startsWith("#")), ["*", "!Dockerfile", "!image/", "!image/**", "image/**/*.tmp"]);
    // The entry takes no argument by default: the ECS service's task runs the service loop.
    const steps = parseDockerfile(text);
    assert.deepEqual(steps.filter((s) => s.keyword === "ENTRYPOINT" || s.keyword === "CMD").map((s) => [s.keyword, s.args]).at(-1), ["ENTRYPOINT", '["node", "/app/agent/dist/main.mjs"]']);
  });

  it("given its stages, then every base is the digest-pinned node image and the final stage runs the agent as 10001:10001", () => {
    const steps = parseDockerfile(text);
    const from = steps.filter((s) => s.keyword === "FROM").map((s) => s.args);
    assert.deepEqual(from, ["${NODE_IMAGE} AS release", "${NODE_IMAGE} AS sandbox", "${NODE_IMAGE} AS agent"]);
    const arg = steps.find((s) => s.keyword === "ARG")!.args;
    assert.match(arg, /^NODE_IMAGE=node:20-bookworm-slim@sha256:[0-9a-f]{64}$/);
    const final = steps.slice(steps.map((s) => s.keyword).lastIndexOf("FROM"));
    assert.deepEqual(final.filter((s) => ["USER", "VOLUME", "ENTRYPOINT", "WORKDIR"].includes(s.keyword)).map((s) => `${s.keyword} ${s.args}`), [
      "WORKDIR /app",
      "USER 10001:10001",
      'VOLUME ["/tmp"]',
      'ENTRYPOINT ["node", "/app/agent/dist/main.mjs"]',
    ]);
  });

  it("given the runtime, then the file the image ships is the one it reads", () => {
    assert.equal(SHIPPED_MODEL_FILE, MODEL_FILE);
    assert.ok(text.includes(`/out/${MODEL_FILE} /app/${MODEL_FILE}`));
  });
});

describe("the release files the program writes into the build context", () => {
  it("given the model built from source, when written, then the shipped model reads back with its hash and without the compiling machine's paths", async () => {
    const model = await loadManifestBuildingImage(join(EXAMPLE_AGENT_DIR, "agent.yaml"));
    const dir = mkdtempSync(join(tmpdir(), "airlock-image-context-"));
    try {
      const files = writeReleaseFiles(model, dir);
      const shipped = readShippedModel(files.modelFile);
      assert.equal(shipped.hash, model.hash);
      assert.deepEqual(shipped.image, { kind: "build", context: "agent" });
      const raw = JSON.parse(readFileSync(files.modelFile, "utf8")) as Record<string, unknown>;
      assert.equal(raw.promptFile, undefined);
      assert.equal(raw.manifestDir, undefined);
      assert.equal(readFileSync(files.modelFile, "utf8"), shippedModelJson(model));
      assert.equal(readFileSync(files.promptFile, "utf8"), readFileSync(join(EXAMPLE_AGENT_DIR, "prompts/system.md"), "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the example's plan builds the image", () => {
  let dev: PlanDocument;
  before(async () => {
    dev = await examplePlan();
  });

  it("given the dev stack, then the plan builds agent/ with its Dockerfile for linux/arm64 twice, the agent and its sandbox target, each into its own repository under a tag of its content", () => {
    const images = dev.resources.filter((r) => r.type === "docker:index/image:Image");
    const build = { context: "examples/support-agent/agent", dockerfile: "examples/support-agent/agent/Dockerfile", platform: "linux/arm64" };
    assert.deepEqual(images.map((i) => i.inputs.build), [build, { ...build, target: "sandbox" }]);
    assert.deepEqual(dev.resources.filter((r) => r.type === "aws:ecr/repository:Repository").map((r) => r.inputs.name), ["airlock/dev/support-agent", "airlock/dev/support-agent-sandbox"]);
    const hash = dev.agents[0]!.hash.slice(0, 12);
    assert.match(String(images[0]!.inputs.imageName), new RegExp(`^123456789012\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/airlock/dev/support-agent:${hash}-[0-9a-f]{12}$`));
    assert.match(String(images[1]!.inputs.imageName), new RegExp(`^123456789012\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/airlock/dev/support-agent-sandbox:${hash}-[0-9a-f]{12}$`));
    const sandbox = dev.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === "support-agent-sandbox")!;
    assert.match((JSON.parse(String(sandbox.inputs.containerDefinitions)) as { image: string }[])[0]!.image, /\/airlock\/dev\/support-agent-sandbox@sha256:0{64}$/);
  });

  it("given the release without an image, then its task definition runs the built image with the hash of the model the context ships, and each pinned release the hash its stack records", () => {
    const defs = dev.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name.startsWith("support-agent-release-"));
    const container = (name: string) => (JSON.parse(String(defs.find((d) => d.name === name)!.inputs.containerDefinitions)) as { image: string; environment: { name: string; value: string }[] }[])[0]!;
    // v4 has no image: it runs what the program builds (the mocks' digest); v3 is that build pinned by digest.
    assert.match(container("support-agent-release-v4").image, /^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/airlock\/dev\/support-agent@sha256:0{64}$/);
    assert.match(container("support-agent-release-v3").image, /\/airlock\/dev\/support-agent@sha256:04f72791/);
    assert.match(container("support-agent-release-v2").image, /support-agent@sha256:4c1a7e2b/);
    const shipped = readShippedModel(join(AGENT_DIR, "image", MODEL_FILE));
    const hashOf = (name: string) => container(name).environment.find((e) => e.name === TASK_ENV.modelHash)?.value;
    assert.equal(hashOf("support-agent-release-v4"), shipped.hash);
    // A pinned release runs the model its image ships (review B1), recorded in the stack as `modelHash`.
    const recorded = [...readFileSync(join(EXAMPLE_AGENT_DIR, "../../stacks/Pulumi.dev.yaml"), "utf8").matchAll(/modelHash: ([0-9a-f]{64})/g)].map((m) => m[1]);
    for (const d of defs.filter((x) => x.name !== "support-agent-release-v4")) assert.ok(recorded.includes(hashOf(d.name)), `${d.name} runs ${hashOf(d.name)}, not a hash the stack records`);
  });

  it("given the prod stack, then nothing is built: it runs reviewed images by digest only", async () => {
    const prod = await planTarget(join(EXAMPLE_AGENT_DIR, "../.."), { stack: "prod", guardrails: false });
    assert.deepEqual(prod.resources.filter((r) => r.type === "docker:index/image:Image" || r.type === "aws:ecr/repository:Repository"), []);
  });
});
