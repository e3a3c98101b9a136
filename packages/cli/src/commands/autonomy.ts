/**
 * `airlock autonomy report`: per action type of the manifest, the evidence in the approvals audit
 * log (approvals, rejections, edits, incidents, streak, window) and, when an action type is
 * eligible, the manifest change that would widen it from `approve` to `auto`. It changes nothing:
 * widening is a reviewed manifest edit. Exit 1 when the audit log fails verification.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadManifest } from "@airlock/core";
import { ApprovalError, DEFAULT_AUTONOMY_POLICY, autonomyReport, chooseStore, formatAutonomyReport, openExistingStore } from "@airlock/approvals";
import { UsageError, type Io, parseCommandArgs } from "../io.ts";

function positiveInt(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`\`${flag}\`: "${raw}" is not a whole number ≥ 1`);
  return Number(raw);
}

function days(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new UsageError(`\`${flag}\`: "${raw}" is not a number of days ≥ 0`);
  return Number(raw);
}

export async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs({
      args: argv,
      allowPositionals: true,
      options: {
        manifest: { type: "string", short: "m" },
        "database-url": { type: "string" },
        "data-dir": { type: "string" },
        "min-streak": { type: "string" },
        "min-window-days": { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
  const [sub, ...extra] = parsed.positionals;
  if (sub !== "report") throw new UsageError(sub === undefined ? "name the subcommand: `airlock autonomy report`" : `unknown subcommand "${sub}"; the only one is \`report\``);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"; pass the manifest with --manifest`);
  const policy = {
    minStreak: positiveInt("--min-streak", parsed.values["min-streak"], DEFAULT_AUTONOMY_POLICY.minStreak),
    minWindowDays: days("--min-window-days", parsed.values["min-window-days"], DEFAULT_AUTONOMY_POLICY.minWindowDays),
  };
  const target = resolve(io.cwd, parsed.values.manifest ?? "agent.yaml");
  if (!existsSync(target)) throw new UsageError(`${parsed.values.manifest ?? "agent.yaml"} does not exist; pass the agent's manifest with --manifest`);
  const manifest = statSync(target).isDirectory() ? join(target, "agent.yaml") : target;
  const model = await loadManifest(manifest);
  let db;
  try {
    const store = chooseStore({ databaseUrl: parsed.values["database-url"], dataDir: parsed.values["data-dir"], env: io.env, cwd: io.cwd });
    db = await openExistingStore(store);
  } catch (e) {
    if (e instanceof ApprovalError) throw new UsageError(e.message);
    throw e;
  }
  try {
    const report = await autonomyReport(db, model, { policy });
    if (parsed.values.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
    else io.out(formatAutonomyReport(report));
    if (!report.verification.ok) io.err("the audit log failed verification; no action type is eligible until `airlock audit verify` passes");
    return report.verification.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}
