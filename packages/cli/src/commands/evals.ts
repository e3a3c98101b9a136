/**
 * `airlock evals check <report> --release <id>`: tells, offline, whether a release would pass its
 * eval gate and why. Exit 0 when it passes, 1 when it does not, 2 for bad input.
 *
 * `airlock evals fingerprint`: prints the release fingerprint an eval report must record, as the
 * environment the example promptfoo config reads its tags from (`--format env`) or as JSON.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  DEFAULT_EVAL_POLICY,
  EvalReportError,
  checkEvalGate,
  evalReportExists,
  fingerprintEnvLines,
  loadEvalReport,
  loadManifest,
  releaseFingerprint,
  validateEvalPolicy,
  type EvalPolicy,
  type EvalReport,
  type ReleaseFingerprint,
} from "@airlock/core";
import { UsageError, type Io } from "../io.ts";
import { parseCommand, pickSubcommand } from "../options.ts";
import { EVALS_CHECK, EVALS_FINGERPRINT } from "./specs.ts";


export async function run(argv: string[], io: Io): Promise<number> {
  const [sub, rest] = pickSubcommand("evals", ["check", "fingerprint"], argv);
  return sub === "check" ? check(rest, io) : fingerprint(rest, io);
}

/** The fingerprint of the release: the manifest's model, prompt and tools, and the image. */
async function fingerprintOf(io: Io, manifest: string | undefined, image: string | undefined): Promise<ReleaseFingerprint> {
  const path = resolve(io.cwd, manifest ?? "agent.yaml");
  if (manifest === undefined && !existsSync(path)) {
    throw new UsageError(`\`--manifest\`: no agent.yaml in ${io.cwd}; pass --manifest <path of the agent's agent.yaml>`);
  }
  const model = await loadManifest(path);
  let ref = image;
  if (ref === undefined) {
    if (model.image.kind !== "digest") {
      throw new UsageError("`--image`: the manifest builds its image (`agent.image.build`); pass the pushed image as --image <repository>@sha256:<digest>");
    }
    ref = model.image.ref;
  }
  try {
    return releaseFingerprint(model, ref);
  } catch {
    throw new UsageError(`\`--image\`: "${ref}" is not pinned by digest; pass <repository>@sha256:<64 hex>`);
  }
}

function fraction(value: string | undefined, flag: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) {
    const hint = Number.isFinite(n) && n > 1 && n <= 100 ? `; write ${n / 100} for ${n}%` : "";
    throw new UsageError(`\`--${flag}\` must be a fraction from 0 to 1, not "${value}"${hint}`);
  }
  return n;
}

function readReport(path: string, flag: string): EvalReport {
  try {
    return loadEvalReport(path);
  } catch (e) {
    if (e instanceof EvalReportError) throw new UsageError(`\`${flag}\`: ${e.message}`);
    throw e;
  }
}

async function check(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(EVALS_CHECK, argv);
  const release = values.release;
  if (release.trim() === "") throw new UsageError("`--release` is required: the id of the release the report is for (e.g. v2 or the commit)");

  const strictCases = values["require-all-repeats"];
  const repeatsText = values.repeats;
  let repeats = 3;
  if (repeatsText !== undefined) {
    repeats = Number(repeatsText);
    if (!Number.isInteger(repeats) || repeats < 1) throw new UsageError(`\`--repeats\` must be a whole number of at least 1, not "${repeatsText}"`);
    if (strictCases.length === 0) throw new UsageError("`--repeats` applies to the cases named by --require-all-repeats; name at least one");
  }
  const policy: EvalPolicy = {
    minPassRate: fraction(values["min-pass-rate"], "min-pass-rate", DEFAULT_EVAL_POLICY.minPassRate)!,
    maxRegression: fraction(values["max-regression"], "max-regression", DEFAULT_EVAL_POLICY.maxRegression)!,
    ...(strictCases.length > 0 ? { requireAllRepeats: { cases: strictCases, repeats } } : {}),
  };
  const problems = validateEvalPolicy(policy);
  if (problems.length > 0) throw new UsageError(problems.join("; "));

  const fp = await fingerprintOf(io, values.manifest, values.image);
  const reportPath = resolve(io.cwd, positionals[0]!);
  const report = evalReportExists(reportPath) ? readReport(reportPath, "<report>") : undefined;
  const previousPath = values.previous;
  let previous: EvalReport | undefined;
  if (previousPath !== undefined) {
    const p = resolve(io.cwd, previousPath);
    if (!evalReportExists(p)) throw new UsageError(`\`--previous\`: ${p} does not exist; pass the eval report of the last release that deployed, or leave it out`);
    previous = readReport(p, "--previous");
  }
  const previousRelease = values["previous-release"];
  const result = checkEvalGate({
    releaseId: release,
    fingerprint: fp,
    report,
    policy,
    ...(previous !== undefined ? { previous } : {}),
    ...(previousRelease !== undefined ? { previousReleaseId: previousRelease } : {}),
  });
  const reasons =
    report === undefined
      ? [`release "${release}" has no eval report: ${reportPath} does not exist; run the evals against this release and write the report there, or fix the path`]
      : result.reasons;

  if (values.json) {
    io.out(
      `${JSON.stringify(
        {
          ok: result.ok,
          release,
          passRate: result.passRate ?? null,
          reasons,
          policy,
          fingerprint: fp,
          report: report === undefined ? null : { source: report.source, format: report.format, fingerprint: report.fingerprint, runs: report.runs, passes: report.passes, cases: report.cases },
        },
        null,
        2,
      )}\n`,
    );
  } else if (result.ok) {
    const strict = report!.cases.filter((c) => c.requiredRepeats !== undefined || strictCases.includes(c.id));
    io.out(
      [
        `release "${release}" passes its eval gate`,
        `  pass rate ${pct(report!.passRate)} (${report!.passes} of ${report!.runs} runs, ${report!.cases.length} cases), minimum ${pct(policy.minPassRate)}`,
        ...(previous !== undefined ? [`  last good release ${pct(previous.passRate)}, allowed drop ${((policy.maxRegression ?? 0) * 100).toFixed(1)} points`] : []),
        ...(strict.length > 0 ? [`  every run passed for ${strict.map((c) => `"${c.id}" (${c.passes} of ${c.runs})`).join(", ")}`] : []),
        `  report ${report!.source} (${report!.format}${report!.toolVersion ? ` ${report!.toolVersion}` : ""}) made for this release`,
      ].join("\n"),
    );
  } else {
    io.out([`release "${release}" does not pass its eval gate:`, ...reasons.map((r) => `  - ${r}`)].join("\n"));
  }
  return result.ok ? 0 : 1;
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

async function fingerprint(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommand(EVALS_FINGERPRINT, argv);
  const format = values.format;
  const fp = await fingerprintOf(io, values.manifest, values.image);
  io.out(format === "env" ? fingerprintEnvLines(fp) : `${JSON.stringify(fp, null, 2)}\n`);
  return 0;
}
