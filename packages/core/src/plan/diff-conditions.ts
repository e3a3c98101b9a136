/**
 * `airlock diff` for risk lines' conditions on arguments (`riskLines.<type>.when`): whether a
 * change lets more calls run with less (widened) or fewer (narrowed).
 *
 * Every rule a call matches applies and the strictest outcome wins; a call no rule matches gets
 * the line's tier. So a rule at least as strict as the tier (`forbid`, `always-approve` on an
 * `approve` line, …) only ever tightens, and one looser than the tier (`allow` on an `approve`
 * line) only ever loosens. From that:
 * - a rule added: narrowed when at least as strict as the tier, widened when looser;
 * - a rule removed: the reverse;
 * - a rule whose outcome changes (same test): widened when looser (`forbid` → `approve`,
 *   `approve` → `allow`), narrowed when stricter;
 * - a rule whose numbers move (same comparisons and outcome, `gt: 10000` → `gt: 20000`), or whose
 *   `in` list grows or shrinks: it matches more or fewer calls, which widens or narrows by the rule's
 *   side of the tier; any other change to a test is reported as widened, so a person reviews it.
 */
import { OUTCOME_RANK, type ArgumentOutcome, type ConditionOp } from "../manifest/arguments.ts";
import { canonicalJson } from "../hash.ts";
import type { AgentModel, ArgumentCondition, CompiledRiskLine } from "../compile/model.ts";
import type { DiffChange, DiffEffect } from "./diff.ts";

type Add = (c: DiffChange) => void;

const tierRank = (l: Pick<CompiledRiskLine, "tier">): number => OUTCOME_RANK[l.tier === "auto" ? "allow" : l.tier];
const strictAtLeastTier = (then: ArgumentOutcome, line: Pick<CompiledRiskLine, "tier">): boolean => OUTCOME_RANK[then] >= tierRank(line);
const rule = (c: ArgumentCondition): string => `${c.summary} → ${c.then}`;

/** Whether the second test matches more calls than the first (+1), fewer (-1), or neither can be said (undefined). */
function matchDirection(a: ArgumentCondition["if"], b: ArgumentCondition["if"]): 1 | -1 | 0 | undefined {
  const pathsA = Object.keys(a).sort();
  const pathsB = Object.keys(b).sort();
  if (pathsA.join("\n") !== pathsB.join("\n")) return undefined;
  let more = false;
  let fewer = false;
  for (const p of pathsA) {
    const x = a[p]!;
    const y = b[p]!;
    const ops = new Set([...Object.keys(x), ...Object.keys(y)] as ConditionOp[]);
    for (const op of ops) {
      const u = x[op];
      const v = y[op];
      if (u === undefined || v === undefined) return undefined;
      if (canonicalJson(u) === canonicalJson(v)) continue;
      if (typeof u === "number" && typeof v === "number" && (op === "gt" || op === "gte" || op === "lt" || op === "lte")) {
        // `gt`/`gte` with a lower bound match more; `lt`/`lte` with a higher one match more.
        const grows = op === "gt" || op === "gte" ? v < u : v > u;
        if (grows) more = true;
        else fewer = true;
      } else if (Array.isArray(u) && Array.isArray(v) && (op === "in" || op === "notIn")) {
        const added = v.some((e) => !u.includes(e));
        const removed = u.some((e) => !v.includes(e));
        if (added && removed) return undefined;
        if ((op === "in") === added) more = true;
        else fewer = true;
      } else {
        return undefined;
      }
    }
  }
  if (more && fewer) return undefined;
  return more ? 1 : fewer ? -1 : 0;
}

/** The changes to one agent's conditions between two models. */
export function diffConditions(agent: string, a: AgentModel | undefined, b: AgentModel | undefined, add: Add): void {
  const before = new Map((a?.riskLines ?? []).map((l) => [l.actionType, l]));
  const after = new Map((b?.riskLines ?? []).map((l) => [l.actionType, l]));
  for (const type of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const x = before.get(type);
    const y = after.get(type);
    const line = y ?? x!;
    const old = new Map((x?.when ?? []).map((c) => [c.id, c]));
    const now = new Map((y?.when ?? []).map((c) => [c.id, c]));
    const change = (effect: DiffEffect, id: string, summary: string) => add({ category: "approval", effect, agent, subject: `${type} condition ${id}`, summary });
    for (const id of [...new Set([...old.keys(), ...now.keys()])].sort()) {
      const p = old.get(id);
      const q = now.get(id);
      if (p === undefined) {
        const loosens = !strictAtLeastTier(q!.then, line);
        change(loosens ? "widened" : "narrowed", id, `condition \`${id}\` added: ${rule(q!)} (the line's tier is ${line.tier})`);
        continue;
      }
      if (q === undefined) {
        const loosened = !strictAtLeastTier(p.then, line);
        change(loosened ? "narrowed" : "widened", id, `condition \`${id}\` removed: ${rule(p)} no longer applies (the line's tier is ${line.tier})`);
        continue;
      }
      const direction = matchDirection(p.if, q.if);
      if (direction === undefined) {
        // Another test: the old rule goes (which widens when it was at least as strict as the tier)
        // and a new one comes (which widens when looser).
        const widened = strictAtLeastTier(p.then, line) || !strictAtLeastTier(q.then, line);
        change(widened ? "widened" : "narrowed", id, `condition \`${id}\` changed: ${rule(p)} became ${rule(q)}`);
        continue;
      }
      if (direction !== 0) {
        const strict = strictAtLeastTier(q.then, line);
        const widened = strict ? direction < 0 : direction > 0;
        change(widened ? "widened" : "narrowed", id, `condition \`${id}\` ${widened ? "relaxed" : "tightened"}: ${p.summary} became ${q.summary} (→ ${q.then}): it matches ${direction > 0 ? "more" : "fewer"} calls`);
      }
      const d = OUTCOME_RANK[q.then] - OUTCOME_RANK[p.then];
      if (d !== 0) change(d < 0 ? "widened" : "narrowed", id, `condition \`${id}\` (${q.summary}) ${d < 0 ? "relaxed" : "tightened"}: ${p.then} → ${q.then}`);
    }
  }
}

/** A tool's declared input added (narrowed: calls are checked), removed (widened) or changed. */
export function diffInputs(agent: string, a: AgentModel | undefined, b: AgentModel | undefined, add: Add): void {
  const before = new Map((a?.tools ?? []).map((t) => [t.name, t]));
  for (const t of b?.tools ?? []) {
    const old = before.get(t.name);
    if (old === undefined) continue;
    const change = (effect: DiffEffect, summary: string) => add({ category: "tool", effect, agent, subject: `${t.name} input`, summary });
    if (old.input === undefined && t.input !== undefined) change("narrowed", `tool \`${t.name}\` now declares its input; the runtime refuses calls whose arguments do not match it`);
    else if (old.input !== undefined && t.input === undefined) change("widened", `tool \`${t.name}\` no longer declares its input; the runtime no longer checks its arguments`);
    else if (old.input !== undefined && canonicalJson(old.input) !== canonicalJson(t.input)) change("changed", `tool \`${t.name}\`'s declared input changed (review what its arguments may now be)`);
  }
}
