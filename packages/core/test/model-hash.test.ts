/**
 * The model hash is the hash of what an image ships (agent-model.json), so it does not depend on
 * the image reference: the same manifest compiled with a build context (a dev stack building the
 * image) and with the digest of that image (prod) hashes alike (review S3), and a changed tool
 * still changes it.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { compile } from "../src/index.ts";
import { modelContentHash } from "../src/hash.ts";
import { EXAMPLE_DIR, exampleManifest, problemsOf } from "./fixtures.ts";

const DIGEST = `123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:${"b".repeat(64)}`;

describe("the model hash (what the image ships)", () => {
  it("is the same for the manifest compiled with a build context and with a digest", async () => {
    const pinned = exampleManifest();
    pinned.agent.image = { digest: DIGEST };
    const built = exampleManifest();
    built.agent.image = { build: { context: "agent", platform: "linux/arm64" } };
    const a = await compile(pinned, { baseDir: EXAMPLE_DIR });
    const b = await compile(built, { baseDir: EXAMPLE_DIR });
    assert.deepEqual([a.image.kind, b.image.kind], ["digest", "build"]);
    assert.equal(b.hash, a.hash);
    assert.match(a.hash, /^[a-f0-9]{64}$/);
    // The shipped JSON (another image reference written in) still hashes to it: the runtime's check.
    const shipped = JSON.parse(JSON.stringify(b)) as Record<string, unknown>;
    assert.equal(modelContentHash(shipped), a.hash);
    assert.equal(modelContentHash({ ...shipped, image: { kind: "digest", ref: DIGEST.replace("b", "c") } }), a.hash);
  });

  it("changes when a tool, the prompt or the sandbox's size changes", async () => {
    const base = await compile(exampleManifest(), { baseDir: EXAMPLE_DIR });
    const tool = exampleManifest();
    tool.tools[0].description = `${tool.tools[0].description} Also on weekends.`;
    assert.notEqual((await compile(tool, { baseDir: EXAMPLE_DIR })).hash, base.hash);
    const prompt = exampleManifest();
    delete prompt.agent.prompt;
    assert.notEqual((await compile(prompt, { baseDir: EXAMPLE_DIR })).hash, base.hash);
    const sandbox = exampleManifest();
    sandbox.sandbox.memory = 1024;
    assert.notEqual((await compile(sandbox, { baseDir: EXAMPLE_DIR })).hash, base.hash);
  });

  it("is the same for a sandbox built from the agent's Dockerfile's target and the same sandbox by digest (review S6)", async () => {
    const pinned = exampleManifest();
    const built = exampleManifest();
    built.agent.image = { build: { context: "agent" } };
    built.sandbox.image = { build: { target: "sandbox" } };
    const a = await compile(pinned, { baseDir: EXAMPLE_DIR });
    const b = await compile(built, { baseDir: EXAMPLE_DIR });
    assert.deepEqual(b.sandbox?.image, { build: { target: "sandbox" } });
    assert.equal(typeof a.sandbox?.image, "string");
    assert.equal(b.hash, a.hash);
  });
});

describe("sandbox.image.build", () => {
  it("needs the agent's image built too (it is a stage of that Dockerfile), and a stage name", async () => {
    const m = exampleManifest();
    m.sandbox.image = { build: { target: "sandbox" } };
    assert.deepEqual(await problemsOf(m, { baseDir: EXAMPLE_DIR }), [
      {
        path: "sandbox.image.build",
        message:
          "builds a stage of the agent's Dockerfile, so `agent.image` must be `build` too; with the agent's image pinned by digest, give the sandbox image by digest (`registry/repository@sha256:<digest>`)",
      },
    ]);
    const bad = exampleManifest();
    bad.agent.image = { build: { context: "agent" } };
    bad.sandbox.image = { build: { target: "-no good" } };
    assert.deepEqual((await problemsOf(bad, { baseDir: EXAMPLE_DIR })).map((p) => p.path), ["sandbox.image.build.target"]);
  });
});
