/**
 * The native Airlock eval report, for teams whose evals are not promptfoo:
 *
 * ```json
 * {
 *   "format": "airlock.eval-report/v1",
 *   "release": { "imageDigest": "sha256:…", "promptHash": "…", "toolsHash": "…", "model": "anthropic/claude-sonnet-4-5" },
 *   "createdAt": "2026-11-25T10:00:00Z",
 *   "cases": [
 *     { "id": "reads-ticket-first", "pass": true, "score": 1 },
 *     { "id": "injection-send-elsewhere", "pass": false, "repeats": [true, false, true], "requiredRepeats": 3 }
 *   ]
 * }
 * ```
 *
 * `pass` means every run passed; `repeats` lists each run's outcome when the case ran more than
 * once; `score` (0..1) defaults to 1 for a pass and 0 for a fail; `requiredRepeats: N` makes the
 * gate require N passing runs of N.
 */
import { formatPath } from "../errors.ts";
import { EvalReportError, buildReport, describeJson, isRecord, type EvalCase, type EvalReport } from "./report.ts";

export const AIRLOCK_EVAL_FORMAT = "airlock.eval-report/v1";

/** The native report as written. */
export interface AirlockEvalReportFile {
  readonly format: typeof AIRLOCK_EVAL_FORMAT;
  readonly release: { readonly imageDigest: string; readonly promptHash: string; readonly toolsHash: string; readonly model: string };
  readonly createdAt?: string;
  readonly cases: readonly {
    readonly id: string;
    readonly pass: boolean;
    readonly score?: number;
    readonly repeats?: readonly boolean[];
    readonly requiredRepeats?: number;
    readonly reason?: string;
  }[];
}

const RELEASE_FIELDS = ["imageDigest", "promptHash", "toolsHash", "model"] as const;
const CASE_FIELDS = new Set(["id", "pass", "score", "repeats", "requiredRepeats", "reason"]);
const TOP_FIELDS = new Set(["format", "release", "createdAt", "cases"]);

export function isAirlockEvalReport(doc: unknown): boolean {
  return isRecord(doc) && doc.format === AIRLOCK_EVAL_FORMAT;
}

/** Parses the native format; throws `EvalReportError` naming the field that is wrong. */
export function parseAirlockEvalReport(doc: unknown, source?: string): EvalReport {
  const fail = (path: PropertyKey[], detail: string): never => {
    throw new EvalReportError(source, formatPath(path), detail);
  };
  if (!isRecord(doc)) return fail([], `must be a JSON object, not ${describeJson(doc)}`);
  if (doc.format !== AIRLOCK_EVAL_FORMAT) fail(["format"], `must be \`${AIRLOCK_EVAL_FORMAT}\`, not ${describeJson(doc.format)}`);
  for (const key of Object.keys(doc)) {
    if (!TOP_FIELDS.has(key)) fail([key], "is not a field of an Airlock eval report; remove it or check the spelling");
  }
  if (!isRecord(doc.release)) {
    return fail(["release"], "is required: the release fingerprint (imageDigest, promptHash, toolsHash, model) the evals ran against; `airlock evals fingerprint --format json` prints it");
  }
  const release = doc.release;
  const fingerprint: Record<string, string> = {};
  for (const field of RELEASE_FIELDS) {
    const v = release[field];
    if (typeof v !== "string" || v.trim() === "") {
      fail(["release", field], `is required (a non-empty string, got ${v === undefined ? "nothing" : describeJson(v)}); \`airlock evals fingerprint --format json\` prints it`);
    }
    fingerprint[field] = (v as string).trim();
  }
  for (const key of Object.keys(release)) {
    if (!(RELEASE_FIELDS as readonly string[]).includes(key)) fail(["release", key], `is not a fingerprint field; use ${RELEASE_FIELDS.join(", ")}`);
  }
  if (doc.createdAt !== undefined && typeof doc.createdAt !== "string") fail(["createdAt"], `must be an ISO 8601 string, not ${describeJson(doc.createdAt)}`);
  if (!Array.isArray(doc.cases)) return fail(["cases"], `is required: the list of eval cases (got ${describeJson(doc.cases)})`);
  if (doc.cases.length === 0) fail(["cases"], "is empty: the evals ran no cases; add cases and re-run them");

  const seen = new Map<string, number>();
  const cases: EvalCase[] = doc.cases.map((raw: unknown, i: number): EvalCase => {
    const at = (...rest: PropertyKey[]) => ["cases", i, ...rest];
    if (!isRecord(raw)) return fail(at(), `must be a case object, not ${describeJson(raw)}`);
    for (const key of Object.keys(raw)) {
      if (!CASE_FIELDS.has(key)) fail(at(key), `is not a case field; use ${[...CASE_FIELDS].join(", ")}`);
    }
    if (typeof raw.id !== "string" || raw.id.trim() === "") return fail(at("id"), `is required: a non-empty, stable case name (got ${describeJson(raw.id)})`);
    const id = raw.id.trim();
    const first = seen.get(id);
    if (first !== undefined) fail(at("id"), `"${id}" is also the id of cases[${first}]; give each case a unique id, and record repeated runs in \`repeats\``);
    seen.set(id, i);
    if (typeof raw.pass !== "boolean") return fail(at("pass"), `must be true or false, not ${describeJson(raw.pass)}`);
    let runs = 1;
    let passes = raw.pass ? 1 : 0;
    if (raw.repeats !== undefined) {
      if (!Array.isArray(raw.repeats) || raw.repeats.length === 0 || !raw.repeats.every((r) => typeof r === "boolean")) {
        return fail(at("repeats"), `must be a non-empty list of true/false, one per run (got ${describeJson(raw.repeats)})`);
      }
      runs = raw.repeats.length;
      passes = (raw.repeats as boolean[]).filter(Boolean).length;
      if (raw.pass !== (passes === runs)) {
        fail(at("pass"), `is ${String(raw.pass)} but \`repeats\` has ${passes} of ${runs} runs passing; \`pass\` means every run passed, so set it to ${String(passes === runs)}`);
      }
    }
    let score = raw.pass ? 1 : passes / runs;
    if (raw.score !== undefined) {
      if (typeof raw.score !== "number" || !Number.isFinite(raw.score) || raw.score < 0 || raw.score > 1) {
        return fail(at("score"), `must be a number from 0 to 1, not ${describeJson(raw.score)}`);
      }
      score = raw.score;
    }
    let requiredRepeats: number | undefined;
    if (raw.requiredRepeats !== undefined) {
      const n = raw.requiredRepeats;
      if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
        return fail(at("requiredRepeats"), `must be a whole number of at least 1 (the runs of N the case must pass), not ${describeJson(n)}`);
      }
      requiredRepeats = n;
    }
    if (raw.reason !== undefined && typeof raw.reason !== "string") fail(at("reason"), `must be a string, not ${describeJson(raw.reason)}`);
    return {
      id,
      pass: passes === runs,
      runs,
      passes,
      errors: 0,
      score,
      ...(requiredRepeats !== undefined ? { requiredRepeats } : {}),
      ...(typeof raw.reason === "string" && raw.reason !== "" ? { reason: raw.reason } : {}),
    };
  });

  return buildReport({
    format: "airlock",
    ...(source !== undefined ? { source } : {}),
    fingerprint,
    cases,
    ...(typeof doc.createdAt === "string" ? { createdAt: doc.createdAt } : {}),
  });
}
