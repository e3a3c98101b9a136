/**
 * Evidence-based autonomy. Per action type, the audit log yields approvals, rejections, edits,
 * incidents and the current streak of approvals without edit. A type becomes *eligible* to widen
 * from `approve` to `auto` once the streak reaches `minStreak`, spans at least `minWindowDays`
 * (measured from the streak's first approval, so the window holds no rejection, edit or
 * incident), falls on at least `minDistinctDays` distinct days (not a burst) and comes from at
 * least `minApprovers` distinct approvers. Only a person's decision through Slack counts toward a
 * streak (`via` http or socket-mode, by a Slack user id); a decision made through the API is not
 * evidence (a rejection still resets, whoever made it). Times are the audit rows' own, which the
 * database's clock wrote (migration 0003), and "now" is the database's clock too. Money and
 * mass-communication types and `always-approve` never become eligible, whether today's manifest
 * says so or any request of that type recorded so when it was made (a type that was `money` at
 * request time never widens). Nothing here changes a tier: the report prints the manifest change
 * for a human to review.
 */
import type { CompiledRiskLine, RiskClass, Tier } from "@airlock/core";
import type { ApprovalModel } from "../types.ts";
import { readAudit, serverTime, verifyAuditLog, type AnchoredHead, type AuditProblem, type AuditRow, type AuditVerification } from "./log.ts";
import type { Queryable } from "./db.ts";

export interface AutonomyPolicy {
  /** Approvals without edit in a row. */
  readonly minStreak: number;
  /** Days from the streak's first approval to now. */
  readonly minWindowDays: number;
  /** Distinct UTC days the streak's approvals fall on (a burst of clicks is not a track record). @default 10 */
  readonly minDistinctDays?: number;
  /** Distinct approvers among the streak's approvals. @default 2 */
  readonly minApprovers?: number;
}

export const DEFAULT_AUTONOMY_POLICY: Required<AutonomyPolicy> = { minStreak: 50, minWindowDays: 14, minDistinctDays: 10, minApprovers: 2 };

/** Risk classes that never widen to `auto`, whatever the evidence. */
export const NEVER_AUTO_CLASSES: readonly RiskClass[] = ["money", "mass-communication"];

/** How a decision reaches the service when a person clicks in Slack. */
const HUMAN_VIAS: readonly unknown[] = ["http", "socket-mode"];
/** A Slack user id (U… or W…), as the service records an approver. */
const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

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
  /** Distinct UTC days the streak's approvals fall on. */
  readonly distinctDays: number;
  /** Distinct approvers of the streak's approvals. */
  readonly approvers: number;
  /** Approvals that are not evidence (not a person through Slack), not counted in the streak. */
  readonly ignored: number;
  /** The strictest tier or class a request of this type recorded when it was made, when stricter than today's. */
  readonly recordedAtRequest?: { readonly tier?: "always-approve"; readonly riskClass?: RiskClass; readonly seq: number };
  readonly lastReset?: AutonomyReset;
  readonly eligible: boolean;
  /** Why it is not eligible (empty when eligible). */
  readonly reasons: readonly string[];
  /** The reviewed manifest change that would widen it (only when eligible). */
  readonly manifestChange?: string;
}

const DAY_MS = 86_400_000;

function resolvePolicy(policy: AutonomyPolicy): Required<AutonomyPolicy> {
  const p = { ...DEFAULT_AUTONOMY_POLICY, ...policy };
  if (!Number.isInteger(p.minStreak) || p.minStreak < 1) {
    throw new RangeError(`\`minStreak\`: ${p.minStreak} is not a positive whole number of approvals`);
  }
  if (!Number.isFinite(p.minWindowDays) || p.minWindowDays < 0) {
    throw new RangeError(`\`minWindowDays\`: ${p.minWindowDays} is not a number of days ≥ 0`);
  }
  if (!Number.isInteger(p.minDistinctDays) || p.minDistinctDays < 1) {
    throw new RangeError(`\`minDistinctDays\`: ${p.minDistinctDays} is not a positive whole number of days`);
  }
  if (!Number.isInteger(p.minApprovers) || p.minApprovers < 1) {
    throw new RangeError(`\`minApprovers\`: ${p.minApprovers} is not a positive whole number of approvers`);
  }
  return p;
}

/** Whether a decision row is a person's, through Slack: the only evidence that counts. */
export function isHumanSlackDecision(r: AuditRow): boolean {
  return r.kind === "approval.decided" && HUMAN_VIAS.includes(r.payload.via) && SLACK_USER.test(r.actor);
}

/** Assesses every action type of the model from its audit rows (any order; sorted by seq here). */
export function assessAutonomy(model: ApprovalModel, rows: readonly AuditRow[], policy: AutonomyPolicy = DEFAULT_AUTONOMY_POLICY, now: Date = new Date()): AutonomyAssessment[] {
  const p = resolvePolicy(policy);
  const sorted = [...rows].filter((r) => r.agent === model.name).sort((a, b) => a.seq - b.seq);
  return [...model.riskLines]
    .sort((a, b) => a.actionType.localeCompare(b.actionType))
    .map((tier) => assessOne(tier, sorted.filter((r) => r.actionType === tier.actionType), p, now));
}

/** The strictest tier and class the type's requests recorded when they were made. */
function recordedAtRequest(rows: readonly AuditRow[]): AutonomyAssessment["recordedAtRequest"] {
  let out: { tier?: "always-approve"; riskClass?: RiskClass; seq: number } | undefined;
  for (const r of rows) {
    if (r.kind !== "approval.requested") continue;
    const cls = r.payload.riskClass;
    const neverClass = typeof cls === "string" && (NEVER_AUTO_CLASSES as readonly string[]).includes(cls) ? (cls as RiskClass) : undefined;
    const always = r.payload.tier === "always-approve";
    if (neverClass === undefined && !always) continue;
    out = { ...(out ?? {}), ...(always ? { tier: "always-approve" as const } : {}), ...(neverClass === undefined ? {} : { riskClass: neverClass }), seq: out?.seq ?? r.seq };
  }
  return out;
}

function assessOne(line: CompiledRiskLine, rows: readonly AuditRow[], policy: Required<AutonomyPolicy>, now: Date): AutonomyAssessment {
  let approvals = 0;
  let rejections = 0;
  let edits = 0;
  let incidents = 0;
  let ignored = 0;
  let streak: AuditRow[] = [];
  let lastReset: AutonomyReset | undefined;
  for (const r of rows) {
    if (r.kind === "incident") {
      incidents++;
      streak = [];
      lastReset = { reason: "incident", at: r.at, seq: r.seq };
      continue;
    }
    if (r.kind !== "approval.decided") continue;
    const decision = r.payload.decision;
    if (decision === "approved") {
      approvals++;
      // Only a person's click in Slack is evidence; an API or system decision is not.
      if (isHumanSlackDecision(r)) streak.push(r);
      else ignored++;
    } else if (decision === "rejected" || decision === "edited") {
      if (decision === "rejected") rejections++;
      else edits++;
      streak = [];
      lastReset = { reason: decision === "rejected" ? "rejection" : "edit", at: r.at, seq: r.seq };
    }
  }
  const windowStart = streak[0]?.at;
  const windowDays = windowStart === undefined ? 0 : Math.max(0, (now.getTime() - windowStart.getTime()) / DAY_MS);
  const distinctDays = new Set(streak.map((r) => r.at.toISOString().slice(0, 10))).size;
  const approvers = new Set(streak.map((r) => r.actor)).size;
  const recorded = recordedAtRequest(rows);
  const reasons: string[] = [];
  if (line.tier === "auto") reasons.push("already `auto`");
  if (line.tier === "always-approve") reasons.push("`always-approve` never widens");
  if (line.riskClass !== undefined && NEVER_AUTO_CLASSES.includes(line.riskClass)) reasons.push(`class \`${line.riskClass}\` never widens to \`auto\``);
  if (recorded?.riskClass !== undefined && recorded.riskClass !== line.riskClass) {
    reasons.push(`requests of this type were class \`${recorded.riskClass}\` when they were made (audit row ${recorded.seq}); it never widens to \`auto\``);
  }
  if (recorded?.tier !== undefined && line.tier !== "always-approve") {
    reasons.push(`requests of this type were \`always-approve\` when they were made (audit row ${recorded.seq}); it never widens`);
  }
  if (line.tier === "approve") {
    if (streak.length < policy.minStreak) reasons.push(`streak ${streak.length} of ${policy.minStreak} approvals without edit`);
    if (windowDays < policy.minWindowDays) reasons.push(`evidence window ${windowDays.toFixed(1)} of ${policy.minWindowDays} days`);
    if (distinctDays < policy.minDistinctDays) reasons.push(`approvals on ${distinctDays} of ${policy.minDistinctDays} distinct days`);
    if (approvers < policy.minApprovers) reasons.push(`${approvers} of ${policy.minApprovers} distinct approvers`);
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
    streak: streak.length,
    ...(windowStart === undefined ? {} : { windowStart }),
    windowDays,
    distinctDays,
    approvers,
    ignored,
    ...(recorded === undefined ? {} : { recordedAtRequest: recorded }),
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
  readonly policy: Required<AutonomyPolicy>;
  /** The database server's clock when the report was made. */
  readonly generatedAt: Date;
  /** The audit log's check; when it fails no action type is eligible. */
  readonly verification: AuditVerification;
  /** Whether the log was checked against a signed anchor kept outside the database. */
  readonly anchored?: boolean;
  readonly assessments: readonly AutonomyAssessment[];
}

export interface AutonomyReportOptions {
  readonly policy?: AutonomyPolicy;
  /**
   * The newest signed anchor (`readLatestAnchor`) and what reading it found. Without one, nothing
   * is eligible unless `allowUnanchored`: the database alone cannot show that no evidence was cut
   * or rewritten.
   */
  readonly anchor?: { readonly head?: AnchoredHead; readonly problems: readonly AuditProblem[] };
  /** Accept a log checked without an anchor (a local embedded store). @default false */
  readonly allowUnanchored?: boolean;
}

/** Verifies the audit log (against the anchor when given), then assesses the model's action types from its rows. */
export async function autonomyReport(db: Queryable, model: ApprovalModel, options: AutonomyReportOptions = {}): Promise<AutonomyReport> {
  const policy = resolvePolicy(options.policy ?? DEFAULT_AUTONOMY_POLICY);
  // The window is measured on the database's clock, as the rows were dated: not the reader's.
  const now = await serverTime(db);
  const chain = await verifyAuditLog(db, options.anchor?.head === undefined ? {} : { anchor: options.anchor.head });
  const problems = [...(options.anchor?.problems ?? []), ...chain.problems];
  const verification: AuditVerification = { ...chain, ok: problems.length === 0, problems };
  const anchored = options.anchor?.head !== undefined;
  const rows = await readAudit(db, { agent: model.name, kinds: ["approval.requested", "approval.decided", "incident"] });
  let assessments = assessAutonomy(model, rows, policy, now);
  const distrust = [
    ...(verification.ok ? [] : ["the audit log failed verification (`airlock audit verify`); its evidence cannot be trusted"]),
    ...(anchored || options.allowUnanchored === true ? [] : ["the audit log was not checked against a signed anchor (give the anchor's bucket and key), so evidence cut or rewritten inside the database would not show"]),
  ];
  if (distrust.length > 0) {
    assessments = assessments.map((a) => {
      const { manifestChange: _drop, ...rest } = a;
      return { ...rest, eligible: false, reasons: [...a.reasons, ...distrust] };
    });
  }
  return { agent: model.name, policy, generatedAt: now, verification, anchored, assessments };
}

/** The report as text for people. */
export function formatAutonomyReport(report: AutonomyReport): string {
  const p = report.policy;
  const out: string[] = [
    `autonomy report for ${report.agent} at ${report.generatedAt.toISOString()}`,
    `policy: eligible after ${p.minStreak} approvals without edit over at least ${p.minWindowDays} days, on ${p.minDistinctDays ?? DEFAULT_AUTONOMY_POLICY.minDistinctDays} distinct days, by ${p.minApprovers ?? DEFAULT_AUTONOMY_POLICY.minApprovers} approvers through Slack, with no rejection, edit or incident`,
    `audit log: ${report.verification.ok ? `verified, ${report.verification.rows} rows${report.anchored === true ? ", against a signed anchor" : ", not anchored"}` : `FAILED verification (${report.verification.problems.length} problem${report.verification.problems.length === 1 ? "" : "s"}); run \`airlock audit verify\``}`,
    "",
  ];
  if (report.assessments.length === 0) out.push("the manifest has no risk lines; nothing asks for approval");
  for (const a of report.assessments) {
    out.push(`${a.actionType}  tier ${a.tier}${a.riskClass === undefined ? "" : ` · class ${a.riskClass}`}`);
    const window = a.windowStart === undefined ? "no streak" : `${a.windowDays.toFixed(1)} days since ${a.windowStart.toISOString()}`;
    out.push(`  approvals ${a.approvals} · rejections ${a.rejections} · edits ${a.edits} · incidents ${a.incidents} · streak ${a.streak} · window ${window}`);
    out.push(`  streak on ${a.distinctDays ?? 0} distinct days by ${a.approvers ?? 0} approvers${a.ignored ? ` · ${a.ignored} approvals not through Slack (not evidence)` : ""}`);
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
