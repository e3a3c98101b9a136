/**
 * Evidence-based autonomy. Per action type, the audit log yields approvals, rejections, edits,
 * incidents and the current streak of approvals without edit. A type becomes *eligible* to widen
 * from `approve` to `auto` once the streak reaches `minStreak` and spans at least `minWindowDays`
 * (measured from the streak's first approval, so the window holds no rejection, edit or
 * incident). Money and mass-communication types and `always-approve` never become eligible.
 * Nothing here changes a tier: the report prints the manifest change for a human to review.
 */
import type { CompiledRiskLine, RiskClass, Tier } from "@airlock/core";
import type { ApprovalModel } from "../types.ts";
import { readAudit, verifyAuditLog, type AuditRow, type AuditVerification } from "./log.ts";
import type { Queryable } from "./db.ts";

export interface AutonomyPolicy {
  /** Approvals without edit in a row. */
  readonly minStreak: number;
  /** Days from the streak's first approval to now. */
  readonly minWindowDays: number;
}

export const DEFAULT_AUTONOMY_POLICY: AutonomyPolicy = { minStreak: 50, minWindowDays: 14 };

/** Risk classes that never widen to `auto`, whatever the evidence. */
export const NEVER_AUTO_CLASSES: readonly RiskClass[] = ["money", "mass-communication"];

export interface AutonomyReset {
  readonly reason: "rejection" | "edit" | "incident";
  readonly at: Date;
  /** Audit row that reset the streak. */
  readonly seq: number;
}

export interface AutonomyAssessment {
  readonly actionType: string;
  readonly tier: Tier;
  readonly riskClass?: RiskClass;
  readonly description?: string;
  readonly approvals: number;
  readonly rejections: number;
  readonly edits: number;
  readonly incidents: number;
  /** Approvals without edit since the last rejection, edit or incident. */
  readonly streak: number;
  /** When the streak's first approval was recorded. */
  readonly windowStart?: Date;
  /** Age of the evidence window in days (0 without a streak). */
  readonly windowDays: number;
  readonly lastReset?: AutonomyReset;
  readonly eligible: boolean;
  /** Why it is not eligible (empty when eligible). */
  readonly reasons: readonly string[];
  /** The reviewed manifest change that would widen it (only when eligible). */
  readonly manifestChange?: string;
}

const DAY_MS = 86_400_000;

function validatePolicy(policy: AutonomyPolicy): void {
  if (!Number.isInteger(policy.minStreak) || policy.minStreak < 1) {
    throw new RangeError(`\`minStreak\`: ${policy.minStreak} is not a positive whole number of approvals`);
  }
  if (!Number.isFinite(policy.minWindowDays) || policy.minWindowDays < 0) {
    throw new RangeError(`\`minWindowDays\`: ${policy.minWindowDays} is not a number of days ≥ 0`);
  }
}

/** Assesses every action type of the model from its audit rows (any order; sorted by seq here). */
export function assessAutonomy(model: ApprovalModel, rows: readonly AuditRow[], policy: AutonomyPolicy = DEFAULT_AUTONOMY_POLICY, now: Date = new Date()): AutonomyAssessment[] {
  validatePolicy(policy);
  const sorted = [...rows].filter((r) => r.agent === model.name).sort((a, b) => a.seq - b.seq);
  return [...model.riskLines]
    .sort((a, b) => a.actionType.localeCompare(b.actionType))
    .map((tier) => assessOne(tier, sorted.filter((r) => r.actionType === tier.actionType), policy, now));
}

function assessOne(line: CompiledRiskLine, rows: readonly AuditRow[], policy: AutonomyPolicy, now: Date): AutonomyAssessment {
  let approvals = 0;
  let rejections = 0;
  let edits = 0;
  let incidents = 0;
  let streak = 0;
  let windowStart: Date | undefined;
  let lastReset: AutonomyReset | undefined;
  for (const r of rows) {
    if (r.kind === "incident") {
      incidents++;
      streak = 0;
      windowStart = undefined;
      lastReset = { reason: "incident", at: r.at, seq: r.seq };
      continue;
    }
    if (r.kind !== "approval.decided") continue;
    const decision = r.payload.decision;
    if (decision === "approved") {
      approvals++;
      streak++;
      windowStart ??= r.at;
    } else if (decision === "rejected" || decision === "edited") {
      if (decision === "rejected") rejections++;
      else edits++;
      streak = 0;
      windowStart = undefined;
      lastReset = { reason: decision === "rejected" ? "rejection" : "edit", at: r.at, seq: r.seq };
    }
  }
  const windowDays = windowStart === undefined ? 0 : Math.max(0, (now.getTime() - windowStart.getTime()) / DAY_MS);
  const reasons: string[] = [];
  if (line.tier === "auto") reasons.push("already `auto`");
  if (line.tier === "always-approve") reasons.push("`always-approve` never widens");
  if (line.riskClass !== undefined && NEVER_AUTO_CLASSES.includes(line.riskClass)) reasons.push(`class \`${line.riskClass}\` never widens to \`auto\``);
  if (line.tier === "approve") {
    if (streak < policy.minStreak) reasons.push(`streak ${streak} of ${policy.minStreak} approvals without edit`);
    if (windowDays < policy.minWindowDays) reasons.push(`evidence window ${windowDays.toFixed(1)} of ${policy.minWindowDays} days`);
  }
  const eligible = reasons.length === 0;
  const base: AutonomyAssessment = {
    actionType: line.actionType,
    tier: line.tier,
    ...(line.riskClass === undefined ? {} : { riskClass: line.riskClass }),
    ...(line.description === undefined ? {} : { description: line.description }),
    approvals,
    rejections,
    edits,
    incidents,
    streak,
    ...(windowStart === undefined ? {} : { windowStart }),
    windowDays,
    ...(lastReset === undefined ? {} : { lastReset }),
    eligible,
    reasons,
  };
  return eligible ? { ...base, manifestChange: manifestChange(base) } : base;
}

/** The `riskLines` entry that widens the action type, as YAML to paste into agent.yaml. */
export function manifestChange(a: Pick<AutonomyAssessment, "actionType" | "description" | "streak" | "windowDays" | "windowStart">): string {
  const since = a.windowStart === undefined ? "" : ` since ${a.windowStart.toISOString().slice(0, 10)}`;
  const lines = [
    `# ${a.actionType}: approve -> auto. Evidence: ${a.streak} approvals without edit over ${a.windowDays.toFixed(1)} days${since},`,
    "# no rejection, edit or incident. Merge only after review; any rejection or incident later means going back to approve.",
    "riskLines:",
    `  ${a.actionType}:`,
    "    tier: auto",
  ];
  if (a.description !== undefined) lines.push(`    description: ${JSON.stringify(a.description)}`);
  return `${lines.join("\n")}\n`;
}

export interface AutonomyReport {
  readonly agent: string;
  readonly policy: AutonomyPolicy;
  readonly generatedAt: Date;
  /** The audit log's check; when it fails no action type is eligible. */
  readonly verification: AuditVerification;
  readonly assessments: readonly AutonomyAssessment[];
}

/** Verifies the audit log, then assesses the model's action types from its rows. */
export async function autonomyReport(db: Queryable, model: ApprovalModel, options: { readonly policy?: AutonomyPolicy; readonly now?: Date } = {}): Promise<AutonomyReport> {
  const policy = options.policy ?? DEFAULT_AUTONOMY_POLICY;
  const now = options.now ?? new Date();
  const verification = await verifyAuditLog(db);
  const rows = await readAudit(db, { agent: model.name, kinds: ["approval.decided", "incident"] });
  let assessments = assessAutonomy(model, rows, policy, now);
  if (!verification.ok) {
    assessments = assessments.map((a) => {
      const { manifestChange: _drop, ...rest } = a;
      return { ...rest, eligible: false, reasons: [...a.reasons, "the audit log failed verification (`airlock audit verify`); its evidence cannot be trusted"] };
    });
  }
  return { agent: model.name, policy, generatedAt: now, verification, assessments };
}

/** The report as text for people. */
export function formatAutonomyReport(report: AutonomyReport): string {
  const p = report.policy;
  const out: string[] = [
    `autonomy report for ${report.agent} at ${report.generatedAt.toISOString()}`,
    `policy: eligible after ${p.minStreak} approvals without edit over at least ${p.minWindowDays} days, with no rejection, edit or incident`,
    `audit log: ${report.verification.ok ? `verified, ${report.verification.rows} rows` : `FAILED verification (${report.verification.problems.length} problem${report.verification.problems.length === 1 ? "" : "s"}); run \`airlock audit verify\``}`,
    "",
  ];
  if (report.assessments.length === 0) out.push("the manifest has no risk lines; nothing asks for approval");
  for (const a of report.assessments) {
    out.push(`${a.actionType}  tier ${a.tier}${a.riskClass === undefined ? "" : ` · class ${a.riskClass}`}`);
    const window = a.windowStart === undefined ? "no streak" : `${a.windowDays.toFixed(1)} days since ${a.windowStart.toISOString()}`;
    out.push(`  approvals ${a.approvals} · rejections ${a.rejections} · edits ${a.edits} · incidents ${a.incidents} · streak ${a.streak} · window ${window}`);
    if (a.lastReset !== undefined) out.push(`  last reset: ${a.lastReset.reason} at ${a.lastReset.at.toISOString()} (audit row ${a.lastReset.seq})`);
    if (a.eligible) {
      out.push("  ELIGIBLE to widen approve -> auto. The manifest change, for review (never applied automatically):");
      out.push(...a.manifestChange!.trimEnd().split("\n").map((l) => `    ${l}`));
    } else {
      out.push(`  not eligible: ${a.reasons.join("; ")}`);
    }
    out.push("");
  }
  return out.join("\n");
}
