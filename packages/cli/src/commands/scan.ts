/**
 * `airlock scan [paths]`: finds credentials in prompts, tool definitions, `.env` files, code,
 * notebooks, shell history and exported conversation logs, with the engine the trace redaction and
 * the log masking use. Files of any size are read in chunks and findings are printed as they are
 * found (file:line:column, the pattern and the secret masked); a file that cannot be read is a
 * finding too. Exit 1 when anything is found or could not be scanned, 0 when clean.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { formatScanFinding, scanPaths, UNSCANNABLE_ID } from "@airlock/core";
import { UsageError, type Io } from "../io.ts";
import { parseCommand } from "../options.ts";
import { SCAN } from "./specs.ts";

export async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(SCAN, argv);
  const paths = parsed.positionals.length > 0 ? parsed.positionals : ["."];
  for (const p of paths) {
    if (!existsSync(resolve(io.cwd, p))) throw new UsageError(`${p} does not exist; pass files or directories to scan`);
  }
  if (parsed.values.json) {
    // One finding a line inside the array, printed as found: a log full of keys never sits in memory.
    io.out('{"findings": [');
    let first = true;
    const result = scanPaths(paths, {
      cwd: io.cwd,
      onFinding: (f) => {
        io.out(`${first ? "" : ","}${JSON.stringify(f)}`);
        first = false;
      },
    });
    io.out(`], "filesScanned": ${result.filesScanned}, "bytesScanned": ${result.bytesScanned}, "unscannable": ${JSON.stringify(result.unscannable)}}`);
    return result.findingCount > 0 ? 1 : 0;
  }
  let unscannable = 0;
  const result = scanPaths(paths, {
    cwd: io.cwd,
    onFinding: (f) => {
      if (f.patternId === UNSCANNABLE_ID) unscannable++;
      io.out(formatScanFinding(f));
    },
  });
  const credentials = result.findingCount - unscannable;
  const notRead = unscannable > 0 ? `; ${unscannable} file${unscannable === 1 ? "" : "s"} could not be scanned (${result.unscannable.map((s) => `${s.file}: ${s.reason}`).join(", ")}): fix the permissions or remove them, then scan again` : "";
  const summary = `${credentials} credential${credentials === 1 ? "" : "s"} found in ${result.filesScanned} file${result.filesScanned === 1 ? "" : "s"}${notRead}`;
  if (result.findingCount > 0) io.err(`${summary}${credentials > 0 ? "; move them to Secrets Manager, rotate them, and remove them from history" : ""}`);
  else io.out(summary);
  return result.findingCount > 0 ? 1 : 0;
}
