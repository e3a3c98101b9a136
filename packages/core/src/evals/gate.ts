/**
 * The eval gate: whether a release may deploy, given the eval report made for it. Pure: the
 * reasons are exact, name the release and say what to do.
 *
 * Checks, in order: the report exists; it was made for this release (every fingerprint field
 * matches, else it is stale and nothing else is judged); it has cases; the counted cases (all but
 * the quarantined ones) reach `minPassRate`; against the last good release's report, on the cases
 * both ran, no case went from always-pass to always-fail and the one-sided exact sign test finds
 * no significant drop at `alpha` (a suite too small for the test to reach `alpha` fails on any
 * drop, and says so); every required case passed N runs of N (never quarantined). Quarantined
 * cases, flaky cases, a quarantine larger than the last good release's and cases the release no
 * longer runs are findings beside the verdict.
 */
import { resolve } from "node:path";
import type { ReleaseFingerprint } from "../compile/release.ts";
import { EvalReportError, percent, type EvalCase, type EvalReport } from "./report.ts";
import { FINGERPRINT_ENV, PROMPTFOO_FINGERPRINT_TAGS, PROMPTFOO_REDACTED } from "./promptfoo.ts";
import { evalReportExists, loadEvalReport } from "./load.ts";
import { mergeEvalReports } from "./merge.ts";
import { DEFAULT_ALPHA, validateEvalPolicy, type EvalPolicy, type EvalQuarantine } from "./policy.ts";
import { caseRows, compareReports, suiteStats, type EvalCaseRow, type EvalComparison, type EvalSuiteStats } from "./compare.ts";

export interface EvalGateInput {
  /** The release's id as the deployment names it (`v2`). */
  readonly releaseId: string;
  /** What the release is: the report must have been made for exactly this. */
  readonly fingerprint: ReleaseFingerprint;
  /** The release's report (several files: `mergeEvalReports` first); undefined when there is none. */
  readonly report: EvalReport | undefined;
  readonly policy: EvalPolicy;
  /** The last good release's report, for the regression check. @default - no regression check */
  readonly previous?: EvalReport;
  /** The last good release's id, named in the regression message. @default - "the last good release" */
  readonly previousReleaseId?: string;
  /**
   * The quarantine the last good release was judged with: a case quarantined now and not then is
   * a finding (the quarantine grew).
   * @default - not known: growth is not judged, and the result says so when anything is quarantined
   */
  readonly previousQuarantine?: readonly EvalQuarantine[];
  /**
   * The fingerprint fields the report must match.
   * @default - every field (image digest, prompt, tools, model)
   */
  readonly compared?: readonly (keyof ReleaseFingerprint)[];
}

/** Something the gate reports without failing on it (a quarantined case, an underpowered test). */
export interface EvalGateFinding {
  readonly kind: "quarantined" | "quarantine-grew" | "quarantine-unknown-case" | "quarantine-growth-unknown" | "too-small" | "removed-cases" | "flaky";
  readonly severity: "info" | "warning";
  /** The case it is about, when it is about one. */
  readonly case?: string;
  readonly message: string;
}

export interface EvalGateResult {
  readonly ok: boolean;
  /** The counted cases' pass rate (0..1), undefined when there is no current report. */
  readonly passRate: number | undefined;
  /** Why the release does not pass; empty when `ok`. */
  readonly reasons: readonly string[];
  /** What reviewers should know besides the verdict; present when the report was judged. */
  readonly findings?: readonly EvalGateFinding[];
  /** One row per case (this release's, the last good release's and the required ones), sorted by id. */
  readonly cases?: readonly EvalCaseRow[];
  /** The counted cases' figures. */
  readonly suite?: EvalSuiteStats;
  /** The sign test against the last good release, when one was given. */
  readonly comparison?: EvalComparison;
}

const FIELD_ORDER = ["imageDigest", "promptHash", "toolsHash", "model"] as const;
const WHAT_CHANGED: Readonly<Record<keyof ReleaseFingerprint, string>> = {
  imageDigest: "the image changed",
  promptHash: "the system prompt changed",
  toolsHash: "the tools, their permissions or their argument policies changed",
  model: "the model changed",
};
const EPSILON = 1e-9;
const MAX_LISTED = 5;

/** Judges a release's eval report. Throws only for an invalid policy (a programming error). */
export function checkEvalGate(input: EvalGateInput): EvalGateResult {
  const { releaseId, fingerprint, report, policy } = input;
  const policyProblems = validateEvalPolicy(policy);
  if (policyProblems.length > 0) throw new Error(policyProblems.join("\n"));
  const R = `release "${releaseId}"`;

  if (report === undefined) {
    return {
      ok: false,
      passRate: undefined,
      reasons: [
        `${R} has no eval report; run the evals against this release (\`promptfoo eval -o results.json\` with the tags \`airlock evals fingerprint\` prints) and pass the report`,
      ],
    };
  }

  const reasons: string[] = [];
  for (const field of FIELD_ORDER.filter((f) => input.compared === undefined || input.compared.includes(f))) {
    const expected = fingerprint[field];
    const found = report.fingerprint[field];
    if (found === expected) continue;
    if (found === undefined) {
      const how =
        report.format === "promptfoo"
          ? `set the tag \`${PROMPTFOO_FINGERPRINT_TAGS[field]}\` in the promptfoo config (\`airlock evals fingerprint --format env\` sets ${FINGERPRINT_ENV[field]})`
          : `set \`release.${field}\` in the report`;
      reasons.push(`${R}: the eval report does not record the release's ${field} (expected "${expected}"); ${how} and re-run the evals`);
    } else if (found === PROMPTFOO_REDACTED) {
      reasons.push(
        `${R}: the eval report's ${field} was replaced by ${PROMPTFOO_REDACTED} (promptfoo redacts bare 64-character values); write the tag \`${PROMPTFOO_FINGERPRINT_TAGS[field]}\` as sha256:<hex> (\`airlock evals fingerprint --format env\` does) and re-run the evals`,
      );
    } else {
      reasons.push(
        `${R}: the eval report is stale: its ${field} is "${found}" but the release's is "${expected}" (${WHAT_CHANGED[field]} since the evals ran); re-run the evals against this release`,
      );
    }
  }
  if (reasons.length > 0) return { ok: false, passRate: report.passRate, reasons };

  if (report.cases.length === 0 || report.runs === 0) {
    return { ok: false, passRate: report.passRate, reasons: [`${R}: the eval report has no cases; add eval cases for the agent's behaviour and re-run the evals`] };
  }

  // Required cases: the report's marks and the policy's, each the larger N.
  const required = new Map<string, number>();
  for (const c of report.cases) if (c.requiredRepeats !== undefined) required.set(c.id, c.requiredRepeats);
  for (const id of policy.requireAllRepeats?.cases ?? []) required.set(id, Math.max(required.get(id) ?? 0, policy.requireAllRepeats!.repeats));

  // Quarantine: never a required case; a case the report lacks is a finding.
  const findings: EvalGateFinding[] = [];
  const quarantine = new Map<string, string>();
  const byId = new Map(report.cases.map((c) => [c.id, c]));
  for (const q of policy.quarantine ?? []) {
    const n = required.get(q.case);
    if (n !== undefined) {
      reasons.push(`${R}: case "${q.case}" is quarantined but must pass ${n} of ${n} runs (a required case never passes by quarantine); remove it from \`quarantine\` and make it pass every run`);
      continue;
    }
    quarantine.set(q.case, q.reason);
    const c = byId.get(q.case);
    if (c === undefined) {
      findings.push({ kind: "quarantine-unknown-case", severity: "warning", case: q.case, message: `quarantine names case "${q.case}", which the eval report does not have; remove the entry or fix the id` });
    } else {
      findings.push({ kind: "quarantined", severity: "info", case: q.case, message: `case "${q.case}" is quarantined (${q.reason}): passed ${c.passes} of ${c.runs} runs in ${R}, not counted` });
    }
  }
  const counted = report.cases.filter((c) => !quarantine.has(c.id));
  if (counted.length === 0) {
    return { ok: false, passRate: 0, reasons: [...reasons, `${R}: every case in the eval report is quarantined, so nothing is judged; fix the quarantined cases or add cases the gate counts`], findings };
  }

  const suite = suiteStats(report, counted, new Set(quarantine.keys()), policy.k);
  for (const id of suite.flaky) {
    if (quarantine.has(id)) continue;
    const c = byId.get(id)!;
    findings.push({ kind: "flaky", severity: "info", case: id, message: `case "${id}" is flaky: passed ${c.passes} of ${c.runs} runs` });
  }
  if (suite.passRate + EPSILON < policy.minPassRate) {
    const failing = counted.filter((c) => !c.pass);
    reasons.push(
      `${R}: pass rate ${percent(suite.passRate)} (${suite.passes} of ${suite.runs} runs${quarantine.size > 0 ? `, ${quarantine.size} quarantined case${quarantine.size === 1 ? "" : "s"} not counted` : ""}) is below the minimum ${percent(policy.minPassRate)}; failing: ${listCases(failing, true)}; fix them and re-run the evals`,
    );
  }

  const rows = caseRows(report, input.previous, quarantine, required);
  const prev = input.previousReleaseId !== undefined ? `release "${input.previousReleaseId}"` : "the last good release";
  let comparison: EvalComparison | undefined;
  if (input.previous !== undefined) {
    comparison = compareReports(counted, input.previous, policy.alpha ?? DEFAULT_ALPHA);
    const worse = rows.filter((r) => r.verdict === "worse" || (r.verdict === "blocks" && r.requiredRepeats === undefined));
    const flipped = rows.filter((r) => r.verdict === "blocks" && r.requiredRepeats === undefined);
    for (const r of flipped) {
      reasons.push(
        `${R}: case "${r.id}" passed every run in ${prev} (${r.baseline!.passes} of ${r.baseline!.runs}) and fails every run now (0 of ${r.candidate!.runs}); a case that stops passing altogether blocks the release whatever the statistics; fix it and re-run the evals`,
      );
    }
    const test = `${comparison.worse} of ${comparison.paired} paired cases worse, ${comparison.better} better`;
    if (comparison.tooSmall) {
      findings.push({
        kind: "too-small",
        severity: "warning",
        message: `the paired test cannot reach alpha ${comparison.alpha} with ${comparison.paired} case${comparison.paired === 1 ? "" : "s"} shared with ${prev} (it needs at least ${comparison.minPaired}), so any drop fails the gate; add cases`,
      });
      if (comparison.worse > 0 && flipped.length < worse.length) {
        reasons.push(
          `${R}: ${test} than in ${prev}, and with ${comparison.paired} paired case${comparison.paired === 1 ? "" : "s"} the suite is too small for the sign test to reach alpha ${comparison.alpha} at all (it needs at least ${comparison.minPaired}), so the drop cannot be judged noise; worse: ${listRows(worse)}; fix them or add cases, and re-run the evals`,
        );
      }
    } else if (comparison.significant) {
      reasons.push(
        `${R}: regressed from ${prev}: ${test}; the one-sided exact sign test gives p = ${formatP(comparison.pValue)}, at most alpha ${comparison.alpha}; worse: ${listRows(worse)}; fix them and re-run the evals`,
      );
    }
    const removed = rows.filter((r) => r.verdict === "removed");
    if (removed.length > 0) {
      findings.push({ kind: "removed-cases", severity: "warning", message: `${removed.length} case${removed.length === 1 ? "" : "s"} of ${prev} ${removed.length === 1 ? "is" : "are"} not in this release's report: ${listRows(removed)}` });
    }
  }

  const quarantinedNow = [...quarantine.keys()];
  if (input.previousQuarantine !== undefined) {
    const before = new Set(input.previousQuarantine.map((q) => q.case));
    for (const id of quarantinedNow.filter((id) => !before.has(id)).sort()) {
      findings.push({ kind: "quarantine-grew", severity: "warning", case: id, message: `the quarantine grew: case "${id}" is quarantined (${quarantine.get(id)}) and was counted in ${prev}` });
    }
  } else if (quarantinedNow.length > 0) {
    findings.push({ kind: "quarantine-growth-unknown", severity: "info", message: `${prev}'s quarantine was not given, so whether the quarantine grew is not judged` });
  }

  for (const [id, n] of [...required].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const c = byId.get(id);
    const must = `${R}: case "${id}" must pass ${n} of ${n} runs`;
    if (c === undefined) {
      reasons.push(`${must} but is not in the eval report; add it to the evals (promptfoo: a test with \`description: ${id}\` and \`options.repeat: ${n}\`) and re-run them`);
    } else if (c.runs < n) {
      reasons.push(`${must} but ran ${c.runs} time${c.runs === 1 ? "" : "s"}; run it ${n} times (promptfoo: \`options.repeat: ${n}\` on the test) and re-run the evals`);
    } else if (c.passes < c.runs) {
      const why = [c.passes > 0 ? "flaky" : undefined, c.reason ? `first failure: ${c.reason}` : undefined].filter(Boolean).join("; ");
      reasons.push(`${must} but passed ${c.passes} of ${c.runs}${why ? ` (${why})` : ""}; make it pass every run and re-run the evals`);
    }
  }

  return { ok: reasons.length === 0, passRate: suite.passRate, reasons, findings, cases: rows, suite, ...(comparison !== undefined ? { comparison } : {}) };
}

/** A p-value as reviewers read it: 4 significant digits, scientific below 0.0001. */
export function formatP(p: number): string {
  return p >= 1e-4 ? String(Number(p.toPrecision(4))) : p.toExponential(3);
}

function listCases(cases: readonly EvalCase[], withCounts: boolean): string {
  const shown = cases.slice(0, MAX_LISTED).map((c) => {
    if (!withCounts) return `"${c.id}"`;
    const counts = c.runs > 1 ? ` (${c.runs - c.passes} of ${c.runs} runs failed)` : "";
    return `"${c.id}"${counts}`;
  });
  const more = cases.length > MAX_LISTED ? `, and ${cases.length - MAX_LISTED} more` : "";
  return `${shown.join(", ")}${more}`;
}

function listRows(rows: readonly EvalCaseRow[]): string {
  const fmt = (x: { passes: number; runs: number } | undefined) => (x === undefined ? "–" : `${x.passes}/${x.runs}`);
  const shown = rows.slice(0, MAX_LISTED).map((r) => `"${r.id}" (${fmt(r.baseline)} → ${fmt(r.candidate)})`);
  return `${shown.join(", ")}${rows.length > MAX_LISTED ? `, and ${rows.length - MAX_LISTED} more` : ""}`;
}

/** Raised when a release does not pass its eval gate, or its report cannot be read. */
export class EvalGateError extends Error {
  override readonly name = "EvalGateError";
  /** The field the error is about, e.g. `releases.v2.evalReport`. */
  readonly field: string;
  readonly reasons: readonly string[];

  /** `message` is the whole message; it starts with `field` (or a path below it). */
  constructor(field: string, message: string, reasons: readonly string[] = []) {
    super(message);
    this.field = field;
    this.reasons = reasons;
  }

  /** The error for a release that failed the gate: one reason inline, several as a list. */
  static failed(field: string, releaseId: string, reasons: readonly string[]): EvalGateError {
    const body =
      reasons.length === 1
        ? reasons[0]!
        : `release "${releaseId}" failed ${reasons.length} eval gate checks:\n${reasons.map((r) => `  - ${r}`).join("\n")}`;
    return new EvalGateError(field, `\`${field}\`: ${body}`, reasons);
  }
}

export interface AssertEvalGateInput extends Omit<EvalGateInput, "report" | "previous"> {
  /**
   * The report's file path (resolved against `baseDir`), several paths of one release's result
   * files (merged, same fingerprint), a parsed report, or undefined when none was given.
   */
  readonly report: string | readonly string[] | EvalReport | undefined;
  /** The last good release's report: path(s) or a parsed report. @default - no regression check */
  readonly previous?: string | readonly string[] | EvalReport;
  /** Directory relative report paths resolve against. @default - the working directory */
  readonly baseDir?: string;
  /** The field every error message starts with. @default `releases.<releaseId>.evalReport` */
  readonly field?: string;
  /** The field a bad `previous` file is reported under. @default `releases.<releaseId>.previousEvalReport` */
  readonly previousField?: string;
  /** The field a bad policy is reported under. @default `releases.<releaseId>.evalPolicy` */
  readonly policyField?: string;
}

/**
 * Loads the report (when given as paths, merged) and runs the gate; throws `EvalGateError` whose
 * message starts with the field path in backticks (`` `releases.v2.evalReport`: … ``) when the
 * release does not pass, a report cannot be read, is invalid or was made for another release than
 * the others, or the policy is invalid. Returns the passing result. Call it before creating any resource.
 */
export function assertEvalGate(input: AssertEvalGateInput): EvalGateResult {
  const field = input.field ?? `releases.${input.releaseId}.evalReport`;
  const policyField = input.policyField ?? `releases.${input.releaseId}.evalPolicy`;
  const previousField = input.previousField ?? `releases.${input.releaseId}.previousEvalReport`;
  const policyProblems = validateEvalPolicy(input.policy, policyField);
  if (policyProblems.length > 0) {
    // Each problem already starts with `<policyField>.<name>`.
    throw new EvalGateError(policyField, policyProblems.join("\n"), policyProblems);
  }
  const abs = (p: string) => (input.baseDir !== undefined ? resolve(input.baseDir, p) : resolve(p));

  /** The merged report, or the first path that does not exist. */
  const read = (value: string | readonly string[] | EvalReport, at: string): EvalReport | { missing: string } => {
    if (typeof value !== "string" && !Array.isArray(value)) return value as EvalReport;
    const paths = (typeof value === "string" ? [value] : (value as readonly string[])).map(abs);
    const missing = paths.find((p) => !evalReportExists(p));
    if (missing !== undefined) return { missing };
    try {
      return mergeEvalReports(paths.map((p) => loadEvalReport(p)));
    } catch (e) {
      if (e instanceof EvalReportError) throw new EvalGateError(at, `\`${at}\`: ${e.message}`, [e.message]);
      throw e;
    }
  };

  const loaded = input.report === undefined ? undefined : read(input.report, field);
  const report = loaded !== undefined && "missing" in loaded ? undefined : loaded;
  let previous: EvalReport | undefined;
  if (input.previous !== undefined) {
    const p = read(input.previous, previousField);
    if ("missing" in p) {
      throw new EvalGateError(previousField, `\`${previousField}\`: ${p.missing} does not exist; pass the eval report of the last release that deployed, or leave it out to skip the regression check`);
    }
    previous = p;
  }

  const { report: _r, previous: _p, baseDir: _b, field: _f, previousField: _pf, policyField: _pol, ...gate } = input;
  const result = checkEvalGate({ ...gate, report, ...(previous !== undefined ? { previous } : {}) });
  if (!result.ok) {
    const reasons =
      loaded !== undefined && "missing" in loaded
        ? [`release "${input.releaseId}" has no eval report: ${loaded.missing} does not exist; run the evals against this release and write the report there, or fix the path`]
        : result.reasons;
    throw EvalGateError.failed(field, input.releaseId, reasons);
  }
  return result;
}
