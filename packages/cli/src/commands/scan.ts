/**
 * `airlock scan [paths]`: finds credentials in prompts, tool definitions, `.env` files, code and
 * exported conversation logs, with the patterns the log masking uses. Prints file:line:column, the
 * pattern and the secret masked; exit 1 when anything is found, 0 when clean.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { formatScanFinding, scanPaths } from "@airlock/core";
import { UsageError, type Io } from "../io.ts";
import { parseCommand } from "../options.ts";
import { SCAN } from "./specs.ts";

export async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(SCAN, argv);
  const paths = parsed.positionals.length > 0 ? parsed.positionals : ["."];
  for (const p of paths) {
    if (!existsSync(resolve(io.cwd, p))) throw new UsageError(`${p} does not exist; pass files or directories to scan`);
  }
  const result = scanPaths(paths, { cwd: io.cwd });
  if (parsed.values.json) {
    io.out(`${JSON.stringify({ findings: result.findings, filesScanned: result.filesScanned, skipped: result.skipped }, null, 2)}\n`);
  } else {
    for (const f of result.findings) io.out(formatScanFinding(f));
    const skipped = result.skipped.length > 0 ? `; skipped ${result.skipped.length} (${result.skipped.map((s) => `${s.file}: ${s.reason}`).join(", ")})` : "";
    const summary = `${result.findings.length} credential${result.findings.length === 1 ? "" : "s"} found in ${result.filesScanned} file${result.filesScanned === 1 ? "" : "s"}${skipped}`;
    if (result.findings.length > 0) io.err(`${summary}; move them to Secrets Manager, rotate them, and remove them from history`);
    else io.out(summary);
  }
  return result.findings.length > 0 ? 1 : 0;
}
