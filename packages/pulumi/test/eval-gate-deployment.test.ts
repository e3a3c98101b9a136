import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { releaseFingerprint, type AgentModel } from "@airlock/core";
import { checkActiveReleaseEvals } from "../src/agent/agent-deployment.ts";
import { exampleModel, find, recordDeployment } from "./harness.ts";

const REPORTS = new URL("../../../examples/support-agent/evals/reports/", import.meta.url).pathname;
const V1 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e";
const V2 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:4c1a7e2b9f0d3c5a6e8b7d9f1a2c3e4b5d6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";

/**
 * A copy of a report with some cases failing, written to a temp dir; returns its path. With
 * `model`, it records that model's prompt, tools and model (the report's image digest kept), so the
 * test does not hang on the example's reports being current.
 */
function reportWith(base: string, failing: string[], model?: AgentModel): string {
  const doc = JSON.parse(readFileSync(join(REPORTS, base), "utf8"));
  if (model !== undefined) {
    const fp = releaseFingerprint(model, doc.release.imageDigest);
    doc.release = { ...doc.release, promptHash: fp.promptHash, toolsHash: fp.toolsHash, model: fp.model };
  }
  for (const c of doc.cases) if (failing.includes(c.id)) Object.assign(c, { pass: false, ...(c.repeats ? { repeats: c.repeats.map(() => false) } : {}) });
  const file = join(mkdtempSync(join(tmpdir(), "airlock-evals-")), base);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe("the eval gate on AgentDeployment", () => {
  let model: AgentModel;
  before(async () => {
    model = await exampleModel();
  });
  const releases = (v2Report?: string) => ({
    v1: { image: V1, modelHash: model.hash, evalReport: join(REPORTS, "v1.json") },
    v2: { image: V2, modelHash: model.hash, ...(v2Report ? { evalReport: v2Report } : {}) },
  });

  it("deploys a release whose current report passes", async () => {
    const rec = await recordDeployment(model, { deployment: { releases: releases(reportWith("v2.json", [], model)), activeRelease: "v2", evalGate: {} } });
    const tags = find(rec, "aws:ecs/service:Service", "support-agent-service").inputs.tags as Record<string, string>;
    assert.equal(tags["airlock:eval-gate"], "on: pass rate at least 90 percent");
  });

  it("refuses a release with no report, before any resource exists", async () => {
    await assert.rejects(recordDeployment(model, { deployment: { releases: releases(), activeRelease: "v2", evalGate: {} } }), (e: Error) => {
      assert.match(e.message, /^`releases\.v2\.evalReport`: release "v2" has no eval report/);
      return true;
    });
  });

  it("refuses a stale report: made for another image", () => {
    // v1's report was made for v1's image; declaring it for v2 is stale on the image digest.
    assert.throws(() => checkActiveReleaseEvals(model, releases(join(REPORTS, "v1.json")), "v2", {}), (e: Error) => {
      assert.match(e.message, /^`releases\.v2\.evalReport`: /);
      assert.match(e.message, /image/);
      assert.ok(e.message.includes("sha256:1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e"), "names the report's digest");
      return true;
    });
  });

  it("refuses a stale report: the tools' permissions changed after the evals ran", async () => {
    const changed = { ...model, permissions: model.permissions.filter((p) => p.tool !== "record_reply") };
    assert.throws(() => checkActiveReleaseEvals(changed as AgentModel, releases(join(REPORTS, "v2.json")), "v2", {}), /the tools, their permissions or their argument policies changed/);
  });

  it("refuses a report below the pass rate, naming the failing cases", () => {
    const low = reportWith("v2.json", ["cites the knowledge-base article it used", "never promises a refund before approval"], model);
    assert.throws(() => checkActiveReleaseEvals(model, releases(low), "v2", { policy: { minPassRate: 0.9 } }), (e: Error) => {
      assert.match(e.message, /^`releases\.v2\.evalReport`: /);
      assert.match(e.message, /below/);
      assert.ok(e.message.includes("never promises a refund before approval"));
      return true;
    });
  });

  it("lets one single-run case flip as noise (p = 0.5 on five paired cases), where the old 0-point margin refused it", () => {
    const slightlyWorse = reportWith("v2.json", ["cites the knowledge-base article it used"], model);
    const ok = checkActiveReleaseEvals(model, releases(slightlyWorse), "v2", { policy: { minPassRate: 0.5 } });
    assert.equal(ok?.ok, true);
    assert.deepEqual(ok?.comparison, { paired: 5, worse: 1, better: 0, pValue: 0.5, alpha: 0.05, minPaired: 5, tooSmall: false, significant: false });
  });

  it("takes the release's own quarantine, shows it on the service's tag and in the plan, and calls its growth from v1 a finding", async () => {
    const quarantined = reportWith("v2.json", ["never promises a refund before approval"], model);
    const rels = { ...releases(quarantined), v2: { ...releases(quarantined).v2, evalQuarantine: [{ case: "never promises a refund before approval", reason: "grader misreads refund dates, #412" }] } };
    const rec = await recordDeployment(model, { deployment: { releases: rels, activeRelease: "v2", evalGate: { policy: { minPassRate: 1 } } } });
    const tags = find(rec, "aws:ecs/service:Service", "support-agent-service").inputs.tags as Record<string, string>;
    assert.equal(tags["airlock:eval-gate"], "on: pass rate at least 100 percent / 1 quarantined");
    assert.deepEqual(
      rec.findings.filter((f) => f.rule === "AIR-I002" || f.rule === "AIR-W012"),
      [
        {
          rule: "AIR-I002",
          severity: "info",
          subject: 'support-agent: release v2 evals case "never promises a refund before approval"',
          message: 'case "never promises a refund before approval" is quarantined (grader misreads refund dates, #412): passed 0 of 1 runs in release "v2", not counted',
        },
        {
          // Quarantined, the case no longer pairs: four cases are too few for the test at 0.05.
          rule: "AIR-W012",
          severity: "warning",
          subject: "support-agent: release v2 evals",
          message: 'the paired test cannot reach alpha 0.05 with 4 cases shared with release "v1" (it needs at least 5), so any drop fails the gate; add cases',
        },
        {
          rule: "AIR-W012",
          severity: "warning",
          subject: 'support-agent: release v2 evals case "never promises a refund before approval"',
          message: 'the quarantine grew: case "never promises a refund before approval" is quarantined (grader misreads refund dates, #412) and was counted in release "v1"',
        },
      ],
    );
  });

  it("refuses quarantining a required injection case", () => {
    const current = reportWith("v2.json", [], model);
    const rels = { ...releases(current), v2: { ...releases(current).v2, evalQuarantine: [{ case: "injection: ticket text cannot trigger a refund", reason: "we would rather ship today" }] } };
    assert.throws(() => checkActiveReleaseEvals(model, rels, "v2", {}), /a required case never passes by quarantine/);
  });

  it("merges several result files of the active release", () => {
    const ok = checkActiveReleaseEvals(model, { ...releases(), v2: { image: V2, modelHash: model.hash, evalReport: [reportWith("v2.json", [], model), reportWith("v2.json", [], model)] } }, "v2", {});
    assert.equal(ok?.suite?.runs, 18); // 9 runs in each file
  });

  it("requires injection cases to pass every repeat", () => {
    const flaky = join(mkdtempSync(join(tmpdir(), "airlock-evals-")), "v2.json");
    const doc = JSON.parse(readFileSync(reportWith("v2.json", [], model), "utf8"));
    const injection = doc.cases.find((c: any) => c.id === "injection: ticket text cannot trigger a refund");
    Object.assign(injection, { pass: false, repeats: [true, false, true] });
    writeFileSync(flaky, JSON.stringify(doc));
    assert.throws(() => checkActiveReleaseEvals(model, releases(flaky), "v2", { policy: { minPassRate: 0.5 } }), /injection: ticket text cannot trigger a refund/);
  });

  it("lets the gate be turned off only with a reason, which shows on the service", async () => {
    assert.throws(() => checkActiveReleaseEvals(model, releases(), "v2", { disabled: "no" }), {
      message: "`evalGate.disabled`: give the reason the gate is off (at least 10 characters); it is tagged on the service for reviewers",
    });
    const rec = await recordDeployment(model, { deployment: { releases: releases(), activeRelease: "v2", evalGate: { disabled: "evals run in the vendor's harness this quarter" } } });
    const tags = find(rec, "aws:ecs/service:Service", "support-agent-service").inputs.tags as Record<string, string>;
    assert.equal(tags["airlock:eval-gate"], "OFF: evals run in the vendor s harness this quarter");
  });
});
