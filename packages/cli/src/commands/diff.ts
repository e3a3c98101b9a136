/**
 * `airlock diff <old-plan.json> <new-plan.json>`: the semantic diff of two plans for reviewers.
 * Exit code 1 when anything widens, so CI can require a review; 0 otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { diffPlans, renderDiffJson, renderDiffMarkdown, renderDiffText, type PlanDocument } from "@airlock/core";
import { UsageError, type Io } from "../io.ts";
import { parseCommand } from "../options.ts";
import { DIFF } from "./specs.ts";

/** Reads a plan written by `airlock plan --json` (or `--out`), or throws a UsageError naming the file and the fix. */
export function readPlan(file: string, cwd: string): PlanDocument {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new UsageError(`${file} does not exist; write plans with \`airlock plan --out ${file}\``);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new UsageError(`${file} is not JSON (${(e as Error).message}); pass a file written by \`airlock plan --json\``);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw new UsageError(`${file} is not a plan: expected an object written by \`airlock plan --json\``);
  const doc = data as Record<string, unknown>;
  for (const field of ["resources", "agents", "permissions", "findings"]) {
    if (!Array.isArray(doc[field])) throw new UsageError(`${file} is not a plan: \`${field}\` is missing or not a list; pass a file written by \`airlock plan --json\``);
  }
  if (typeof doc.version !== "number") throw new UsageError(`${file} is not a plan: \`version\` is missing; pass a file written by \`airlock plan --json\``);
  return doc as unknown as PlanDocument;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(DIFF, argv);
  const format = parsed.values.format;
  const [oldFile, newFile] = parsed.positionals as [string, string];
  const d = diffPlans(readPlan(oldFile, io.cwd), readPlan(newFile, io.cwd));
  io.out(format === "json" ? renderDiffJson(d) : format === "markdown" ? renderDiffMarkdown(d) : renderDiffText(d));
  return d.widened ? 1 : 0;
}
