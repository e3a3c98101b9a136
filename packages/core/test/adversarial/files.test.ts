/**
 * Files a manifest names (issue #15): the prompt and the image build context stay inside the
 * manifest's project. A prompt that leaves it (`../…`, an absolute path, a symlink pointing out) is
 * refused before it is read or hashed into the release fingerprint; a build context cannot climb out.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { compile, ManifestError } from "../../src/index.ts";
import { baseManifest, problemsOf } from "../fixtures.ts";

/** A project directory inside a parent that holds a secret file outside the project. */
function project(): { root: string; dir: string; outside: string } {
  const root = mkdtempSync(join(tmpdir(), "airlock-files-"));
  const dir = join(root, "project");
  mkdirSync(join(dir, "prompts"), { recursive: true });
  writeFileSync(join(dir, "prompts", "system.md"), "You answer tickets.\n");
  const outside = join(root, "outside.txt");
  writeFileSync(outside, "not the project's\n");
  return { root, dir, outside };
}


describe("files outside the project", () => {
  it("given a prompt inside the project, when compiled, then it is hashed", async () => {
    const { dir } = project();
    const m = baseManifest();
    m.agent.prompt = "prompts/system.md";
    const model = await compile(m, { baseDir: dir });
    assert.match(model.promptHash ?? "", /^[a-f0-9]{64}$/);
  });

  for (const [name, prompt] of [
    ["a ../ path", "../outside.txt"],
    ["an absolute path", "ABS"],
    ["a path that climbs out and back through ..", "prompts/../../outside.txt"],
  ] as const) {
    it(`given ${name} as the prompt, when compiled, then it is refused before it is read`, async () => {
      const { dir, outside } = project();
      const m = baseManifest();
      m.agent.prompt = prompt === "ABS" ? outside : prompt;
      const problems = await problemsOf(m, { baseDir: dir });
      assert.deepEqual(problems, [
        {
          path: "agent.prompt",
          message: `"${m.agent.prompt}" is outside the manifest's directory; give the prompt's path relative to the manifest, inside its project (e.g. \`prompts/system.md\`)`,
        },
      ]);
    });
  }

  it("given a prompt that is a symlink pointing out of the project, when compiled, then it is refused", async () => {
    const { dir, outside } = project();
    symlinkSync(outside, join(dir, "prompts", "linked.md"));
    const m = baseManifest();
    m.agent.prompt = "prompts/linked.md";
    const problems = await problemsOf(m, { baseDir: dir });
    assert.deepEqual(problems, [
      {
        path: "agent.prompt",
        message: `"prompts/linked.md" is a symbolic link to ${outside}, outside the manifest's directory; copy the prompt into the project instead of linking to it`,
      },
    ]);
  });

  for (const context of ["../..", "/", "../"]) {
    it(`given the build context ${JSON.stringify(context)}, when compiled, then it is refused: a build context cannot climb out of the project`, async () => {
      const { dir } = project();
      const m = baseManifest();
      m.agent.image = { build: { context } };
      const problems = await problemsOf(m, { baseDir: dir });
      assert.deepEqual(problems, [
        {
          path: "agent.image.build.context",
          message: `"${context}" is outside the manifest's directory, so the image would be built from (and send to the builder) files outside the project; give a directory inside it, e.g. \`.\``,
        },
      ]);
    });
  }

  it("given the build context '.', when compiled, then it is accepted", async () => {
    const { dir } = project();
    const m = baseManifest();
    m.agent.image = { build: { context: "." } };
    const model = await compile(m, { baseDir: dir });
    assert.deepEqual(model.image, { kind: "build", context: "." });
  });

  it("given a manifest object compiled without baseDir (a program), when its build context is an absolute directory, then it is accepted, but the filesystem root is not", async () => {
    const { dir } = project();
    const m = baseManifest();
    m.agent.image = { build: { context: dir } };
    assert.deepEqual((await compile(m)).image, { kind: "build", context: dir });
    m.agent.image = { build: { context: "/" } };
    await assert.rejects(compile(m), (e: unknown) => e instanceof ManifestError && e.problems.some((p) => p.path === "agent.image.build.context"));
    m.agent.image = { build: { context: "../../.." } };
    await assert.rejects(compile(m), (e: unknown) => e instanceof ManifestError && e.problems.some((p) => p.path === "agent.image.build.context"));
  });
});
