import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { compile, FARGATE_TASK_SIZES, fargateSizeProblem, isFargateTaskSize, nearestFargateSizes } from "../../src/index.ts";
import { baseManifest, problemsOf } from "../fixtures.ts";


describe("Fargate task sizes", () => {
  it("holds the documented combinations", () => {
    const counts = Object.fromEntries(FARGATE_TASK_SIZES.map((o) => [o.cpu, o.memory.length]));
    assert.deepEqual(counts, { 256: 3, 512: 4, 1024: 7, 2048: 13, 4096: 23, 8192: 12, 16384: 12 });
    assert.ok(isFargateTaskSize(256, 512) && isFargateTaskSize(4096, 30720) && isFargateTaskSize(8192, 61440) && isFargateTaskSize(16384, 122880));
    assert.ok(!isFargateTaskSize(512, 512) && !isFargateTaskSize(4096, 31744) && !isFargateTaskSize(8192, 18432) && !isFargateTaskSize(256, 1024, "WINDOWS"));
  });

  it("given an invalid pair, then the problem names the nearest valid choices", () => {
    assert.deepEqual(nearestFargateSizes(512, 8192), { memoryForCpu: [4096], cpuForMemory: [1024, 2048, 4096] });
    assert.equal(
      fargateSizeProblem(512, 8192),
      "cpu 512 with memory 8192 is not a Fargate task size; with cpu 512 use memory 4096 (valid: 1024, 2048, 3072, 4096), or keep memory 8192 with cpu 1024 or 2048 or 4096",
    );
    assert.equal(fargateSizeProblem(300, 512), "cpu 300 is not a Fargate cpu value; use one of 256, 512, 1024, 2048, 4096, 8192, 16384");
    assert.equal(fargateSizeProblem(1024, 2048), undefined);
  });
});

describe("compile rejects task sizes Fargate does not run", () => {
  it("given agent.runtime cpu 512 with memory 8192, then the problem is at agent.runtime.memory with the nearest choices", async () => {
    const m = baseManifest();
    m.agent.runtime = { cpu: 512, memory: 8192 };
    assert.deepEqual(await problemsOf(m), [
      {
        path: "agent.runtime.memory",
        message: "cpu 512 with memory 8192 is not a Fargate task size; with cpu 512 use memory 4096 (valid: 1024, 2048, 3072, 4096), or keep memory 8192 with cpu 1024 or 2048 or 4096 (Fargate task sizes, see FARGATE_TASK_SIZES)",
      },
    ]);
  });

  it("given a sandbox with cpu 300, then the problem is at sandbox.cpu; with memory 700, at sandbox.memory", async () => {
    const m = baseManifest();
    m.sandbox = { image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/sbx@sha256:${"b".repeat(64)}`, cpu: 300, memory: 512 };
    assert.deepEqual(
      (await problemsOf(m)).map((p) => p.path),
      ["sandbox.cpu"],
    );
    m.sandbox.cpu = 256;
    m.sandbox.memory = 700;
    const [p] = await problemsOf(m);
    assert.equal(p?.path, "sandbox.memory");
    assert.match(p!.message, /^cpu 256 with memory 700 is not a Fargate task size; with cpu 256 use memory 512 or 1024/);
  });

  it("given the defaults (cpu 512, memory 1024; sandbox 256/512) or the property left out, then it compiles", async () => {
    const m = baseManifest();
    await compile(m);
    m.agent.runtime = { cpu: 4096, memory: 30720, architecture: "X86_64" };
    await compile(m);
  });
});
