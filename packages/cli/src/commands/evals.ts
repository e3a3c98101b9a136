/**
 * `airlock evals check <report...> --release <id>`: tells, offline, whether a release would pass
 * its eval gate and why, with the reviewer's table (case, baseline, candidate, verdict) as text,
 * Markdown (`--format markdown`, the pull-request comment) or JSON. Several result files of one
 * release merge into one report. Exit 0 when it passes, 1 when it does not, 2 for bad input.
 *
 * `airlock evals fingerprint`: prints the release fingerprint an eval report must record, as the
 * environment the example promptfoo config reads its tags from (`--format env`) or as JSON.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  DEFAULT_EVAL_POLICY,
  EvalReportError,
  checkEvalGate,
  evalReportExists,
  fingerprintEnvLines,
  loadEvalReport,
  loadManifest,
  mergeEvalReports,
  renderEvalGateMarkdown,
  renderEvalGateText,
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

function fraction(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) {
    const hint = Number.isFinite(n) && n > 1 && n <= 100 ? `; write ${n / 100} for ${n}%` : "";
    throw new UsageError(`\`--${flag}\` must be a fraction from 0 to 1, not "${value}"${hint}`);
  }
  return n;
}

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 1) throw new UsageError(`\`--${flag}\` must be a whole number of at least 1, not "${value}"`);
  return n;
}

function readReports(paths: readonly string[], flag: string, cwd: string): EvalReport | { missing: string } {
  const abs = paths.map((p) => resolve(cwd, p));
  const missing = abs.find((p) => !evalReportExists(p));
  if (missing !== undefined) return { missing };
  try {
    return mergeEvalReports(abs.map((p) => loadEvalReport(p)));
  } catch (e) {
    if (e instanceof EvalReportError) throw new UsageError(`\`${flag}\`: ${e.message}`);
    throw e;
  }
}

/** A policy file: JSON of an EvalPolicy (validated, fields named under `flag`). */
function readPolicy(path: string, flag: string, cwd: string): Partial<EvalPolicy> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new UsageError(`\`${flag}\`: ${file} does not exist; pass a JSON file of the eval policy, e.g. {"minPassRate": 0.9, "quarantine": [{"case": "…", "reason": "…"}]}`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`\`${flag}\`: ${file} is not JSON (${(e as Error).message.split("\n")[0]}); write the policy as a JSON object`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new UsageError(`\`${flag}\`: ${file} must hold a JSON object of the eval policy`);
  const problems = validateEvalPolicy({ minPassRate: DEFAULT_EVAL_POLICY.minPassRate, ...(doc as object) } as EvalPolicy, flag);
  if (problems.length > 0) throw new UsageError(problems.join("; "));
  return doc as Partial<EvalPolicy>;
}

async function check(argv: string[], io: Io): Promise<number> {
  if (argv.some((a) => a === "--max-regression" || a.startsWith("--max-regression="))) {
    throw new UsageError("`--max-regression` was removed: a drop from --previous is a regression only when the one-sided exact sign test on the cases both ran is significant; pass `--alpha <level>` (default 0.05) instead");
  }
  const { values, positionals } = parseCommand(EVALS_CHECK, argv);
  const release = values.release;
  if (release.trim() === "") throw new UsageError("`--release` is required: the id of the release the report is for (e.g. v2 or the commit)");
  if (values.json && values.format !== "text" && values.format !== "json") throw new UsageError(`\`--json\` and \`--format ${values.format}\` disagree; give one of them`);
  const format = values.json ? "json" : values.format;

  const strictCases = values["require-all-repeats"];
  const repeats = wholeNumber(values.repeats, "repeats");
  if (repeats !== undefined && strictCases.length === 0) throw new UsageError("`--repeats` applies to the cases named by --require-all-repeats; name at least one");
  const fromFile = values.policy !== undefined ? readPolicy(values.policy, "--policy", io.cwd) : {};
  const minPassRate = fraction(values["min-pass-rate"], "min-pass-rate");
  const alphaText = values.alpha;
  let alpha: number | undefined;
  if (alphaText !== undefined) {
    alpha = Number(alphaText);
    if (alphaText.trim() === "" || !(alpha > 0 && alpha < 1)) throw new UsageError(`\`--alpha\` must be a significance level above 0 and below 1 (e.g. 0.05), not "${alphaText}"`);
  }
  const k = wholeNumber(values.k, "k");
  const policy: EvalPolicy = {
    ...DEFAULT_EVAL_POLICY,
    ...fromFile,
    ...(minPassRate !== undefined ? { minPassRate } : {}),
    ...(alpha !== undefined ? { alpha } : {}),
    ...(k !== undefined ? { k } : {}),
    ...(strictCases.length > 0 ? { requireAllRepeats: { cases: strictCases, repeats: repeats ?? 3 } } : {}),
  };
  const problems = validateEvalPolicy(policy);
  if (problems.length > 0) throw new UsageError(problems.join("; "));
  const previousPolicy = values["previous-policy"] !== undefined ? readPolicy(values["previous-policy"], "--previous-policy", io.cwd) : undefined;

  const fp = await fingerprintOf(io, values.manifest, values.image);
  const loaded = readReports(positionals, "<report>", io.cwd);
  const report = "missing" in loaded ? undefined : loaded;
  let previous: EvalReport | undefined;
  if (values.previous.length > 0) {
    const p = readReports(values.previous, "--previous", io.cwd);
    if ("missing" in p) throw new UsageError(`\`--previous\`: ${p.missing} does not exist; pass the eval report of the last release that deployed, or leave it out`);
    previous = p;
  }
  const previousRelease = values["previous-release"];
  const result = checkEvalGate({
    releaseId: release,
    fingerprint: fp,
    report,
    policy,
    ...(previous !== undefined ? { previous } : {}),
    ...(previousRelease !== undefined ? { previousReleaseId: previousRelease } : {}),
    ...(previousPolicy !== undefined ? { previousQuarantine: previousPolicy.quarantine ?? [] } : {}),
  });
  const reasons =
    "missing" in loaded
      ? [`release "${release}" has no eval report: ${loaded.missing} does not exist; run the evals against this release and write the report there, or fix the path`]
      : result.reasons;

  if (format === "json") {
    io.out(
      `${JSON.stringify(
        {
          ok: result.ok,
          release,
          ...(previousRelease !== undefined ? { previousRelease } : {}),
          passRate: result.passRate ?? null,
          reasons,
          findings: result.findings ?? [],
          cases: result.cases ?? [],
          suite: result.suite ?? null,
          comparison: result.comparison ?? null,
          policy,
          fingerprint: fp,
          report:
            report === undefined
              ? null
              : { source: report.source, sources: report.sources ?? (report.source !== undefined ? [report.source] : []), format: report.format, fingerprint: report.fingerprint, runs: report.runs, passes: report.passes, cases: report.cases },
        },
        null,
        2,
      )}\n`,
    );
  } else {
    const view = {
      releaseId: release,
      ...(previousRelease !== undefined ? { previousReleaseId: previousRelease } : {}),
      result,
      policy,
      reasons,
      ...(report?.source !== undefined ? { source: `${report.source} (${report.format}${report.toolVersion ? ` ${report.toolVersion}` : ""})` } : {}),
    };
    io.out(format === "markdown" ? renderEvalGateMarkdown(view) : renderEvalGateText(view));
  }
  return result.ok ? 0 : 1;
}

async function fingerprint(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommand(EVALS_FINGERPRINT, argv);
  const format = values.format;
  const fp = await fingerprintOf(io, values.manifest, values.image);
  io.out(format === "env" ? fingerprintEnvLines(fp) : `${JSON.stringify(fp, null, 2)}\n`);
  return 0;
}
