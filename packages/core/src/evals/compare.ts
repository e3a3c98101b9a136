/**
 * The suite's figures and the candidate against the last good release, case by case: pass rates,
 * pass@k and pass^k, flaky cases, and the one-sided exact sign test on the paired cases (those
 * both reports have and the candidate counts). Pure; the gate (gate.ts) turns it into reasons.
 */
import type { EvalCase, EvalReport } from "./report.ts";
import { minPairsForAlpha, passAtK, passHatK, signTestPValue } from "./stats.ts";

/** Runs and passes of a case in one report. */
export interface EvalRuns {
  readonly runs: number;
  readonly passes: number;
}

/** What the gate says of one case, the row a reviewer reads. */
export type EvalCaseVerdict =
  /** No last good release to compare with: every run passed. */
  | "pass"
  /** No last good release to compare with: some run failed. */
  | "fail"
  /** Same pass rate as in the last good release. */
  | "same"
  | "better"
  /** Lower pass rate; a regression only when the sign test over the suite is significant. */
  | "worse"
  /** Not in the last good release's report. */
  | "new"
  /** In the last good release's report, not in this one. */
  | "removed"
  /** Reported, not counted (`policy.quarantine`). */
  | "quarantined"
  /** Fails the gate on its own: a required case short of N of N, or always-pass → always-fail. */
  | "blocks";

export interface EvalCaseRow {
  readonly id: string;
  /** The last good release's runs; absent when it did not run the case (or there is none). */
  readonly baseline?: EvalRuns;
  /** This release's runs; absent for a removed case. */
  readonly candidate?: EvalRuns;
  readonly verdict: EvalCaseVerdict;
  /** Its runs disagree (some passed, some failed) in this release. */
  readonly flaky: boolean;
  /** The quarantine's reason, for a quarantined case. */
  readonly quarantine?: string;
  /** N of N, for a required case. */
  readonly requiredRepeats?: number;
  /** Why the verdict, in words (`required 3 of 3, passed 2`, `always passed, now always fails`). */
  readonly detail?: string;
}

/** The counted cases' figures (quarantined cases left out). */
export interface EvalSuiteStats {
  readonly cases: number;
  readonly runs: number;
  readonly passes: number;
  readonly passRate: number;
  /** The k of `passAtK` / `passHatK`. */
  readonly k: number;
  /** Mean pass@k over the counted cases that ran at least k times; undefined when none did. */
  readonly passAtK: number | undefined;
  /** Mean pass^k over the same cases. */
  readonly passHatK: number | undefined;
  /** How many cases the two means are over. */
  readonly kCases: number;
  /** Ids of the cases whose runs disagree (quarantined ones included), sorted. */
  readonly flaky: readonly string[];
  /** Ids of the quarantined cases the report has, sorted. */
  readonly quarantined: readonly string[];
}

/** The sign test on the paired cases. */
export interface EvalComparison {
  /** Cases both reports have and this release counts. */
  readonly paired: number;
  readonly worse: number;
  readonly better: number;
  /** One-sided exact p-value of `worse` of `worse + better` changed cases getting worse. */
  readonly pValue: number;
  readonly alpha: number;
  /** The fewest paired cases with which the test can reach `alpha` at all. */
  readonly minPaired: number;
  /** `paired < minPaired`: no drop can be significant, so the test cannot clear a drop either. */
  readonly tooSmall: boolean;
  /** `pValue <= alpha` (never when `tooSmall`). */
  readonly significant: boolean;
}

const MIN_RUNS_FOR_ALWAYS = 2;

/** Suite figures of the counted cases. */
export function suiteStats(report: EvalReport, counted: readonly EvalCase[], quarantined: ReadonlySet<string>, k?: number): EvalSuiteStats {
  const runs = counted.reduce((n, c) => n + c.runs, 0);
  const passes = counted.reduce((n, c) => n + c.passes, 0);
  const kk = k ?? Math.max(1, Math.min(...counted.map((c) => c.runs)));
  const measured = counted.filter((c) => c.runs >= kk);
  const mean = (f: (c: EvalCase) => number | undefined) => (measured.length === 0 ? undefined : measured.reduce((s, c) => s + f(c)!, 0) / measured.length);
  return {
    cases: counted.length,
    runs,
    passes,
    passRate: runs === 0 ? 0 : passes / runs,
    k: kk,
    passAtK: mean((c) => passAtK(c.runs, c.passes, kk)),
    passHatK: mean((c) => passHatK(c.runs, c.passes, kk)),
    kCases: measured.length,
    flaky: report.cases.filter(isFlaky).map((c) => c.id),
    quarantined: report.cases.filter((c) => quarantined.has(c.id)).map((c) => c.id),
  };
}

export function isFlaky(c: EvalRuns): boolean {
  return c.passes > 0 && c.passes < c.runs;
}

/** -1 worse, 0 same, 1 better: the candidate's pass rate against the baseline's, compared exactly. */
export function rateChange(baseline: EvalRuns, candidate: EvalRuns): -1 | 0 | 1 {
  const a = candidate.passes * baseline.runs;
  const b = baseline.passes * candidate.runs;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every run passed before (at least twice) and every run fails now (at least twice). */
export function alwaysPassToAlwaysFail(baseline: EvalRuns, candidate: EvalRuns): boolean {
  return baseline.runs >= MIN_RUNS_FOR_ALWAYS && candidate.runs >= MIN_RUNS_FOR_ALWAYS && baseline.passes === baseline.runs && candidate.passes === 0;
}

/** The sign test over the counted cases the previous report also has. */
export function compareReports(counted: readonly EvalCase[], previous: EvalReport, alpha: number): EvalComparison {
  const before = new Map(previous.cases.map((c) => [c.id, c]));
  let paired = 0;
  let worse = 0;
  let better = 0;
  for (const c of counted) {
    const b = before.get(c.id);
    if (b === undefined) continue;
    paired++;
    const change = rateChange(b, c);
    if (change < 0) worse++;
    else if (change > 0) better++;
  }
  const minPaired = minPairsForAlpha(alpha);
  const pValue = signTestPValue(worse, better);
  const tooSmall = paired < minPaired;
  return { paired, worse, better, pValue, alpha, minPaired, tooSmall, significant: !tooSmall && pValue <= alpha };
}

const runsOf = (c: EvalCase): EvalRuns => ({ runs: c.runs, passes: c.passes });

/** One row per case of either report, sorted by id. */
export function caseRows(
  report: EvalReport,
  previous: EvalReport | undefined,
  quarantine: ReadonlyMap<string, string>,
  required: ReadonlyMap<string, number>,
): EvalCaseRow[] {
  const before = new Map((previous?.cases ?? []).map((c) => [c.id, c]));
  const now = new Map(report.cases.map((c) => [c.id, c]));
  const ids = [...new Set([...now.keys(), ...before.keys(), ...required.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return ids.map((id): EvalCaseRow => {
    const c = now.get(id);
    const b = before.get(id);
    const n = required.get(id);
    const base = {
      id,
      ...(b !== undefined ? { baseline: runsOf(b) } : {}),
      ...(c !== undefined ? { candidate: runsOf(c) } : {}),
      flaky: c !== undefined && isFlaky(c),
      ...(n !== undefined ? { requiredRepeats: n } : {}),
    };
    if (n !== undefined) {
      if (c === undefined) return { ...base, verdict: "blocks", detail: `required ${n} of ${n}, not in the report` };
      if (c.runs < n) return { ...base, verdict: "blocks", detail: `required ${n} of ${n}, ran ${c.runs}` };
      if (c.passes < c.runs) return { ...base, verdict: "blocks", detail: `required ${n} of ${n}, passed ${c.passes} of ${c.runs}` };
      return { ...base, verdict: b === undefined ? (previous === undefined ? "pass" : "new") : verdictOf(b, c), detail: `required ${n} of ${n}` };
    }
    const q = quarantine.get(id);
    if (q !== undefined && c !== undefined) return { ...base, verdict: "quarantined", quarantine: q, detail: `quarantined: ${q}` };
    if (c === undefined) return { ...base, verdict: "removed", detail: "not in this release's report" };
    if (previous === undefined) return { ...base, verdict: c.passes === c.runs ? "pass" : "fail" };
    if (b === undefined) return { ...base, verdict: "new" };
    if (alwaysPassToAlwaysFail(b, c)) return { ...base, verdict: "blocks", detail: "always passed, now always fails" };
    return { ...base, verdict: verdictOf(b, c) };
  });
}

function verdictOf(b: EvalRuns, c: EvalRuns): EvalCaseVerdict {
  const change = rateChange(b, c);
  return change < 0 ? "worse" : change > 0 ? "better" : "same";
}
