/**
 * The eval gate with statistics (issue #16): exact p-values and pass@k against hand-computed
 * binomials, reports with repeats where a real regression is caught and noise is not, flaky and
 * quarantined cases shown, required cases as hard gates, merged result files, the fingerprint's
 * argument policies, and the reviewer's table.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  checkEvalGate,
  compile,
  mergeEvalReports,
  minPairsForAlpha,
  parseAirlockEvalReport,
  passAtK,
  passHatK,
  releaseFingerprint,
  renderEvalGateMarkdown,
  renderEvalGateText,
  signTestPValue,
  validateEvalPolicy,
  type EvalPolicy,
  type EvalQuarantine,
  type EvalReport,
  type ReleaseFingerprint,
} from "@airlock/core";
import { FIXTURE_FINGERPRINT } from "./fixtures/evals/fixture-fingerprint.ts";
import { EXAMPLE_DIR, exampleManifest } from "./fixtures.ts";

const FP: ReleaseFingerprint = { ...FIXTURE_FINGERPRINT };
const POLICY: EvalPolicy = { minPassRate: 0.8 };

/** A native report: case id → its runs ("PPF" = pass, pass, fail). */
function report(cases: Record<string, string>, required: Record<string, number> = {}, release: ReleaseFingerprint = FP, source?: string): EvalReport {
  return parseAirlockEvalReport(
    {
      format: "airlock.eval-report/v1",
      release,
      cases: Object.entries(cases).map(([id, runs]) => {
        const repeats = [...runs].map((r) => r === "P");
        return { id, pass: repeats.every(Boolean), ...(repeats.length > 1 ? { repeats } : {}), ...(required[id] ? { requiredRepeats: required[id] } : {}) };
      }),
    },
    source,
  );
}

/** Twelve cases passing 3 of 3. */
const BASELINE: Record<string, string> = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`case-${String(i).padStart(2, "0")}`, "PPP"]));

const gate = (candidate: EvalReport, previous?: EvalReport, policy: EvalPolicy = POLICY, previousQuarantine?: readonly EvalQuarantine[]) =>
  checkEvalGate({
    releaseId: "v3",
    fingerprint: FP,
    report: candidate,
    policy,
    ...(previous !== undefined ? { previous, previousReleaseId: "v2" } : {}),
    ...(previousQuarantine !== undefined ? { previousQuarantine } : {}),
  });

describe("statistics: exact values", () => {
  it("given counts of worse and better cases, when the sign test runs, then the p-values are the binomial tails computed by hand", () => {
    assert.equal(signTestPValue(5, 0), 1 / 32); // (1/2)^5
    assert.equal(signTestPValue(3, 1), 5 / 16); // (C(4,3) + C(4,4)) / 2^4
    assert.equal(signTestPValue(7, 2), 46 / 512); // (36 + 9 + 1) / 2^9
    assert.equal(signTestPValue(8, 1), 10 / 512); // (9 + 1) / 2^9
    assert.equal(signTestPValue(2, 1), 4 / 8); // (3 + 1) / 2^3
    assert.equal(signTestPValue(1, 0), 0.5);
    assert.equal(signTestPValue(0, 5), 1);
    assert.equal(signTestPValue(0, 0), 1);
  });

  it("given 10,000 changed cases, when the sign test runs, then it stays exact (no underflow): 5000 of 10000 is 1/2 + C(10000,5000)/2^10001", () => {
    // C(n, n/2) / 2^n ≈ sqrt(2 / (π n)) (Stirling); half of it on top of 1/2.
    const p = signTestPValue(5000, 5000);
    assert.ok(Math.abs(p - (0.5 + Math.sqrt(2 / (Math.PI * 10000)) / 2)) < 1e-6, String(p));
    assert.equal(signTestPValue(1000, 0), 2 ** -1000);
    assert.equal(signTestPValue(999, 1), 1001 * 2 ** -1000); // (C(1000,999) + 1) / 2^1000
  });

  it("given an alpha, when the smallest useful suite is asked for, then it is the fewest pairs whose all-worse p-value reaches alpha", () => {
    assert.equal(minPairsForAlpha(0.05), 5); // 1/32 ≤ 0.05 < 1/16
    assert.equal(minPairsForAlpha(0.01), 7); // 1/128 ≤ 0.01 < 1/64
    assert.equal(minPairsForAlpha(0.1), 4); // 1/16 ≤ 0.1 < 1/8
  });

  it("given runs and passes, when pass@k and pass^k are computed, then they are 1 - C(n-c,k)/C(n,k) and C(c,k)/C(n,k)", () => {
    assert.equal(passAtK(3, 1, 2), 1 - 1 / 3); // 1 - C(2,2)/C(3,2)
    assert.equal(passHatK(3, 2, 2), 1 / 3); // C(2,2)/C(3,2)
    assert.ok(Math.abs(passAtK(5, 2, 3)! - 0.9) < 1e-12); // 1 - C(3,3)/C(5,3) = 1 - 1/10
    assert.equal(passHatK(5, 2, 3), 0); // C(2,3) = 0
    assert.ok(Math.abs(passHatK(10, 7, 3)! - 35 / 120) < 1e-12); // C(7,3)/C(10,3)
    assert.equal(passAtK(4, 3, 1), 0.75);
    assert.equal(passHatK(4, 3, 1), 0.75);
    assert.equal(passAtK(2, 0, 2), 0);
    assert.equal(passAtK(2, 1, 3), undefined);
  });
});

describe("eval gate with repeats: regression, noise, always-fail", () => {
  const previous = report(BASELINE);

  it("given six of twelve cases dropping from 3/3 to 1/3, when gated, then the regression is caught (p = 1/64 ≤ 0.05) and the reason names the cases", () => {
    const worse = { ...BASELINE, "case-00": "PFF", "case-01": "FPF", "case-02": "FFP", "case-03": "PFF", "case-04": "FPF", "case-05": "FFP" };
    const result = gate(report(worse), previous, { minPassRate: 0.5 });
    assert.equal(result.ok, false);
    assert.deepEqual(result.comparison, { paired: 12, worse: 6, better: 0, pValue: 1 / 64, alpha: 0.05, minPaired: 5, tooSmall: false, significant: true });
    assert.deepEqual(result.reasons, [
      'release "v3": regressed from release "v2": 6 of 12 paired cases worse, 0 better; the one-sided exact sign test gives p = 0.01563, at most alpha 0.05; worse: "case-00" (3/3 → 1/3), "case-01" (3/3 → 1/3), "case-02" (3/3 → 1/3), "case-03" (3/3 → 1/3), "case-04" (3/3 → 1/3), and 1 more; fix them and re-run the evals',
    ]);
  });

  it("given two cases a run worse and one a run better, when gated, then the noise passes (p = 1/2) and the flaky cases are listed", () => {
    const before = report({ ...BASELINE, "case-11": "PPF" });
    const noisy = report({ ...BASELINE, "case-00": "PPF", "case-01": "FPP", "case-11": "PPP" });
    const result = gate(noisy, before);
    assert.deepEqual({ ok: result.ok, reasons: result.reasons }, { ok: true, reasons: [] });
    assert.deepEqual(result.comparison, { paired: 12, worse: 2, better: 1, pValue: 0.5, alpha: 0.05, minPaired: 5, tooSmall: false, significant: false });
    assert.deepEqual(result.suite?.flaky, ["case-00", "case-01"]);
    assert.deepEqual(
      result.findings?.filter((f) => f.kind === "flaky").map((f) => f.message),
      ['case "case-00" is flaky: passed 2 of 3 runs', 'case "case-01" is flaky: passed 2 of 3 runs'],
    );
    assert.deepEqual(
      result.cases?.filter((r) => r.verdict !== "same").map((r) => [r.id, r.verdict, r.flaky]),
      [
        ["case-00", "worse", true],
        ["case-01", "worse", true],
        ["case-11", "better", false],
      ],
    );
  });

  it("given one case going from always-pass to always-fail, when gated, then it blocks although the suite's test is not significant", () => {
    const result = gate(report({ ...BASELINE, "case-07": "FFF" }), previous);
    assert.equal(result.comparison?.significant, false);
    assert.equal(result.comparison?.pValue, 0.5);
    assert.deepEqual(result.reasons, [
      'release "v3": case "case-07" passed every run in release "v2" (3 of 3) and fails every run now (0 of 3); a case that stops passing altogether blocks the release whatever the statistics; fix it and re-run the evals',
    ]);
    assert.deepEqual(result.cases?.find((r) => r.id === "case-07"), {
      id: "case-07",
      baseline: { runs: 3, passes: 3 },
      candidate: { runs: 3, passes: 0 },
      flaky: false,
      verdict: "blocks",
      detail: "always passed, now always fails",
    });
  });

  it("given a suite of three paired cases with one worse, when gated, then it says the test cannot reach alpha and fails on the drop", () => {
    const result = gate(report({ a: "PPP", b: "PPF", c: "PPP" }), report({ a: "PPP", b: "PPP", c: "PPP" }), { minPassRate: 0.5 });
    assert.equal(result.comparison?.tooSmall, true);
    assert.deepEqual(result.reasons, [
      'release "v3": 1 of 3 paired cases worse, 0 better than in release "v2", and with 3 paired cases the suite is too small for the sign test to reach alpha 0.05 at all (it needs at least 5), so the drop cannot be judged noise; worse: "b" (3/3 → 2/3); fix them or add cases, and re-run the evals',
    ]);
    assert.deepEqual(result.findings?.find((f) => f.kind === "too-small"), {
      kind: "too-small",
      severity: "warning",
      message: 'the paired test cannot reach alpha 0.05 with 3 cases shared with release "v2" (it needs at least 5), so any drop fails the gate; add cases',
    });
  });

  it("given a too-small suite with no drop, when gated, then it passes and still says the test had no power", () => {
    const same = report({ a: "PPP", b: "PPP" });
    const result = gate(same, same);
    assert.equal(result.ok, true);
    assert.deepEqual(result.findings?.map((f) => f.kind), ["too-small"]);
  });

  it("given a case the last good release ran and this one does not, when gated, then it is a finding and a removed row", () => {
    const { "case-03": _gone, ...rest } = BASELINE;
    const result = gate(report(rest), previous);
    assert.equal(result.ok, true);
    assert.deepEqual(result.findings?.find((f) => f.kind === "removed-cases")?.message, '1 case of release "v2" is not in this release\'s report: "case-03" (3/3 → –)');
    assert.equal(result.cases?.find((r) => r.id === "case-03")?.verdict, "removed");
  });
});

describe("eval gate: quarantine and required cases", () => {
  const previous = report({ ...BASELINE, injection: "PPP" }, { injection: 3 });
  const QUARANTINE: EvalQuarantine[] = [{ case: "case-04", reason: "grader flaky on dates, #412" }];

  it("given a quarantined case that now fails every run, when gated, then it is shown with its reason, not counted and blocks nothing", () => {
    const candidate = report({ ...BASELINE, "case-04": "FFF", injection: "PPP" }, { injection: 3 });
    const result = gate(candidate, previous, { minPassRate: 1, quarantine: QUARANTINE }, []);
    assert.deepEqual({ ok: result.ok, passRate: result.passRate, reasons: result.reasons }, { ok: true, passRate: 1, reasons: [] });
    assert.deepEqual(result.suite?.quarantined, ["case-04"]);
    assert.equal(result.suite?.cases, 12);
    assert.deepEqual(result.cases?.find((r) => r.id === "case-04"), {
      id: "case-04",
      baseline: { runs: 3, passes: 3 },
      candidate: { runs: 3, passes: 0 },
      flaky: false,
      quarantine: "grader flaky on dates, #412",
      verdict: "quarantined",
      detail: "quarantined: grader flaky on dates, #412",
    });
    assert.deepEqual(
      result.findings?.map((f) => [f.kind, f.severity, f.message]),
      [
        ["quarantined", "info", 'case "case-04" is quarantined (grader flaky on dates, #412): passed 0 of 3 runs in release "v3", not counted'],
        ["quarantine-grew", "warning", 'the quarantine grew: case "case-04" is quarantined (grader flaky on dates, #412) and was counted in release "v2"'],
      ],
    );
  });

  it("given the same quarantine as the last good release, when gated, then the quarantine did not grow", () => {
    const result = gate(report({ ...BASELINE, injection: "PPP" }, { injection: 3 }), previous, { minPassRate: 1, quarantine: QUARANTINE }, QUARANTINE);
    assert.equal(result.findings?.some((f) => f.kind === "quarantine-grew"), false);
  });

  it("given a required case passing 2 of 3, when gated, then it fails the gate and its row blocks", () => {
    const result = gate(report({ ...BASELINE, injection: "PFP" }, { injection: 3 }), previous, { minPassRate: 0.5 });
    assert.deepEqual(result.reasons, [
      'release "v3": case "injection" must pass 3 of 3 runs but passed 2 of 3 (flaky); make it pass every run and re-run the evals',
    ]);
    assert.deepEqual(result.cases?.find((r) => r.id === "injection"), {
      id: "injection",
      baseline: { runs: 3, passes: 3 },
      candidate: { runs: 3, passes: 2 },
      flaky: true,
      requiredRepeats: 3,
      verdict: "blocks",
      detail: "required 3 of 3, passed 2 of 3",
    });
  });

  it("given a quarantine naming a case the report requires, when gated, then the case still counts and the quarantine is a reason", () => {
    const result = gate(report({ ...BASELINE, injection: "PFP" }, { injection: 3 }), previous, { minPassRate: 0.5, quarantine: [{ case: "injection", reason: "the grader is flaky, #99" }] });
    assert.deepEqual(result.reasons, [
      'release "v3": case "injection" is quarantined but must pass 3 of 3 runs (a required case never passes by quarantine); remove it from `quarantine` and make it pass every run',
      'release "v3": case "injection" must pass 3 of 3 runs but passed 2 of 3 (flaky); make it pass every run and re-run the evals',
    ]);
  });

  it("given a policy quarantining one of its own required cases, when validated, then the entry is refused naming the field", () => {
    assert.deepEqual(
      validateEvalPolicy({ minPassRate: 0.9, requireAllRepeats: { cases: ["injection"], repeats: 3 }, quarantine: [{ case: "injection", reason: "too slow to fix today" }, { case: "x", reason: "short" }] }),
      [
        '`policy.quarantine[0].case`: "injection" is a required case (`policy.requireAllRepeats`, N of N) and can never be quarantined; fix the case, or take it out of requireAllRepeats in a reviewed change',
        '`policy.quarantine[1].reason`: say why "x" is quarantined (at least 10 characters, e.g. "grader flaky on dates, #412"); reviewers read it in the plan',
      ],
    );
  });

  it("given every case quarantined, when gated, then nothing is judged and the gate fails", () => {
    const result = gate(report({ a: "PPP" }), undefined, { minPassRate: 0.9, quarantine: [{ case: "a", reason: "the grader is broken" }] });
    assert.equal(result.ok, false);
    assert.deepEqual(result.reasons, ['release "v3": every case in the eval report is quarantined, so nothing is judged; fix the quarantined cases or add cases the gate counts']);
  });
});

describe("merged result files", () => {
  it("given two files of one release with runs of the same case, when merged, then the runs add up", () => {
    const merged = mergeEvalReports([report({ a: "PP", b: "P" }, {}, FP, "/r/1.json"), report({ a: "F", c: "PPP" }, { c: 3 }, FP, "/r/2.json")]);
    assert.deepEqual(
      merged.cases.map((c) => [c.id, c.passes, c.runs, c.requiredRepeats]),
      [
        ["a", 2, 3, undefined],
        ["b", 1, 1, undefined],
        ["c", 3, 3, 3],
      ],
    );
    assert.deepEqual(merged.sources, ["/r/1.json", "/r/2.json"]);
    assert.equal(merged.passRate, 6 / 7);
  });

  it("given a file made for another model, when merged, then the error names that file, the field and both values", () => {
    assert.throws(() => mergeEvalReports([report({ a: "P" }, {}, FP, "/r/1.json"), report({ a: "P" }, {}, { ...FP, model: "bedrock/x" }, "/r/2.json")]), {
      message:
        '/r/2.json: release.model: is "bedrock/x" but /r/1.json records "anthropic/claude-sonnet-4-5"; every report merged into one release\'s must be made for the same release (re-run the evals of that file against it, or leave the file out)',
    });
  });
});

describe("the fingerprint binds the argument policies", () => {
  it("given a release whose refund limit changed (only its Cedar argument policies differ), when its old report is gated, then it is stale on toolsHash", async () => {
    const before = await compile(exampleManifest(), { baseDir: EXAMPLE_DIR });
    const m = exampleManifest();
    m.riskLines["billing.refund"].when[0].if.amount_cents.gt = 20000;
    const after = await compile(m, { baseDir: EXAMPLE_DIR });
    assert.notEqual(after.argumentPolicies, before.argumentPolicies);
    assert.deepEqual(after.tools, before.tools);
    const image = `sha256:${"a".repeat(64)}`;
    const old = releaseFingerprint(before, image);
    const now = releaseFingerprint(after, image);
    const result = checkEvalGate({ releaseId: "v4", fingerprint: now, report: report({ a: "P" }, {}, old), policy: POLICY });
    assert.deepEqual(result.reasons, [
      `release "v4": the eval report is stale: its toolsHash is "${old.toolsHash}" but the release's is "${now.toolsHash}" (the tools, their permissions or their argument policies changed since the evals ran); re-run the evals against this release`,
    ]);
  });
});

describe("properties", () => {
  const runsArb = fc.array(fc.stringMatching(/^[PF]{1,4}$/), { minLength: 1, maxLength: 30 });

  it("given any report, when gated against itself, then nothing regresses", () => {
    fc.assert(
      fc.property(runsArb, (runs) => {
        const r = report(Object.fromEntries(runs.map((x, i) => [`c${i}`, x])));
        const result = gate(r, r, { minPassRate: 0 });
        assert.equal(result.comparison?.worse, 0);
        assert.equal(result.comparison?.significant, false);
        assert.deepEqual(result.reasons, []);
      }),
      { numRuns: 200 },
    );
  });

  it("given a candidate at least as good on every case, when gated, then it never regresses", () => {
    fc.assert(
      fc.property(runsArb, fc.array(fc.boolean(), { maxLength: 30 }), (runs, improve) => {
        const before = Object.fromEntries(runs.map((x, i) => [`c${i}`, x]));
        const after = Object.fromEntries(runs.map((x, i) => [`c${i}`, improve[i] ? x.replace(/F/g, "P") : x]));
        const result = gate(report(after), report(before), { minPassRate: 0 });
        assert.equal(result.comparison?.worse, 0);
        assert.deepEqual(result.reasons, []);
      }),
      { numRuns: 200 },
    );
  });

  it("given any split of a report into two files, when merged, then each case has the whole's runs and passes", () => {
    fc.assert(
      fc.property(runsArb, fc.array(fc.nat(4), { maxLength: 30 }), (runs, cuts) => {
        const whole = Object.fromEntries(runs.map((x, i) => [`c${i}`, x]));
        const first: Record<string, string> = {};
        const second: Record<string, string> = {};
        runs.forEach((x, i) => {
          const cut = Math.min(cuts[i] ?? 0, x.length);
          if (cut > 0) first[`c${i}`] = x.slice(0, cut);
          if (cut < x.length) second[`c${i}`] = x.slice(cut);
        });
        const parts = [first, second].filter((p) => Object.keys(p).length > 0).map((p) => report(p));
        const merged = mergeEvalReports(parts);
        assert.deepEqual(
          merged.cases.map((c) => [c.id, c.runs, c.passes]),
          report(whole).cases.map((c) => [c.id, c.runs, c.passes]),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("given more cases worse at the same number changed, when the sign test runs, then the p-value never rises", () => {
    fc.assert(
      fc.property(fc.nat(60), fc.nat(60), (w, b) => {
        fc.pre(b > 0);
        assert.ok(signTestPValue(w + 1, b - 1) <= signTestPValue(w, b));
      }),
    );
  });
});

describe("the reviewer's table", () => {
  const previous = report({ "reads | first": "PPP", refunds: "PPP", tone: "PPF", injection: "PPP" }, { injection: 3 });
  const candidate = report({ "reads | first": "PPP", refunds: "FFF", tone: "PFP", injection: "PPP", greeting: "PFF" }, { injection: 3 });
  const policy: EvalPolicy = { minPassRate: 0.5, quarantine: [{ case: "greeting", reason: "grader flaky on dates, #412" }] };
  const result = gate(candidate, previous, policy, []);

  it("given a release with a quarantined, a blocking, a flaky and a required case, when rendered as Markdown, then the PR comment has the table with pipes escaped", () => {
    assert.equal(
      renderEvalGateMarkdown({ releaseId: "v3", previousReleaseId: "v2", result, policy, source: "results.json (airlock)" }),
      [
        "### Eval gate: release `v3` does not pass",
        "",
        '- release "v3": case "refunds" passed every run in release "v2" (3 of 3) and fails every run now (0 of 3); a case that stops passing altogether blocks the release whatever the statistics; fix it and re-run the evals',
        "",
        "| case | baseline | candidate | verdict |",
        "| --- | ---: | ---: | --- |",
        "| greeting | – | 1/3 | quarantined: grader flaky on dates, #412 (flaky) |",
        "| injection | 3/3 | 3/3 | same: required 3 of 3 |",
        "| reads \\| first | 3/3 | 3/3 | same |",
        "| refunds | 3/3 | 0/3 | **BLOCKS: always passed, now always fails** |",
        "| tone | 2/3 | 2/3 | same (flaky) |",
        "",
        "- suite: 4 cases (1 quarantined, not counted), pass rate 66.7% (8 of 12 runs, minimum 50.0%); pass@3 75.0%, pass^3 50.0% over 4 cases",
        '- flaky (runs disagree): "greeting", "tone"',
        '- against release "v2": 1 of 4 paired cases worse, 0 better; too few paired cases for alpha 0.05 (at least 5 needed): any drop fails',
        "",
        "**Findings**",
        "",
        '- ⚠️ the paired test cannot reach alpha 0.05 with 4 cases shared with release "v2" (it needs at least 5), so any drop fails the gate; add cases',
        '- ⚠️ the quarantine grew: case "greeting" is quarantined (grader flaky on dates, #412) and was counted in release "v2"',
        '- case "greeting" is quarantined (grader flaky on dates, #412): passed 1 of 3 runs in release "v3", not counted',
        '- case "tone" is flaky: passed 2 of 3 runs',
        "",
        "<sub>report results.json (airlock)</sub>",
        "",
      ].join("\n"),
    );
  });

  it("given the same release, when rendered as text, then the columns line up under their headers", () => {
    const text = renderEvalGateText({ releaseId: "v3", previousReleaseId: "v2", result, policy });
    const table = text.split("\n").filter((l) => /^ {2}(case|greeting|injection|reads|refunds|tone) /.test(l));
    assert.deepEqual(table, [
      "  case           baseline  candidate  verdict",
      "  greeting       –         1/3        quarantined: grader flaky on dates, #412 (flaky)",
      "  injection      3/3       3/3        same: required 3 of 3",
      "  reads | first  3/3       3/3        same",
      "  refunds        3/3       0/3        BLOCKS: always passed, now always fails",
      "  tone           2/3       2/3        same (flaky)",
    ]);
  });
});

describe("the reviewer's table of a large suite", () => {
  it("given 1,000 cases of which three changed, when rendered as Markdown, then only the changed rows are listed and the rest counted (a PR comment holds 65,536 characters)", () => {
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`c${String(i).padStart(4, "0")}`, "PPP"]));
    const result = gate(report({ ...many, c0001: "PPF", c0500: "FFF" }), report({ ...many, c0002: "PPF" }), { minPassRate: 0.5 });
    const md = renderEvalGateMarkdown({ releaseId: "v3", result, policy: POLICY });
    assert.deepEqual(
      md.split("\n").filter((l) => l.startsWith("| c0")),
      ["| c0001 | 3/3 | 2/3 | worse (flaky) |", "| c0002 | 2/3 | 3/3 | better |", "| c0500 | 3/3 | 0/3 | **BLOCKS: always passed, now always fails** |"],
    );
    assert.ok(md.includes("997 of 1000 cases not listed (unchanged, or past the first 200 others); `airlock evals check --format json` has every row"));
    assert.ok(md.length < 65536);
  });
});
