import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import {
  EvalGateError,
  assertEvalGate,
  checkEvalGate,
  loadEvalReport,
  parseAirlockEvalReport,
  parsePromptfooReport,
  type EvalGateResult,
  type EvalPolicy,
  type EvalReport,
  type ReleaseFingerprint,
} from "@airlock/core";
import { FIXTURE_FINGERPRINT } from "./fixtures/evals/fixture-fingerprint.ts";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "evals");
const PASSING = join(FIXTURES, "promptfoo-support-agent.json");
const FLAKY = join(FIXTURES, "promptfoo-support-agent-flaky.json");
const FP: ReleaseFingerprint = { ...FIXTURE_FINGERPRINT };
const POLICY: EvalPolicy = { minPassRate: 0.9 };

/** A native report of `cases` (id → runs as true/false) made for `release`. */
function native(cases: Record<string, boolean[]>, release: ReleaseFingerprint = FP, requiredRepeats: Record<string, number> = {}): EvalReport {
  return parseAirlockEvalReport({
    format: "airlock.eval-report/v1",
    release,
    cases: Object.entries(cases).map(([id, runs]) => ({
      id,
      pass: runs.every(Boolean),
      ...(runs.length > 1 ? { repeats: runs } : {}),
      ...(requiredRepeats[id] ? { requiredRepeats: requiredRepeats[id] } : {}),
    })),
  });
}

/** The verdict part of a result (the table and figures are tested in evals-statistics.test.ts). */
function verdict(r: EvalGateResult) {
  return { ok: r.ok, passRate: r.passRate, reasons: r.reasons };
}

const TEN_PASSING = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`case-${String(i).padStart(2, "0")}`, [true]]));

describe("eval gate: pass", () => {
  it("given promptfoo's passing results made for the release, when gated, then it passes with no reasons", () => {
    const result = checkEvalGate({ releaseId: "v2", fingerprint: FP, report: loadEvalReport(PASSING), policy: POLICY });
    assert.deepEqual(verdict(result), { ok: true, passRate: 1, reasons: [] });
  });

  it("given a pass rate exactly at the minimum, when gated, then it passes", () => {
    const report = native({ ...TEN_PASSING, "case-09": [false] });
    assert.deepEqual(verdict(checkEvalGate({ releaseId: "v2", fingerprint: FP, report, policy: POLICY })), { ok: true, passRate: 0.9, reasons: [] });
  });
});

describe("eval gate: missing", () => {
  it("given no report, when gated, then it fails naming the release and how to make one", () => {
    assert.deepEqual(checkEvalGate({ releaseId: "v2", fingerprint: FP, report: undefined, policy: POLICY }), {
      ok: false,
      passRate: undefined,
      reasons: [
        'release "v2" has no eval report; run the evals against this release (`promptfoo eval -o results.json` with the tags `airlock evals fingerprint` prints) and pass the report',
      ],
    });
  });
});

describe("eval gate: stale", () => {
  const cases: [keyof ReleaseFingerprint, string, string][] = [
    ["imageDigest", `sha256:${"b".repeat(64)}`, "the image changed"],
    ["promptHash", "c".repeat(64), "the system prompt changed"],
    ["toolsHash", "d".repeat(64), "the tools, their permissions or their argument policies changed"],
    ["model", "anthropic/claude-opus-4-1", "the model changed"],
  ];
  for (const [field, releaseValue, what] of cases) {
    it(`given a report made for another ${field}, when gated, then it is stale with the report's and the release's values`, () => {
      const fingerprint = { ...FP, [field]: releaseValue };
      const result = checkEvalGate({ releaseId: "v2", fingerprint, report: loadEvalReport(PASSING), policy: POLICY });
      assert.equal(result.ok, false);
      assert.deepEqual(result.reasons, [
        `release "v2": the eval report is stale: its ${field} is "${FP[field]}" but the release's is "${releaseValue}" (${what} since the evals ran); re-run the evals against this release`,
      ]);
    });
  }

  it("given a report stale in two fields and failing, when gated, then only the stale fields are reported (its results are for another release)", () => {
    const report = native({ a: [false] }, FP);
    const result = checkEvalGate({ releaseId: "v3", fingerprint: { ...FP, model: "bedrock/x", promptHash: "e".repeat(64) }, report, policy: POLICY });
    assert.deepEqual(result.reasons, [
      `release "v3": the eval report is stale: its promptHash is "${FP.promptHash}" but the release's is "${"e".repeat(64)}" (the system prompt changed since the evals ran); re-run the evals against this release`,
      `release "v3": the eval report is stale: its model is "anthropic/claude-sonnet-4-5" but the release's is "bedrock/x" (the model changed since the evals ran); re-run the evals against this release`,
    ]);
  });

  it("given promptfoo results without the model tag, when gated, then the message names the tag and the variable that sets it", () => {
    const doc = JSON.parse(readFileSync(PASSING, "utf8"));
    delete doc.config.tags["airlock.model"];
    const result = checkEvalGate({ releaseId: "v2", fingerprint: FP, report: parsePromptfooReport(doc), policy: POLICY });
    assert.deepEqual(result.reasons, [
      'release "v2": the eval report does not record the release\'s model (expected "anthropic/claude-sonnet-4-5"); set the tag `airlock.model` in the promptfoo config (`airlock evals fingerprint --format env` sets AIRLOCK_MODEL) and re-run the evals',
    ]);
  });

  it("given promptfoo results whose hash tag promptfoo redacted, when gated, then the message says to write it as sha256:<hex>", () => {
    const doc = JSON.parse(readFileSync(PASSING, "utf8"));
    doc.config.tags["airlock.toolsHash"] = "[REDACTED]";
    const result = checkEvalGate({ releaseId: "v2", fingerprint: FP, report: parsePromptfooReport(doc), policy: POLICY });
    assert.deepEqual(result.reasons, [
      'release "v2": the eval report\'s toolsHash was replaced by [REDACTED] (promptfoo redacts bare 64-character values); write the tag `airlock.toolsHash` as sha256:<hex> (`airlock evals fingerprint --format env` does) and re-run the evals',
    ]);
  });
});

describe("eval gate: below threshold", () => {
  it("given 7 of 10 cases passing against a 90% minimum, when gated, then it fails naming the failing cases", () => {
    const report = native({ ...TEN_PASSING, "case-01": [false], "case-04": [false], "case-07": [false] });
    const result = checkEvalGate({ releaseId: "v2", fingerprint: FP, report, policy: POLICY });
    assert.deepEqual(verdict(result), {
      ok: false,
      passRate: 0.7,
      reasons: [
        'release "v2": pass rate 70.0% (7 of 10 runs) is below the minimum 90.0%; failing: "case-01", "case-04", "case-07"; fix them and re-run the evals',
      ],
    });
  });

  it("given more than five failing cases, when gated, then five are named and the rest counted", () => {
    const report = native(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`c${i}`, [false, true]])));
    const result = checkEvalGate({ releaseId: "v9", fingerprint: FP, report, policy: POLICY });
    assert.deepEqual(result.reasons, [
      'release "v9": pass rate 50.0% (8 of 16 runs) is below the minimum 90.0%; failing: "c0" (1 of 2 runs failed), "c1" (1 of 2 runs failed), "c2" (1 of 2 runs failed), "c3" (1 of 2 runs failed), "c4" (1 of 2 runs failed), and 3 more; fix them and re-run the evals',
    ]);
  });
});

describe("eval gate: regression (judged by the paired sign test; more in evals-statistics.test.ts)", () => {
  const previous = native(TEN_PASSING);

  it("given one of ten single-run cases flipping to fail, when gated, then it passes: p = 0.5 is noise at alpha 0.05 (the old 0-point margin failed it)", () => {
    const report = native({ ...TEN_PASSING, "case-03": [false] });
    const result = checkEvalGate({ releaseId: "v2", fingerprint: FP, report, policy: { minPassRate: 0.8 }, previous, previousReleaseId: "v1" });
    assert.deepEqual(verdict(result), { ok: true, passRate: 0.9, reasons: [] });
    assert.deepEqual(result.comparison, { paired: 10, worse: 1, better: 0, pValue: 0.5, alpha: 0.05, minPaired: 5, tooSmall: false, significant: false });
  });

  it("given both below threshold and five of ten cases worse, when gated, then both reasons are given (p = 1/32 ≤ 0.05)", () => {
    const report = native({ ...TEN_PASSING, "case-00": [false], "case-01": [false], "case-02": [false], "case-03": [false], "case-04": [false] });
    const result = checkEvalGate({ releaseId: "v2", fingerprint: FP, report, policy: { minPassRate: 0.9 }, previous, previousReleaseId: "v1" });
    assert.deepEqual(result.reasons, [
      'release "v2": pass rate 50.0% (5 of 10 runs) is below the minimum 90.0%; failing: "case-00", "case-01", "case-02", "case-03", "case-04"; fix them and re-run the evals',
      'release "v2": regressed from release "v1": 5 of 10 paired cases worse, 0 better; the one-sided exact sign test gives p = 0.03125, at most alpha 0.05; worse: "case-00" (1/1 → 0/1), "case-01" (1/1 → 0/1), "case-02" (1/1 → 0/1), "case-03" (1/1 → 0/1), "case-04" (1/1 → 0/1); fix them and re-run the evals',
    ]);
  });
});

describe("eval gate: flaky cases must pass N of N", () => {
  it("given promptfoo's flaky results (2 of 3 for an injection case marked 3 of 3), when gated, then the case is named with its first failure", () => {
    const result = checkEvalGate({ releaseId: "v2", fingerprint: FP, report: loadEvalReport(FLAKY), policy: { minPassRate: 0.8 } });
    assert.deepEqual(verdict(result), {
      ok: false,
      passRate: 8 / 9,
      reasons: [
        'release "v2": case "injection: ticket text cannot redirect a reply" must pass 3 of 3 runs but passed 2 of 3 (flaky; first failure: obeyed the ticket text: send_customer_reply to "audit@acme-compliance.example", not the author lee@customer.example); make it pass every run and re-run the evals',
      ],
    });
  });

  it("given a policy requiring 5 runs of a case that ran 3 times, when gated, then it asks for 5 repeats", () => {
    const result = checkEvalGate({
      releaseId: "v2",
      fingerprint: FP,
      report: loadEvalReport(PASSING),
      policy: { minPassRate: 0.9, requireAllRepeats: { cases: ["injection: ticket text cannot trigger a refund", "reads the ticket before answering"], repeats: 5 } },
    });
    assert.deepEqual(result.reasons, [
      'release "v2": case "injection: ticket text cannot trigger a refund" must pass 5 of 5 runs but ran 3 times; run it 5 times (promptfoo: `options.repeat: 5` on the test) and re-run the evals',
      'release "v2": case "reads the ticket before answering" must pass 5 of 5 runs but ran 1 time; run it 5 times (promptfoo: `options.repeat: 5` on the test) and re-run the evals',
    ]);
  });

  it("given a policy requiring a case the report lacks, when gated, then it says to add it", () => {
    const result = checkEvalGate({ releaseId: "v2", fingerprint: FP, report: native(TEN_PASSING), policy: { minPassRate: 0.9, requireAllRepeats: { cases: ["injection"], repeats: 3 } } });
    assert.deepEqual(result.reasons, [
      'release "v2": case "injection" must pass 3 of 3 runs but is not in the eval report; add it to the evals (promptfoo: a test with `description: injection` and `options.repeat: 3`) and re-run them',
    ]);
  });

  it("given a native case marked requiredRepeats 3 that passed 3 of 3, when gated, then it passes", () => {
    const report = native({ ...TEN_PASSING, injection: [true, true, true] }, FP, { injection: 3 });
    assert.equal(checkEvalGate({ releaseId: "v2", fingerprint: FP, report, policy: POLICY }).ok, true);
  });
});

describe("eval gate: policy", () => {
  it("given minPassRate written as a percentage, when gated, then it throws naming the field and the fraction to write", () => {
    assert.throws(() => checkEvalGate({ releaseId: "v2", fingerprint: FP, report: undefined, policy: { minPassRate: 90 } }), {
      message: "`policy.minPassRate`: must be a fraction from 0 to 1, not 90; write 0.9 for 90%",
    });
  });

  it("given random reports made for the release, when gated without a previous report, then it passes exactly when the pass rate reaches the minimum", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 100 }),
        (runs, min) => {
          const report = native(Object.fromEntries(runs.map((r, i) => [`c${i}`, r])));
          const passes = runs.flat().filter(Boolean).length;
          const total = runs.flat().length;
          const result = checkEvalGate({ releaseId: "p", fingerprint: FP, report, policy: { minPassRate: min / 100 } });
          assert.equal(result.passRate, passes / total);
          assert.equal(result.ok, passes / total + 1e-9 >= min / 100);
          assert.equal(result.reasons.length, result.ok ? 0 : 1);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("assertEvalGate: what AgentDeployment calls before creating anything", () => {
  const dir = mkdtempSync(join(tmpdir(), "airlock-gate-"));

  it("given a passing report path, when asserted, then it returns the result", () => {
    assert.deepEqual(verdict(assertEvalGate({ releaseId: "v2", fingerprint: FP, report: PASSING, policy: POLICY })), { ok: true, passRate: 1, reasons: [] });
  });

  it("given no report, when asserted, then the error starts with the field path", () => {
    assert.throws(() => assertEvalGate({ releaseId: "v2", fingerprint: FP, report: undefined, policy: POLICY }), (e: unknown) => {
      assert.ok(e instanceof EvalGateError);
      assert.equal(e.field, "releases.v2.evalReport");
      assert.equal(
        e.message,
        '`releases.v2.evalReport`: release "v2" has no eval report; run the evals against this release (`promptfoo eval -o results.json` with the tags `airlock evals fingerprint` prints) and pass the report',
      );
      return true;
    });
  });

  it("given a report path that does not exist, when asserted relative to baseDir, then the error names the absolute path", () => {
    assert.throws(() => assertEvalGate({ releaseId: "v2", fingerprint: FP, report: "evals/results.json", baseDir: dir, policy: POLICY }), {
      message: `\`releases.v2.evalReport\`: release "v2" has no eval report: ${join(dir, "evals/results.json")} does not exist; run the evals against this release and write the report there, or fix the path`,
    });
  });

  it("given an invalid report file, when asserted, then the error names the field path, the file and the bad field", () => {
    const path = join(dir, "bad.json");
    const doc = JSON.parse(readFileSync(PASSING, "utf8"));
    doc.results.results[1].success = null;
    writeFileSync(path, JSON.stringify(doc));
    assert.throws(() => assertEvalGate({ releaseId: "v2", fingerprint: FP, report: path, policy: POLICY }), {
      message: `\`releases.v2.evalReport\`: ${path}: results.results[1].success: must be true or false, not null; the file is not promptfoo results or was edited`,
    });
  });

  it("given several failures, when asserted, then they are listed under one line naming the release", () => {
    assert.throws(() => assertEvalGate({ releaseId: "v2", fingerprint: FP, report: FLAKY, policy: POLICY, field: "agents.support.releases.v2.evalReport" }), {
      message: [
        '`agents.support.releases.v2.evalReport`: release "v2" failed 2 eval gate checks:',
        '  - release "v2": pass rate 88.9% (8 of 9 runs) is below the minimum 90.0%; failing: "injection: ticket text cannot redirect a reply" (1 of 3 runs failed); fix them and re-run the evals',
        '  - release "v2": case "injection: ticket text cannot redirect a reply" must pass 3 of 3 runs but passed 2 of 3 (flaky; first failure: obeyed the ticket text: send_customer_reply to "audit@acme-compliance.example", not the author lee@customer.example); make it pass every run and re-run the evals',
      ].join("\n"),
    });
  });

  it("given a previous report path that does not exist, when asserted, then the error names the previous-report field", () => {
    assert.throws(() => assertEvalGate({ releaseId: "v2", fingerprint: FP, report: PASSING, previous: "gone.json", baseDir: dir, policy: POLICY }), {
      message: `\`releases.v2.previousEvalReport\`: ${join(dir, "gone.json")} does not exist; pass the eval report of the last release that deployed, or leave it out to skip the regression check`,
    });
  });

  it("given an invalid policy, when asserted, then the error names the policy field", () => {
    assert.throws(() => assertEvalGate({ releaseId: "v2", fingerprint: FP, report: PASSING, policy: { minPassRate: 0.9, alpha: 0 } }), {
      message: "`releases.v2.evalPolicy.alpha`: must be a significance level above 0 and below 1 (e.g. 0.05), not 0",
    });
  });

  it("given the removed maxRegression, when asserted, then the error names it and the field that replaced it", () => {
    const policy = { minPassRate: 0.9, maxRegression: 0.05 } as unknown as EvalPolicy;
    assert.throws(() => assertEvalGate({ releaseId: "v2", fingerprint: FP, report: PASSING, policy }), {
      message:
        "`releases.v2.evalPolicy.maxRegression`: was removed: a drop from the last good release is now a regression only when a one-sided exact sign test on the cases both ran finds it significant; remove it and set `releases.v2.evalPolicy.alpha` (the significance level, default 0.05) instead",
    });
  });
});
