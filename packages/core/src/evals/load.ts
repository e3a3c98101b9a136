/** Reading an eval report from disk, in either format. */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { EvalReportError, describeJson, isRecord, type EvalReport } from "./report.ts";
import { isPromptfooResults, parsePromptfooReport } from "./promptfoo.ts";
import { AIRLOCK_EVAL_FORMAT, parseAirlockEvalReport } from "./native.ts";

/** Parses a report already read as JSON: promptfoo's results or the native format. */
export function parseEvalReport(doc: unknown, source?: string): EvalReport {
  if (isRecord(doc) && doc.format !== undefined) return parseAirlockEvalReport(doc, source);
  if (isRecord(doc) && (isPromptfooResults(doc) || isRecord(doc.results) || doc.evalId !== undefined)) return parsePromptfooReport(doc, source);
  if (isRecord(doc) && Array.isArray(doc.cases)) {
    throw new EvalReportError(source, "format", `is missing; an Airlock eval report starts with \`"format": "${AIRLOCK_EVAL_FORMAT}"\``);
  }
  if (isRecord(doc) && (doc.prompts !== undefined || doc.providers !== undefined || doc.tests !== undefined)) {
    throw new EvalReportError(source, "", "is a promptfoo config, not its results; run `promptfoo eval -c <config> -o results.json` and pass results.json");
  }
  throw new EvalReportError(
    source,
    "",
    `is neither promptfoo results (no \`results.results\`) nor an Airlock eval report (no \`"format": "${AIRLOCK_EVAL_FORMAT}"\`)${isRecord(doc) ? "" : `, it is ${describeJson(doc)}`}; pass the file \`promptfoo eval -o results.json\` writes`,
  );
}

/**
 * Reads and parses an eval report. Throws `EvalReportError` for a file that does not exist, cannot
 * be read, is not JSON, or is not a valid report (naming the field).
 */
export function loadEvalReport(path: string): EvalReport {
  const file = resolve(path);
  let text: string;
  try {
    if (statSync(file).isDirectory()) {
      throw new EvalReportError(file, "", "is a directory; pass the report file inside it (promptfoo writes the file named by `-o`)");
    }
    text = readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof EvalReportError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") throw new EvalReportError(file, "", "does not exist; run the evals for this release and write the report there, or fix the path");
    if (err.code === "EACCES" || err.code === "EPERM") throw new EvalReportError(file, "", "cannot be read (permission denied); make it readable by this user");
    throw new EvalReportError(file, "", `cannot be read (${err.code ?? err.message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const why = (e as Error).message.split("\n")[0];
    throw new EvalReportError(
      file,
      "",
      `is not valid JSON (${why}); pass the JSON file \`promptfoo eval -o results.json\` writes (the extension must be .json) or an Airlock eval report`,
    );
  }
  return parseEvalReport(doc, file);
}

/** Whether a report file exists at `path` (a missing report is a gate failure, not bad input). */
export function evalReportExists(path: string): boolean {
  try {
    statSync(resolve(path));
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ENOENT";
  }
}
