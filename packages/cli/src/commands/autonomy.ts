/**
 * `airlock autonomy report`: per action type of the manifest, the evidence in the approvals audit
 * log (approvals, rejections, edits, incidents, streak, window) and, when an action type is
 * eligible, the manifest change that would widen it from `approve` to `auto`. It changes nothing:
 * widening is a reviewed manifest edit. Only people's decisions through Slack count, spread over
 * distinct days and approvers, dated by the database; without the gateway's signed anchor nothing is
 * eligible unless `--unanchored`. Exit 1 when the audit log fails verification.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadManifest } from "@airlock/core";
import { ApprovalError, autonomyReport, chooseStore, formatAutonomyReport, openExistingStore } from "@airlock/approvals";
import { UsageError, type Io } from "../io.ts";
import { parseCommand, pickSubcommand } from "../options.ts";
import { AUTONOMY_REPORT } from "./specs.ts";
import { readAnchorFromFlags } from "./anchor-flags.ts";

function positiveInt(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`\`${flag}\`: "${raw}" is not a whole number ≥ 1`);
  return Number(raw);
}

function days(flag: string, raw: string): number {
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new UsageError(`\`${flag}\`: "${raw}" is not a number of days ≥ 0`);
  return Number(raw);
}

export async function run(argv: string[], io: Io): Promise<number> {
  const [, rest] = pickSubcommand("autonomy", ["report"], argv);
  const parsed = parseCommand(AUTONOMY_REPORT, rest);
  const policy = {
    minStreak: positiveInt("--min-streak", parsed.values["min-streak"]),
    minWindowDays: days("--min-window-days", parsed.values["min-window-days"]),
    minDistinctDays: positiveInt("--min-distinct-days", parsed.values["min-distinct-days"]),
    minApprovers: positiveInt("--min-approvers", parsed.values["min-approvers"]),
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
    const anchor = await readAnchorFromFlags(parsed.values, io.env);
    const report = await autonomyReport(db, model, {
      policy,
      ...(anchor === undefined ? {} : { anchor: { ...(anchor.anchor === undefined ? {} : { head: anchor.anchor }), problems: anchor.problems } }),
      allowUnanchored: parsed.values.unanchored === true,
    });
    if (parsed.values.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
    else io.out(formatAutonomyReport(report));
    if (!report.verification.ok) io.err("the audit log failed verification; no action type is eligible until `airlock audit verify` passes");
    return report.verification.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}
