/**
 * Several result files of one release as one report: promptfoo runs split over jobs, or a suite
 * run again for more repeats. Every file must record the same release fingerprint; a case that
 * appears in several files has all their runs.
 */
import type { ReleaseFingerprint } from "../compile/release.ts";
import { EvalReportError, buildReport, type EvalCase, type EvalReport } from "./report.ts";

const FIELDS: readonly (keyof ReleaseFingerprint)[] = ["imageDigest", "promptHash", "toolsHash", "model"];

/**
 * Merges the reports of one release. Throws `EvalReportError` naming the file whose fingerprint
 * differs from the first file's (the field and both values). One report is returned as it is.
 */
export function mergeEvalReports(reports: readonly EvalReport[]): EvalReport {
  if (reports.length === 0) throw new EvalReportError(undefined, "", "no eval reports to merge; pass at least one report file");
  const first = reports[0]!;
  if (reports.length === 1) return first;
  for (const r of reports.slice(1)) {
    for (const field of FIELDS) {
      const a = first.fingerprint[field];
      const b = r.fingerprint[field];
      if (a === b) continue;
      throw new EvalReportError(
        r.source,
        `release.${field}`,
        `is ${b === undefined ? "not recorded" : `"${b}"`} but ${first.source ?? "the first report"} records ${a === undefined ? "none" : `"${a}"`}; every report merged into one release's must be made for the same release (re-run the evals of that file against it, or leave the file out)`,
      );
    }
  }
  const byId = new Map<string, EvalCase[]>();
  for (const r of reports) for (const c of r.cases) byId.set(c.id, [...(byId.get(c.id) ?? []), c]);
  const cases = [...byId.values()].map((list): EvalCase => {
    if (list.length === 1) return list[0]!;
    const runs = list.reduce((n, c) => n + c.runs, 0);
    const passes = list.reduce((n, c) => n + c.passes, 0);
    const required = list.map((c) => c.requiredRepeats).filter((n): n is number => n !== undefined);
    const reason = list.find((c) => c.reason !== undefined)?.reason;
    return {
      id: list[0]!.id,
      pass: passes === runs,
      runs,
      passes,
      errors: list.reduce((n, c) => n + c.errors, 0),
      score: list.reduce((s, c) => s + c.score * c.runs, 0) / runs,
      ...(required.length > 0 ? { requiredRepeats: Math.max(...required) } : {}),
      ...(reason !== undefined ? { reason } : {}),
    };
  });
  const sources = reports.map((r) => r.source).filter((s): s is string => s !== undefined);
  const created = reports.map((r) => r.createdAt).filter((s): s is string => s !== undefined).sort();
  return {
    ...buildReport({
      format: first.format,
      fingerprint: first.fingerprint,
      cases,
      ...(sources.length > 0 ? { source: sources.join(", ") } : {}),
      ...(created.length > 0 ? { createdAt: created.at(-1)! } : {}),
      ...(first.toolVersion !== undefined ? { toolVersion: first.toolVersion } : {}),
    }),
    sources,
  };
}
