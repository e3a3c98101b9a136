/**
 * Eval reports. Two formats normalise to one `EvalReport`: promptfoo's JSON results (what
 * `promptfoo eval -o results.json` writes) and a small native Airlock format. A report records the
 * release fingerprint it was made for, so a report made for another image, prompt, tool set or
 * model is recognised as stale.
 */
import type { ReleaseFingerprint } from "../compile/release.ts";

export type EvalReportFormat = "promptfoo" | "airlock";

/** One eval case, with every run of it (promptfoo's `--repeat` / `options.repeat`, or native `repeats`). */
export interface EvalCase {
  /** The case's stable id: promptfoo's test `description`, or the native `id`. */
  readonly id: string;
  /** True when every run passed. */
  readonly pass: boolean;
  /** How many times the case ran. */
  readonly runs: number;
  /** How many of those runs passed. */
  readonly passes: number;
  /** How many runs ended in an error (the provider or an assertion failed to run); counted as failed. */
  readonly errors: number;
  /** Mean score over the runs, 0..1 for most graders. */
  readonly score: number;
  /** When set, the case must pass this many runs out of this many (flaky cases must pass N of N). */
  readonly requiredRepeats?: number;
  /** Why the first failed run failed, when the report says. */
  readonly reason?: string;
}

export interface EvalReport {
  readonly format: EvalReportFormat;
  /** The file it was read from, when it was read from a file (the files, comma-separated, for a merged report). */
  readonly source?: string;
  /** The files a merged report was made of (`mergeEvalReports`), in the order given. */
  readonly sources?: readonly string[];
  /** The release the report was made for; a field the report does not record is absent. */
  readonly fingerprint: Partial<ReleaseFingerprint>;
  /** Sorted by id. */
  readonly cases: readonly EvalCase[];
  /** Passed runs over all runs (0 when there are none); the figure promptfoo prints as its pass rate. */
  readonly passRate: number;
  /** Total runs over all cases. */
  readonly runs: number;
  /** Passed runs over all cases. */
  readonly passes: number;
  /** When the eval ran, when the report says (ISO 8601). */
  readonly createdAt?: string;
  /** promptfoo's version, for promptfoo reports that record it. */
  readonly toolVersion?: string;
}

/**
 * An eval report that cannot be read or is not valid. `field` is the path of the offending field
 * (`results.results[3].success`), empty for the file as a whole.
 */
export class EvalReportError extends Error {
  override readonly name = "EvalReportError";
  readonly file: string | undefined;
  readonly field: string;
  readonly detail: string;

  constructor(file: string | undefined, field: string, detail: string) {
    super(`${file ?? "eval report"}: ${field === "" ? "" : `${field}: `}${detail}`);
    this.file = file;
    this.field = field;
    this.detail = detail;
  }
}

/** Totals and ordering shared by both parsers. */
export function buildReport(parts: {
  format: EvalReportFormat;
  source?: string;
  fingerprint: Partial<ReleaseFingerprint>;
  cases: EvalCase[];
  createdAt?: string;
  toolVersion?: string;
}): EvalReport {
  const cases = [...parts.cases].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const runs = cases.reduce((n, c) => n + c.runs, 0);
  const passes = cases.reduce((n, c) => n + c.passes, 0);
  const report: EvalReport = {
    format: parts.format,
    fingerprint: parts.fingerprint,
    cases,
    passRate: runs === 0 ? 0 : passes / runs,
    runs,
    passes,
    ...(parts.source !== undefined ? { source: parts.source } : {}),
    ...(parts.createdAt !== undefined ? { createdAt: parts.createdAt } : {}),
    ...(parts.toolVersion !== undefined ? { toolVersion: parts.toolVersion } : {}),
  };
  return report;
}

/** `12.5%` */
export function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

export function describeJson(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
