/**
 * Each release runs the model its own image ships (review B1): its task definition's
 * AIRLOCK_MODEL_HASH is the release's `modelHash`, not the current compile's; a pinned release
 * must record it; a release running an older model is listed in the plan (AIR-I110), still rolls
 * back by moving only the service's pointer, and its eval report is judged by its image digest.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { releaseFingerprint, type AgentModel } from "@airlock/core";
import { TASK_ENV } from "@airlock/core/contracts";
import type { Recording } from "../src/plan/record.ts";
import { validateReleases } from "../src/agent/releases.ts";
import { all, exampleModel, find, recordDeployment } from "./harness.ts";

const IMAGE = (n: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:${n.repeat(64)}`;
const OLDER = "0123456789abcdef".repeat(4);

function envOf(rec: Recording, release: string): Record<string, string> {
  const td = find(rec, "aws:ecs/taskDefinition:TaskDefinition", `support-agent-release-${release}`);
  const [container] = JSON.parse(td.inputs.containerDefinitions as string) as { environment: { name: string; value: string }[] }[];
  return Object.fromEntries(container!.environment.map((e) => [e.name, e.value]));
}

describe("each release's model hash", () => {
  let model: AgentModel;
  let atV2: Recording;
  let atV1: Recording;
  const releases = () => ({ v1: { image: IMAGE("1"), modelHash: OLDER }, v2: { image: IMAGE("2"), modelHash: model.hash }, v3: {} });
  before(async () => {
    model = await exampleModel();
    atV2 = await recordDeployment(model, { deployment: { releases: releases(), activeRelease: "v2" } });
    atV1 = await recordDeployment(model, { deployment: { releases: releases(), activeRelease: "v1" } });
  });

  it("puts the release's own hash in its task definition (the manifest's image: the current compile's)", () => {
    assert.deepEqual(
      ["v1", "v2", "v3"].map((id) => [id, envOf(atV2, id)[TASK_ENV.modelHash], envOf(atV2, id)[TASK_ENV.release]]),
      [
        ["v1", OLDER, "v1"],
        ["v2", model.hash, "v2"],
        ["v3", model.hash, "v3"],
      ],
    );
    const td = find(atV2, "aws:ecs/taskDefinition:TaskDefinition", "support-agent-release-v3");
    assert.equal(JSON.parse(td.inputs.containerDefinitions as string)[0].image, model.image.kind === "digest" ? model.image.ref : "");
  });

  it("lists a release that runs an older model than the one its IAM is compiled from (AIR-I110, info)", () => {
    const listed = atV2.findings.filter((f) => f.rule === "AIR-I110");
    assert.deepEqual(
      listed.map((f) => [f.severity, f.subject]),
      [["info", "support-agent: releases.v1"]],
    );
    assert.equal(
      listed[0]!.message,
      `release \`v1\` runs the model its image ships (hash ${OLDER.slice(0, 12)}…), not the one compiled from agent.yaml now (${model.hash.slice(0, 12)}…): ` +
        `its prompt, tools and argument policies are its image's; its task role, egress, approval routes and ${TASK_ENV.approvalTiers} are the current compile's. ` +
        `Its eval report is judged by its image digest alone. ` +
        `If its runtime predates the sandbox task tags (@airlock/runtime before b5030a9), it loses its sandbox tool under this task role: its sandbox tasks start untagged, and the role describes and stops only tagged ones. ` +
        `To run the current model, declare an image built from agent.yaml as a new release, its modelHash the \`hash\` its agent-model.json carries (${model.hash} for a build of agent.yaml now)`,
    );
    assert.deepEqual(atV1.findings, atV2.findings, "the listing does not depend on which release is active");
  });

  it("rolls back to the release with the older model by moving only the service's task definition", () => {
    assert.deepEqual(atV1.resources.map((r) => r.urn), atV2.resources.map((r) => r.urn));
    const changed: string[] = [];
    for (const [i, r] of atV2.resources.entries()) {
      const other = atV1.resources[i]!;
      for (const key of new Set([...Object.keys(r.inputs), ...Object.keys(other.inputs)])) {
        if (JSON.stringify(r.inputs[key]) !== JSON.stringify(other.inputs[key])) changed.push(`${r.type} ${r.name}.${key}`);
      }
    }
    assert.deepEqual(changed, ["aws:ecs/service:Service support-agent-service.taskDefinition"]);
    assert.equal(all(atV1, "aws:ecs/service:Service").length, 1);
  });
});

describe("releases.<id>.modelHash is checked before any resource", () => {
  let model: AgentModel;
  before(async () => {
    model = await exampleModel();
  });

  it("is required with the release's own image, and the error says to read it from the image, never a recompute of agent.yaml", () => {
    assert.throws(() => validateReleases(model, { releases: { v1: { image: IMAGE("1") } } }, "us-east-1"), {
      message: `\`releases.v1.modelHash\`: the release pins its own image, so say which model that image ships (the runtime refuses to start when it is not the task's): give the \`hash\` the agent-model.json your image ships carries, read from the image, never recomputed from agent.yaml (an image built by an older Airlock ships an older algorithm's hash); for the example's images: docker run --rm --entrypoint cat <image> /app/agent-model.json | jq -r .hash`,
    });
  });

  it("must be 64 lowercase hex characters", () => {
    for (const bad of ["sha256:" + "a".repeat(64), "A".repeat(64), "a".repeat(63), 42]) {
      assert.throws(() => validateReleases(model, { releases: { v1: { image: IMAGE("1"), modelHash: bad as string } } }, "us-east-1"), {
        message: `\`releases.v1.modelHash\`: must be the model's hash, 64 lowercase hex characters (the \`hash\` in the image's agent-model.json), not ${JSON.stringify(bad)}`,
      });
    }
  });

  it("cannot name another model for the image the program builds", async () => {
    const built: AgentModel = { ...model, image: { kind: "build", context: "agent" } };
    assert.throws(() => validateReleases(built, { releases: { v3: { modelHash: OLDER } } }, "us-east-1"), {
      message: `\`releases.v3.modelHash\`: the release runs the image this program builds, which ships the model compiled now (${model.hash}); remove \`modelHash\`, or give the release the \`image\` that ships ${OLDER}`,
    });
    assert.doesNotThrow(() => validateReleases(built, { releases: { v3: { modelHash: model.hash } } }, "us-east-1"));
  });
});

describe("the eval gate of a release that ships an older model", () => {
  let model: AgentModel;
  let dir: string;
  const report = (name: string, fingerprint: Record<string, string>) => {
    writeFileSync(
      join(dir, name),
      JSON.stringify({ format: "airlock.eval-report/v1", release: fingerprint, createdAt: "2026-12-01T10:00:00Z", cases: [{ id: "answers the ticket", pass: true }] }),
    );
    return name;
  };
  before(async () => {
    model = await exampleModel();
    dir = mkdtempSync(join(tmpdir(), "airlock-model-hash-"));
  });

  it("judges its report by the image digest alone: the report was made for the model in that image", async () => {
    const own = { ...releaseFingerprint(model, IMAGE("1")), promptHash: "f".repeat(64), toolsHash: "e".repeat(64) };
    const evalReport = report("v1.json", own);
    const gate = { baseDir: dir };
    const rec = await recordDeployment(model, { deployment: { releases: { v1: { image: IMAGE("1"), modelHash: OLDER, evalReport } }, evalGate: gate } });
    assert.equal(envOf(rec, "v1")[TASK_ENV.modelHash], OLDER);
    // The same report for a release that says it ships the current model is stale.
    await assert.rejects(recordDeployment(model, { deployment: { releases: { v1: { image: IMAGE("1"), modelHash: model.hash, evalReport } }, evalGate: gate } }), {
      message: /^`releases\.v1\.evalReport`: release "v1" failed 2 eval gate checks:\n  - release "v1": the eval report is stale: its promptHash is "f{64}"[^\n]*\n  - release "v1": the eval report is stale: its toolsHash is "e{64}"/,
    });
    // A report made for another image fails even for an older model.
    const other = report("other.json", { ...own, imageDigest: `sha256:${"9".repeat(64)}` });
    await assert.rejects(recordDeployment(model, { deployment: { releases: { v1: { image: IMAGE("1"), modelHash: OLDER, evalReport: other } }, evalGate: gate } }), {
      message: /^`releases\.v1\.evalReport`: release "v1": the eval report is stale: its imageDigest is "sha256:9{64}"/,
    });
  });
});
