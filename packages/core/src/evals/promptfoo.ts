/**
 * promptfoo's JSON results: the file `promptfoo eval -o results.json` writes (promptfoo's
 * `OutputFile`: `{ evalId, results: EvaluateSummaryV3, config, shareableUrl, metadata }`), and the
 * `promptfoo export` file of the same shape. Checked against promptfoo 0.121.20 and 0.123.1.
 *
 * Which release a promptfoo run was made for is carried in the config's `tags`, which promptfoo
 * copies into the results file (`config.tags`). The config sets them from the environment, and
 * `airlock evals fingerprint --format env` prints that environment:
 *
 * ```yaml
 * tags:
 *   airlock.imageDigest: "{{ env.AIRLOCK_IMAGE_DIGEST }}"
 *   airlock.promptHash: "{{ env.AIRLOCK_PROMPT_HASH }}"
 *   airlock.toolsHash: "{{ env.AIRLOCK_TOOLS_HASH }}"
 *   airlock.model: "{{ env.AIRLOCK_MODEL }}"
 * ```
 *
 * The prompt and tools hashes are written `sha256:<hex>`: promptfoo replaces any bare value of 64
 * or more base64-like characters with `[REDACTED]` when it writes the results (it takes them for
 * credentials), which would lose a bare sha256.
 *
 * A test whose `metadata.airlockRequiredRepeats` is N must pass N runs of N (set `options.repeat: N`
 * on the same test so promptfoo runs it N times).
 */
import { canonicalJson } from "../hash.ts";
import { formatPath } from "../errors.ts";
import type { ReleaseFingerprint } from "../compile/release.ts";
import { EvalReportError, buildReport, describeJson, isRecord, type EvalCase, type EvalReport } from "./report.ts";
import { EVAL_ENV } from "../contracts/index.ts";

type FingerprintField = keyof ReleaseFingerprint;
const FIELDS: readonly FingerprintField[] = ["imageDigest", "promptHash", "toolsHash", "model"];

/** The promptfoo config `tags` that record the release fingerprint. */
export const PROMPTFOO_FINGERPRINT_TAGS: Readonly<Record<FingerprintField, string>> = {
  imageDigest: "airlock.imageDigest",
  promptHash: "airlock.promptHash",
  toolsHash: "airlock.toolsHash",
  model: "airlock.model",
};

/** The environment variables the example promptfoo config reads its tags from. */
export const FINGERPRINT_ENV: Readonly<Record<FingerprintField, string>> = EVAL_ENV;

/** promptfoo test `metadata` key: the case must pass N runs of N. */
export const PROMPTFOO_REQUIRED_REPEATS_KEY = "airlockRequiredRepeats";

/** promptfoo's `ResultFailureReason.ERROR`. */
const FAILURE_ERROR = 2;

/** Whether `doc` looks like promptfoo's results (has a `results.results` array). */
export function isPromptfooResults(doc: unknown): boolean {
  return isRecord(doc) && isRecord(doc.results) && Array.isArray(doc.results.results);
}

interface Run {
  readonly baseId: string;
  readonly target: { provider: string; promptIdx: number; promptLabel: string };
  readonly pass: boolean;
  readonly error: boolean;
  readonly score: number;
  readonly reason: string | undefined;
  readonly requiredRepeats: number | undefined;
}

/** Parses promptfoo's results JSON; throws `EvalReportError` naming the field that is wrong. */
export function parsePromptfooReport(doc: unknown, source?: string): EvalReport {
  const fail = (path: PropertyKey[], detail: string): never => {
    throw new EvalReportError(source, formatPath(path), detail);
  };
  if (!isRecord(doc)) fail([], `must be a JSON object, not ${describeJson(doc)}; pass the file \`promptfoo eval -o results.json\` writes`);
  const d = doc as Record<string, unknown>;
  if (!isRecord(d.results)) fail(["results"], "is missing or not an object; pass the file `promptfoo eval -o results.json` writes, not the config");
  const summary = d.results as Record<string, unknown>;
  if (summary.version !== 2 && summary.version !== 3) {
    fail(["results", "version"], `must be 2 or 3 (promptfoo's results format), not ${describeJson(summary.version)}; re-run the evals with promptfoo 0.100 or later`);
  }
  const rows = summary.results;
  if (!Array.isArray(rows)) fail(["results", "results"], "must be the array of results; re-run `promptfoo eval -o results.json`");
  if ((rows as unknown[]).length === 0) fail(["results", "results"], "is empty: the eval ran no tests; add tests to the promptfoo config and re-run it");

  const runs: Run[] = (rows as unknown[]).map((row, i) => readRun(row, ["results", "results", i], fail));

  const providers = new Set(runs.map((r) => r.target.provider));
  const prompts = new Set(runs.map((r) => r.target.promptIdx));
  const groups = new Map<string, Run[]>();
  for (const run of runs) {
    const suffix: string[] = [];
    if (providers.size > 1) suffix.push(run.target.provider);
    if (prompts.size > 1) suffix.push(run.target.promptLabel);
    const id = suffix.length === 0 ? run.baseId : `${run.baseId} [${suffix.join(" · ")}]`;
    const list = groups.get(id) ?? [];
    list.push(run);
    groups.set(id, list);
  }
  const cases: EvalCase[] = [...groups].map(([id, list]) => {
    const passes = list.filter((r) => r.pass).length;
    const required = list.map((r) => r.requiredRepeats).filter((n): n is number => n !== undefined);
    const reason = list.find((r) => !r.pass)?.reason;
    return {
      id,
      pass: passes === list.length,
      runs: list.length,
      passes,
      errors: list.filter((r) => r.error).length,
      score: list.reduce((s, r) => s + r.score, 0) / list.length,
      ...(required.length > 0 ? { requiredRepeats: Math.max(...required) } : {}),
      ...(reason !== undefined ? { reason } : {}),
    };
  });

  const fingerprint: Partial<Record<FingerprintField, string>> = {};
  const config = d.config;
  if (config !== undefined && config !== null) {
    if (!isRecord(config)) fail(["config"], `must be an object, not ${describeJson(config)}`);
    const tags = (config as Record<string, unknown>).tags;
    if (tags !== undefined && tags !== null) {
      if (!isRecord(tags)) fail(["config", "tags"], `must be an object of strings, not ${describeJson(tags)}`);
      for (const field of FIELDS) {
        const tag = PROMPTFOO_FINGERPRINT_TAGS[field];
        const value = (tags as Record<string, unknown>)[tag];
        if (value === undefined || value === null) continue;
        if (typeof value !== "string") fail(["config", "tags", tag], `must be a string, not ${describeJson(value)}`);
        const trimmed = (value as string).trim();
        const normal = field === "promptHash" || field === "toolsHash" ? trimmed.replace(/^sha256:/, "") : trimmed;
        if (normal !== "") fingerprint[field] = normal;
      }
    }
  }

  const metadata = isRecord(d.metadata) ? d.metadata : {};
  const createdAt = stringOr(metadata.evaluationCreatedAt) ?? stringOr(summary.timestamp) ?? stringOr(d.createdAt);
  const toolVersion = stringOr(metadata.promptfooVersion);
  return buildReport({
    format: "promptfoo",
    ...(source !== undefined ? { source } : {}),
    fingerprint,
    cases,
    ...(createdAt !== undefined ? { createdAt } : {}),
    ...(toolVersion !== undefined ? { toolVersion } : {}),
  });
}

function readRun(row: unknown, path: PropertyKey[], fail: (path: PropertyKey[], detail: string) => never): Run {
  if (!isRecord(row)) return fail(path, `must be a result object, not ${describeJson(row)}`);
  if (typeof row.success !== "boolean") {
    return fail([...path, "success"], `must be true or false, not ${describeJson(row.success)}; the file is not promptfoo results or was edited`);
  }
  if (typeof row.score !== "number" || !Number.isFinite(row.score)) {
    return fail([...path, "score"], `must be a number, not ${describeJson(row.score)}; the file is not promptfoo results or was edited`);
  }
  const testCase = row.testCase === undefined ? {} : row.testCase;
  if (!isRecord(testCase)) return fail([...path, "testCase"], `must be an object, not ${describeJson(testCase)}`);
  const description = stringOr(testCase.description) ?? stringOr(row.description);
  const vars = isRecord(testCase.vars) ? testCase.vars : isRecord(row.vars) ? row.vars : undefined;
  const baseId =
    description?.trim() ||
    (vars !== undefined && Object.keys(vars).length > 0 ? `vars ${truncate(canonicalJson(vars), 80)}` : `test ${String(row.testIdx ?? "?")}`);

  let requiredRepeats: number | undefined;
  const meta = testCase.metadata;
  if (isRecord(meta) && meta[PROMPTFOO_REQUIRED_REPEATS_KEY] !== undefined) {
    const n = meta[PROMPTFOO_REQUIRED_REPEATS_KEY];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
      return fail(
        [...path, "testCase", "metadata", PROMPTFOO_REQUIRED_REPEATS_KEY],
        `must be a whole number of at least 1 (the runs of N the case must pass), not ${describeJson(n)}`,
      );
    }
    requiredRepeats = n;
  }

  const provider = isRecord(row.provider) ? (stringOr(row.provider.label) || stringOr(row.provider.id) || "provider") : stringOr(row.provider) ?? "provider";
  const promptIdx = typeof row.promptIdx === "number" ? row.promptIdx : 0;
  const promptLabel = (isRecord(row.prompt) ? stringOr(row.prompt.label) : undefined) || `prompt ${promptIdx + 1}`;
  const grading = isRecord(row.gradingResult) ? row.gradingResult : undefined;
  const reason = stringOr(row.error) ?? (grading ? stringOr(grading.reason) : undefined);
  return {
    baseId,
    target: { provider, promptIdx, promptLabel: truncate(promptLabel, 40) },
    pass: row.success,
    error: row.failureReason === FAILURE_ERROR,
    score: row.score,
    reason: reason === undefined || reason === "" ? undefined : truncate(reason.split("\n")[0]!, 200),
    requiredRepeats,
  };
}

function stringOr(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** `KEY=value` lines (for `$GITHUB_ENV` or a shell) that the example promptfoo config reads its tags from. */
export function fingerprintEnvLines(fingerprint: ReleaseFingerprint): string {
  return FIELDS.map((f) => `${FINGERPRINT_ENV[f]}=${promptfooTagValue(fingerprint, f)}`).join("\n");
}

/** A fingerprint field as the promptfoo tag records it (hashes as `sha256:<hex>`, see above). */
export function promptfooTagValue(fingerprint: ReleaseFingerprint, field: FingerprintField): string {
  const value = fingerprint[field];
  return (field === "promptHash" || field === "toolsHash") && !value.startsWith("sha256:") ? `sha256:${value}` : value;
}

/** The placeholder promptfoo writes in place of values it takes for credentials. */
export const PROMPTFOO_REDACTED = "[REDACTED]";
