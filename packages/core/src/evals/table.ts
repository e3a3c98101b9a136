/**
 * The table a reviewer reads of a gated release (case, baseline, candidate, verdict) with the
 * suite's figures, the paired test and the findings: as text for a terminal and as Markdown for
 * the pull-request comment. `airlock evals check` prints them; JSON is the result itself.
 */
import { percent } from "./report.ts";
import { formatP, type EvalGateResult } from "./gate.ts";
import type { EvalCaseRow, EvalRuns } from "./compare.ts";
import type { EvalPolicy } from "./policy.ts";

/** What the table is of. */
export interface EvalGateView {
  readonly releaseId: string;
  /** The last good release's id, when named. */
  readonly previousReleaseId?: string;
  readonly result: EvalGateResult;
  readonly policy: EvalPolicy;
  /** The reasons to print, when they differ from the result's (a missing file named by path). @default - the result's */
  readonly reasons?: readonly string[];
  /** Where the report came from, e.g. `results-1.json, results-2.json (promptfoo 0.121.20)`. */
  readonly source?: string;
}

/** Rows a Markdown table lists in full; a larger suite lists only the cases that changed, failed or are flaky, quarantined or required. */
export const MAX_MARKDOWN_ROWS = 200;
/** Flaky cases named in the summary, and findings listed in Markdown (warnings first), before the rest are counted. */
const MAX_LISTED = 20;
const MAX_FINDINGS = 50;

const runs = (r: EvalRuns | undefined) => (r === undefined ? "–" : `${r.passes}/${r.runs}`);

function verdictText(row: EvalCaseRow): string {
  const word = row.verdict === "blocks" ? "BLOCKS" : row.verdict;
  const detail = row.verdict === "quarantined" ? row.quarantine : row.detail;
  return `${word}${detail !== undefined ? `: ${detail}` : ""}${row.flaky ? " (flaky)" : ""}`;
}

function summaryLines(view: EvalGateView): string[] {
  const { result, policy } = view;
  const lines: string[] = [];
  const s = result.suite;
  if (s !== undefined) {
    const q = s.quarantined.length > 0 ? ` (${s.quarantined.length} quarantined, not counted)` : "";
    const k = s.passAtK === undefined ? "" : `; pass@${s.k} ${percent(s.passAtK)}, pass^${s.k} ${percent(s.passHatK!)} over ${s.kCases} case${s.kCases === 1 ? "" : "s"}`;
    lines.push(`suite: ${s.cases} case${s.cases === 1 ? "" : "s"}${q}, pass rate ${percent(s.passRate)} (${s.passes} of ${s.runs} runs, minimum ${percent(policy.minPassRate)})${k}`);
    if (s.flaky.length > 0) {
      const more = s.flaky.length > MAX_LISTED ? `, and ${s.flaky.length - MAX_LISTED} more` : "";
      lines.push(`flaky (runs disagree): ${s.flaky.slice(0, MAX_LISTED).map((id) => `"${id}"`).join(", ")}${more}`);
    }
  }
  const c = result.comparison;
  if (c !== undefined) {
    const against = view.previousReleaseId !== undefined ? `release "${view.previousReleaseId}"` : "the last good release";
    const verdict = c.tooSmall
      ? `too few paired cases for alpha ${c.alpha} (at least ${c.minPaired} needed): any drop fails`
      : `one-sided exact sign test p = ${formatP(c.pValue)}, alpha ${c.alpha}: ${c.significant ? "significant, a regression" : "not significant"}`;
    lines.push(`against ${against}: ${c.worse} of ${c.paired} paired cases worse, ${c.better} better; ${verdict}`);
  }
  return lines;
}

/** The gate's verdict, table and figures as plain text (columns padded). */
export function renderEvalGateText(view: EvalGateView): string {
  const { result } = view;
  const reasons = view.reasons ?? result.reasons;
  const R = `release "${view.releaseId}"`;
  const lines = [result.ok ? `${R} passes its eval gate` : `${R} does not pass its eval gate:`, ...reasons.map((r) => `  - ${r}`)];
  const rows = result.cases ?? [];
  if (rows.length > 0) {
    const table = [["case", "baseline", "candidate", "verdict"], ...rows.map((r) => [r.id, runs(r.baseline), runs(r.candidate), verdictText(r)])];
    const widths = [0, 1, 2].map((i) => Math.max(...table.map((t) => t[i]!.length)));
    lines.push("");
    for (const t of table) lines.push(`  ${t.slice(0, 3).map((cell, i) => cell.padEnd(widths[i]!)).join("  ")}  ${t[3]}`);
  }
  const summary = summaryLines(view);
  if (summary.length > 0) lines.push("", ...summary.map((l) => `  ${l}`));
  const findings = result.findings ?? [];
  if (findings.length > 0) {
    lines.push("", "  findings:");
    for (const f of findings) lines.push(`    ${f.severity === "warning" ? "WARNING" : "info   "} ${f.message}`);
  }
  if (view.source !== undefined) lines.push("", `  report ${view.source}`);
  return lines.join("\n");
}

/** A table cell: pipes and newlines escaped, so a case id cannot break the table. */
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ").replace(/`/g, "\\`").replace(/</g, "&lt;");
}

/** The gate's verdict, table and figures as GitHub Markdown, for the pull request. */
export function renderEvalGateMarkdown(view: EvalGateView): string {
  const { result } = view;
  const reasons = view.reasons ?? result.reasons;
  const lines = [`### Eval gate: release \`${view.releaseId.replace(/`/g, "")}\` ${result.ok ? "passes" : "does not pass"}`, ""];
  if (reasons.length > 0) lines.push(...reasons.map((r) => `- ${cell(r)}`), "");
  const all = result.cases ?? [];
  // A pull-request comment holds 65,536 characters: past MAX_MARKDOWN_ROWS, unchanged cases are counted, not listed.
  const quiet = (r: EvalCaseRow) => (r.verdict === "same" || r.verdict === "pass") && !r.flaky && r.requiredRepeats === undefined;
  const rows = all.length > MAX_MARKDOWN_ROWS ? all.filter((r) => !quiet(r)).slice(0, MAX_MARKDOWN_ROWS) : all;
  if (rows.length > 0) {
    lines.push("| case | baseline | candidate | verdict |", "| --- | ---: | ---: | --- |");
    for (const r of rows) {
      const v = verdictText(r);
      lines.push(`| ${cell(r.id)} | ${runs(r.baseline)} | ${runs(r.candidate)} | ${r.verdict === "blocks" ? `**${cell(v)}**` : cell(v)} |`);
    }
    lines.push("");
  }
  if (rows.length < all.length) lines.push(`${all.length - rows.length} of ${all.length} cases not listed (unchanged, or past the first ${MAX_MARKDOWN_ROWS} others); \`airlock evals check --format json\` has every row`, "");
  for (const l of summaryLines(view)) lines.push(`- ${cell(l)}`);
  const findings = [...(result.findings ?? [])].sort((a, b) => Number(b.severity === "warning") - Number(a.severity === "warning"));
  if (findings.length > 0) {
    lines.push("", "**Findings**", "");
    for (const f of findings.slice(0, MAX_FINDINGS)) lines.push(`- ${f.severity === "warning" ? "⚠️ " : ""}${cell(f.message)}`);
    if (findings.length > MAX_FINDINGS) lines.push(`- and ${findings.length - MAX_FINDINGS} more`);
  }
  if (view.source !== undefined) lines.push("", `<sub>report ${cell(view.source)}</sub>`);
  return `${lines.join("\n")}\n`;
}
