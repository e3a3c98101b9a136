/**
 * The eval gate: whether a release may deploy, given the eval report made for it. Pure: the
 * reasons are exact, name the release and say what to do.
 *
 * Checks, in order: the report exists; it was made for this release (every fingerprint field
 * matches, else it is stale and nothing else is judged); it has cases; its pass rate reaches
 * `minPassRate`; it did not drop more than `maxRegression` below the last good release's report;
 * every case that must pass N runs of N did.
 */
import { resolve } from "node:path";
import type { ReleaseFingerprint } from "../compile/release.ts";
import { EvalReportError, percent, type EvalCase, type EvalReport } from "./report.ts";
import { FINGERPRINT_ENV, PROMPTFOO_FINGERPRINT_TAGS, PROMPTFOO_REDACTED } from "./promptfoo.ts";
import { evalReportExists, loadEvalReport } from "./load.ts";

export interface EvalPolicy {
  /** Lowest pass rate (passed runs over all runs, 0..1) a release may have. */
  readonly minPassRate: number;
  /**
   * Largest drop in pass rate from the last good release's report, as a fraction (0.05 = 5 points).
   * @default 0 - any drop fails the gate
   */
  readonly maxRegression?: number;
  /**
   * Cases that must pass every run, and how many runs they need (N of N), on top of the cases the
   * report itself marks (promptfoo test `metadata.airlockRequiredRepeats`, native `requiredRepeats`).
   * @default - only the cases the report marks
   */
  readonly requireAllRepeats?: { readonly cases: readonly string[]; readonly repeats: number };
}

/** The policy `airlock evals check` applies when given no options. */
export const DEFAULT_EVAL_POLICY: EvalPolicy = { minPassRate: 0.9, maxRegression: 0 };

export interface EvalGateInput {
  /** The release's id as the deployment names it (`v2`). */
  readonly releaseId: string;
  /** What the release is: the report must have been made for exactly this. */
  readonly fingerprint: ReleaseFingerprint;
  /** The release's report; undefined when there is none. */
  readonly report: EvalReport | undefined;
  readonly policy: EvalPolicy;
  /** The last good release's report, for the regression check. @default - no regression check */
  readonly previous?: EvalReport;
  /** The last good release's id, named in the regression message. @default - "the last good release" */
  readonly previousReleaseId?: string;
  /**
   * The fingerprint fields the report must match. A release whose image ships another model than
   * the one compiled now (`releases.<id>.modelHash`) is judged by its image digest alone: the
   * prompt, tools and model it runs are in that image, not in the current compile.
   * @default - all four (imageDigest, promptHash, toolsHash, model)
   */
  readonly compared?: readonly (keyof ReleaseFingerprint)[];
}

export interface EvalGateResult {
  readonly ok: boolean;
  /** The report's pass rate (0..1), undefined when there is no report. */
  readonly passRate: number | undefined;
  /** Why the release does not pass; empty when `ok`. */
  readonly reasons: readonly string[];
}

const FIELD_ORDER = ["imageDigest", "promptHash", "toolsHash", "model"] as const;
const WHAT_CHANGED: Readonly<Record<keyof ReleaseFingerprint, string>> = {
  imageDigest: "the image changed",
  promptHash: "the system prompt changed",
  toolsHash: "the tools or their permissions changed",
  model: "the model changed",
};
const EPSILON = 1e-9;
const MAX_LISTED = 5;

/** Problems with a policy, each `` `<path>.<field>`: <what to do> ``; empty when it is valid. */
export function validateEvalPolicy(policy: EvalPolicy, path = "policy"): string[] {
  const problems: string[] = [];
  const fraction = (v: unknown, field: string) => {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1) {
      const hint = typeof v === "number" && v > 1 && v <= 100 ? `; write ${v / 100} for ${v}%` : "";
      problems.push(`\`${path}.${field}\`: must be a fraction from 0 to 1, not ${JSON.stringify(v)}${hint}`);
    }
  };
  fraction(policy.minPassRate, "minPassRate");
  if (policy.maxRegression !== undefined) fraction(policy.maxRegression, "maxRegression");
  const strict = policy.requireAllRepeats;
  if (strict !== undefined) {
    if (!Number.isInteger(strict.repeats) || strict.repeats < 1) {
      problems.push(`\`${path}.requireAllRepeats.repeats\`: must be a whole number of at least 1, not ${JSON.stringify(strict.repeats)}`);
    }
    strict.cases.forEach((c, i) => {
      if (typeof c !== "string" || c.trim() === "") problems.push(`\`${path}.requireAllRepeats.cases[${i}]\`: must be a case id, not ${JSON.stringify(c)}`);
    });
  }
  return problems;
}

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

  if (report.passRate + EPSILON < policy.minPassRate) {
    const failing = report.cases.filter((c) => !c.pass);
    reasons.push(
      `${R}: pass rate ${percent(report.passRate)} (${report.passes} of ${report.runs} runs) is below the minimum ${percent(policy.minPassRate)}; failing: ${listCases(failing, true)}; fix them and re-run the evals`,
    );
  }

  if (input.previous !== undefined) {
    const allowed = policy.maxRegression ?? 0;
    const drop = input.previous.passRate - report.passRate;
    if (drop > allowed + EPSILON) {
      const before = new Map(input.previous.cases.map((c) => [c.id, c]));
      const newlyFailing = report.cases.filter((c) => !c.pass && before.get(c.id)?.pass === true);
      const prev = input.previousReleaseId !== undefined ? `release "${input.previousReleaseId}"` : "the last good release";
      const fix = newlyFailing.length > 0 ? `newly failing: ${listCases(newlyFailing, false)}; fix them` : "fix the failing cases";
      reasons.push(
        `${R}: pass rate ${percent(report.passRate)} regressed ${points(drop)} points from ${percent(input.previous.passRate)} in ${prev}; at most ${points(allowed)} points are allowed (maxRegression ${allowed}); ${fix} and re-run the evals`,
      );
    }
  }

  const required = new Map<string, number>();
  for (const c of report.cases) if (c.requiredRepeats !== undefined) required.set(c.id, c.requiredRepeats);
  for (const id of policy.requireAllRepeats?.cases ?? []) {
    required.set(id, Math.max(required.get(id) ?? 0, policy.requireAllRepeats!.repeats));
  }
  const byId = new Map(report.cases.map((c) => [c.id, c]));
  for (const [id, n] of [...required].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const c = byId.get(id);
    const must = `${R}: case "${id}" must pass ${n} of ${n} runs`;
    if (c === undefined) {
      reasons.push(`${must} but is not in the eval report; add it to the evals (promptfoo: a test with \`description: ${id}\` and \`options.repeat: ${n}\`) and re-run them`);
    } else if (c.runs < n) {
      reasons.push(`${must} but ran ${c.runs} time${c.runs === 1 ? "" : "s"}; run it ${n} times (promptfoo: \`options.repeat: ${n}\` on the test) and re-run the evals`);
    } else if (c.passes < c.runs) {
      reasons.push(`${must} but passed ${c.passes} of ${c.runs} (flaky${c.reason ? `; first failure: ${c.reason}` : ""}); make it pass every run and re-run the evals`);
    }
  }

  return { ok: reasons.length === 0, passRate: report.passRate, reasons };
}

function points(fraction: number): string {
  return (fraction * 100).toFixed(1);
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
  /** The report's file path (resolved against `baseDir`), a parsed report, or undefined when none was given. */
  readonly report: string | EvalReport | undefined;
  /** The last good release's report: a file path or a parsed report. @default - no regression check */
  readonly previous?: string | EvalReport;
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
 * Loads the report (when given as a path) and runs the gate; throws `EvalGateError` whose message
 * starts with the field path in backticks (`` `releases.v2.evalReport`: … ``) when the release does not pass, the
 * report cannot be read or is invalid, or the policy is invalid. Returns the passing result.
 * Call it before creating any resource.
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

  const read = (value: string | EvalReport, at: string, missing: () => EvalReport | undefined): EvalReport | undefined => {
    if (typeof value !== "string") return value;
    const path = input.baseDir !== undefined ? resolve(input.baseDir, value) : resolve(value);
    if (!evalReportExists(path)) return missing();
    try {
      return loadEvalReport(path);
    } catch (e) {
      if (e instanceof EvalReportError) throw new EvalGateError(at, `\`${at}\`: ${e.message}`, [e.message]);
      throw e;
    }
  };

  const reportPath = typeof input.report === "string" ? (input.baseDir !== undefined ? resolve(input.baseDir, input.report) : resolve(input.report)) : undefined;
  const report = input.report === undefined ? undefined : read(input.report, field, () => undefined);
  const previous =
    input.previous === undefined
      ? undefined
      : read(input.previous, previousField, () => {
          throw new EvalGateError(
            previousField,
            `\`${previousField}\`: ${resolve(input.baseDir ?? ".", input.previous as string)} does not exist; pass the eval report of the last release that deployed, or leave it out to skip the regression check`,
          );
        });

  const result = checkEvalGate({
    releaseId: input.releaseId,
    fingerprint: input.fingerprint,
    report,
    policy: input.policy,
    ...(previous !== undefined ? { previous } : {}),
    ...(input.previousReleaseId !== undefined ? { previousReleaseId: input.previousReleaseId } : {}),
    ...(input.compared !== undefined ? { compared: input.compared } : {}),
  });
  if (!result.ok) {
    const reasons =
      report === undefined && reportPath !== undefined
        ? [`release "${input.releaseId}" has no eval report: ${reportPath} does not exist; run the evals against this release and write the report there, or fix the path`]
        : result.reasons;
    throw EvalGateError.failed(field, input.releaseId, reasons);
  }
  return result;
}
