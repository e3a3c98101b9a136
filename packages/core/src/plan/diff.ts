/**
 * `airlock diff`: what a change to a plan means for a reviewer. Not a text diff: permissions
 * widened or narrowed (per agent, tool, action and resource), egress opened or closed, secrets
 * added, approval tiers relaxed or tightened, guardrail findings new or fixed. Anything that
 * widens what an agent can do makes `widened` true, so CI can require a review.
 */
import type { AgentModel, Finding, RotationPlan } from "../compile/model.ts";
import type { PlanDocument, PlannedPermission } from "./plan.ts";
import type { Tier } from "../manifest/vocabulary.ts";
import { diffCidrs, diffFindingSets, diffRiskClasses } from "./diff-sets.ts";
import { diffConditions, diffInputs } from "./diff-conditions.ts";
import { diffAlarms } from "./alarms.ts";

/** Whether a change widens, narrows or only changes what an agent can do. */
export type DiffEffect = "widened" | "narrowed" | "changed";
/** What a change is about. */
export type DiffCategory = "agent" | "permission" | "tool" | "approval" | "egress" | "secret" | "alarm" | "finding";

/** One change between two plans, for a reviewer. */
export interface DiffChange {
  readonly category: DiffCategory;
  readonly effect: DiffEffect;
  /** Agent name (empty for plan-wide findings without an agent). */
  readonly agent: string;
  /** What changed, stable for machines: `read_ticket dynamodb:GetItem arn:…`, `host api.example.com`. */
  readonly subject: string;
  /** The change in one sentence, for people. */
  readonly summary: string;
}

/** What a change to a plan means (`diffPlans`): every change, and whether any widens what an agent can do. */
export interface PlanDiff {
  /** True when any change widens what an agent can do (new permissions, egress, secrets, relaxed approvals, new findings). */
  readonly widened: boolean;
  readonly counts: Readonly<Record<DiffEffect, number>>;
  /** Sorted by effect (widened first), agent, category, subject. */
  readonly changes: readonly DiffChange[];
}

const TIER_RANK: Record<Tier, number> = { auto: 0, approve: 1, "always-approve": 2 };
const CATEGORY_ORDER: DiffCategory[] = ["agent", "permission", "tool", "approval", "egress", "secret", "alarm", "finding"];
const EFFECT_ORDER: DiffEffect[] = ["widened", "narrowed", "changed"];

/** The semantic differences from `before` to `after`. */
export function diffPlans(before: PlanDocument, after: PlanDocument): PlanDiff {
  const changes: DiffChange[] = [];
  const add = (c: DiffChange) => changes.push(c);

  const agentsBefore = new Map(before.agents.map((a) => [a.name, a]));
  const agentsAfter = new Map(after.agents.map((a) => [a.name, a]));
  for (const name of union(agentsBefore.keys(), agentsAfter.keys())) {
    const a = agentsBefore.get(name);
    const b = agentsAfter.get(name);
    if (a === undefined) add({ category: "agent", effect: "widened", agent: name, subject: "agent", summary: `agent \`${name}\` added (owner ${b!.owner})` });
    if (b === undefined) add({ category: "agent", effect: "narrowed", agent: name, subject: "agent", summary: `agent \`${name}\` removed` });
    diffTools(name, a, b, add);
    diffConditions(name, a, b, add);
    diffInputs(name, a, b, add);
    diffEgress(name, a, b, add);
    diffRiskClasses(name, a, b, add);
    diffSecrets(name, a, b, add);
  }
  diffPermissions(before, after, add);
  // A deployment alarm that stops rolling back widens what a bad release can do.
  for (const c of diffAlarms(before, after)) add({ category: "alarm", ...c });
  diffFindings(before.findings, after.findings, add);

  changes.sort(
    (x, y) =>
      EFFECT_ORDER.indexOf(x.effect) - EFFECT_ORDER.indexOf(y.effect) ||
      x.agent.localeCompare(y.agent) ||
      CATEGORY_ORDER.indexOf(x.category) - CATEGORY_ORDER.indexOf(y.category) ||
      x.subject.localeCompare(y.subject),
  );
  const counts = { widened: 0, narrowed: 0, changed: 0 };
  for (const c of changes) counts[c.effect]++;
  return { widened: counts.widened > 0, counts, changes };
}

// --- permissions -------------------------------------------------------------------------------

interface Grant {
  readonly agent: string;
  readonly tool: string;
  readonly system: string;
  readonly action: string;
  readonly resource: string;
  /** The tool's reason when the action is a privilege-escalation, permissions-management or tagging action. */
  readonly escalation?: string;
}

/**
 * Every (agent, tool, system, action, resource) a plan grants. AWS entries are narrowed to the
 * pairs the agent's task role statements actually hold (a permission entry lists the union of a
 * grant's actions and resources; the statements pair them exactly).
 */
function grantsOf(plan: PlanDocument): Map<string, Grant> {
  const pairs = new Map<string, Set<string>>();
  for (const a of plan.agents) {
    const set = new Set<string>();
    for (const s of a.taskRoleStatements) if (s.Effect === "Allow") for (const act of s.Action) for (const r of s.Resource) set.add(`${act}\n${r}`);
    pairs.set(a.name, set);
  }
  const out = new Map<string, Grant>();
  for (const p of plan.permissions) {
    const statements = pairs.get(p.agent);
    for (const action of p.actions) {
      for (const resource of p.resources) {
        if (p.system.startsWith("aws:") && statements !== undefined && !statements.has(`${action}\n${resource}`)) continue;
        const g = { agent: p.agent, tool: p.tool, system: p.system, action, resource, ...(p.escalation?.actions.includes(action) ? { escalation: p.escalation.reason } : {}) };
        out.set([g.agent, g.tool, g.system, g.action, g.resource].join("\n"), g);
      }
    }
  }
  return out;
}

function entryKey(p: PlannedPermission): string {
  return `${p.agent}\n${p.tool}\n${p.system}`;
}

/**
 * The permission map's entries by agent, tool and system, a tool's several grants on one system
 * (a read grant and a write grant on DynamoDB, say) taken together: write if any is, the first
 * wildcard reason, every escalation action. Comparing one of them with another would report a
 * change between two identical plans.
 */
function entriesOf(permissions: readonly PlannedPermission[]): Map<string, PlannedPermission> {
  const out = new Map<string, PlannedPermission>();
  for (const p of permissions) {
    const seen = out.get(entryKey(p));
    if (seen === undefined) {
      out.set(entryKey(p), p);
      continue;
    }
    const actions = [...new Set([...(seen.escalation?.actions ?? []), ...(p.escalation?.actions ?? [])])];
    const escalation = seen.escalation ?? p.escalation;
    out.set(entryKey(p), {
      ...seen,
      access: seen.access === "write" || p.access === "write" ? "write" : seen.access,
      ...(seen.wildcardReason === undefined && p.wildcardReason !== undefined ? { wildcardReason: p.wildcardReason } : {}),
      ...(escalation === undefined ? {} : { escalation: { ...escalation, actions } }),
    });
  }
  return out;
}

function diffPermissions(before: PlanDocument, after: PlanDocument, add: (c: DiffChange) => void): void {
  const a = grantsOf(before);
  const b = grantsOf(after);
  for (const [k, g] of b) {
    if (!a.has(k)) {
      add({ category: "permission", effect: "widened", agent: g.agent, subject: `${g.tool} ${g.action} ${g.resource}`, summary: `\`${g.tool}\` may now ${verb(g)}${g.escalation !== undefined ? ` (privilege escalation: ${g.escalation})` : ""}` });
    }
  }
  for (const [k, g] of a) {
    if (!b.has(k)) {
      add({ category: "permission", effect: "narrowed", agent: g.agent, subject: `${g.tool} ${g.action} ${g.resource}`, summary: `\`${g.tool}\` may no longer ${verb(g)}` });
    }
  }
  const entriesBefore = entriesOf(before.permissions);
  for (const p of entriesOf(after.permissions).values()) {
    const old = entriesBefore.get(entryKey(p));
    if (old === undefined) continue;
    if (old.access === "read" && p.access === "write") {
      add({ category: "permission", effect: "widened", agent: p.agent, subject: `${p.tool} ${p.system} access`, summary: `\`${p.tool}\` on ${p.system} changed from read to write` });
    } else if (old.access === "write" && p.access === "read") {
      add({ category: "permission", effect: "narrowed", agent: p.agent, subject: `${p.tool} ${p.system} access`, summary: `\`${p.tool}\` on ${p.system} changed from write to read` });
    }
    if (old.wildcardReason === undefined && p.wildcardReason !== undefined) {
      add({ category: "permission", effect: "widened", agent: p.agent, subject: `${p.tool} ${p.system} wildcard`, summary: `\`${p.tool}\` on ${p.system} now holds a wildcard: ${p.wildcardReason}` });
    }
    const escalated = (p.escalation?.actions ?? []).filter((x) => !(old.escalation?.actions ?? []).includes(x));
    if (escalated.length > 0) {
      add({
        category: "permission",
        effect: "widened",
        agent: p.agent,
        subject: `${p.tool} ${p.system} escalation`,
        summary: `\`${p.tool}\` on ${p.system} now holds privilege-escalation actions (${escalated.join(", ")}): ${p.escalation!.reason}`,
      });
    }
  }
}

function verb(g: Grant): string {
  if (g.system.startsWith("aws:")) return `call ${g.action} on ${g.resource}`;
  if (g.system.startsWith("github:")) return `use GitHub ${g.action} on ${g.resource}`;
  if (g.system.startsWith("https:")) return `reach ${g.resource}`;
  if (g.system.startsWith("secret:")) return `read the secret \`${g.resource}\``;
  return `${g.action} (${g.resource})`;
}

// --- tools and approvals -------------------------------------------------------------------------

function diffTools(agent: string, a: AgentModel | undefined, b: AgentModel | undefined, add: (c: DiffChange) => void): void {
  const before = new Map((a?.tools ?? []).map((t) => [t.name, t]));
  const after = new Map((b?.tools ?? []).map((t) => [t.name, t]));
  for (const name of union(before.keys(), after.keys())) {
    const x = before.get(name);
    const y = after.get(name);
    if (x === undefined) {
      const flags = [y!.access, y!.outward ? "outward" : undefined, y!.sandbox ? "sandboxed" : undefined, `tier ${y!.tier}`].filter(Boolean).join(", ");
      add({ category: "tool", effect: "widened", agent, subject: name, summary: `tool \`${name}\` added (${flags})` });
      continue;
    }
    if (y === undefined) {
      add({ category: "tool", effect: "narrowed", agent, subject: name, summary: `tool \`${name}\` removed` });
      continue;
    }
    if (!x.outward && y.outward) add({ category: "tool", effect: "widened", agent, subject: `${name} outward`, summary: `tool \`${name}\` now acts outside the organisation (outward)` });
    if (x.outward && !y.outward) add({ category: "tool", effect: "narrowed", agent, subject: `${name} outward`, summary: `tool \`${name}\` no longer outward` });
    if (x.access === "read" && y.access === "write") add({ category: "tool", effect: "widened", agent, subject: `${name} access`, summary: `tool \`${name}\` changed from read to write` });
    if (x.access === "write" && y.access === "read") add({ category: "tool", effect: "narrowed", agent, subject: `${name} access`, summary: `tool \`${name}\` changed from write to read` });
    if (x.sandbox && !y.sandbox) add({ category: "tool", effect: "widened", agent, subject: `${name} sandbox`, summary: `tool \`${name}\` no longer runs in the sandbox` });
    if (!x.sandbox && y.sandbox) add({ category: "tool", effect: "narrowed", agent, subject: `${name} sandbox`, summary: `tool \`${name}\` now runs in the sandbox` });
    const d = TIER_RANK[y.tier] - TIER_RANK[x.tier];
    if (d !== 0) {
      const via = y.actionType ? ` (action type \`${y.actionType}\`)` : "";
      add({
        category: "approval",
        effect: d < 0 ? "widened" : "narrowed",
        agent,
        subject: `${name} tier`,
        summary: `approval for \`${name}\`${via} ${d < 0 ? "relaxed" : "tightened"}: ${x.tier} → ${y.tier}`,
      });
    }
  }
}

// --- egress ----------------------------------------------------------------------------------------

function diffEgress(agent: string, a: AgentModel | undefined, b: AgentModel | undefined, add: (c: DiffChange) => void): void {
  const sets: [string, (m: AgentModel) => readonly string[], string][] = [
    ["host", (m) => m.egress.hosts, "HTTPS to"],
    ["aws-service", (m) => m.egress.awsServices, "AWS service through a VPC endpoint:"],
  ];
  for (const [kind, get, what] of sets) {
    const x = new Set(a ? get(a) : []);
    const y = new Set(b ? get(b) : []);
    for (const v of y) if (!x.has(v)) add({ category: "egress", effect: "widened", agent, subject: `${kind} ${v}`, summary: `${what} ${v} opened` });
    for (const v of x) if (!y.has(v)) add({ category: "egress", effect: "narrowed", agent, subject: `${kind} ${v}`, summary: `${what} ${v} closed` });
  }
  // Ranges as address sets: a /24 narrowed to its /25 narrows, a /24 split in two does not change.
  const cidrs = (m: AgentModel | undefined) => (m ? [...m.egress.cidrsV4, ...m.egress.cidrsV6] : []);
  diffCidrs(agent, cidrs(a), cidrs(b), add);
  const optA = a?.egress.anyIpOn443;
  const optB = b?.egress.anyIpOn443;
  if (optA === undefined && optB !== undefined) {
    add({ category: "egress", effect: "widened", agent, subject: "anyIpOn443", summary: `egress on 443 to ANY address turned on (DNS firewall only): ${optB.reason}` });
  }
  if (optA !== undefined && optB === undefined) {
    add({ category: "egress", effect: "narrowed", agent, subject: "anyIpOn443", summary: "egress on 443 to any address turned off" });
  }
}

// --- secrets ---------------------------------------------------------------------------------------

/** Days a secret value may live: rotation period or max age. */
function lifetime(r: RotationPlan): number {
  return r.kind === "max-age" ? r.maxAgeDays : r.days;
}

function describeRotation(r: RotationPlan): string {
  return r.kind === "max-age" ? `rotated by hand, alarm after ${r.maxAgeDays} days` : `rotated every ${r.days} days (${r.kind})`;
}

function diffSecrets(agent: string, a: AgentModel | undefined, b: AgentModel | undefined, add: (c: DiffChange) => void): void {
  const before = new Map((a?.secrets ?? []).map((s) => [s.name, s]));
  const after = new Map((b?.secrets ?? []).map((s) => [s.name, s]));
  for (const name of union(before.keys(), after.keys())) {
    const x = before.get(name);
    const y = after.get(name);
    if (x === undefined) {
      add({ category: "secret", effect: "widened", agent, subject: name, summary: `secret \`${name}\` added (${y!.source}, ${describeRotation(y!.rotation)}; used by ${y!.consumers.join(", ") || "nothing"})` });
    } else if (y === undefined) {
      add({ category: "secret", effect: "narrowed", agent, subject: name, summary: `secret \`${name}\` removed` });
    } else {
      const automaticBefore = x.rotation.kind !== "max-age";
      const automaticAfter = y.rotation.kind !== "max-age";
      const relaxed = (automaticBefore && !automaticAfter) || (automaticBefore === automaticAfter && lifetime(y.rotation) > lifetime(x.rotation));
      const tightened = (!automaticBefore && automaticAfter) || (automaticBefore === automaticAfter && lifetime(y.rotation) < lifetime(x.rotation));
      if (relaxed || tightened) {
        add({
          category: "secret",
          effect: relaxed ? "widened" : "narrowed",
          agent,
          subject: `${name} rotation`,
          summary: `rotation of \`${name}\` ${relaxed ? "relaxed" : "tightened"}: ${describeRotation(x.rotation)} → ${describeRotation(y.rotation)}`,
        });
      }
    }
  }
}

// --- findings --------------------------------------------------------------------------------------

function diffFindings(before: readonly Finding[], after: readonly Finding[], add: (c: DiffChange) => void): void {
  // By rule and subject: a finding whose wording changed is the same finding, not a new error.
  diffFindingSets(before, after, add);
}

function union<T>(a: Iterable<T>, b: Iterable<T>): T[] {
  return [...new Set([...a, ...b])].sort();
}

// --- rendering -------------------------------------------------------------------------------------

function headline(d: PlanDiff): string {
  if (d.changes.length === 0) return "no semantic changes";
  return `${d.counts.widened} widened, ${d.counts.narrowed} narrowed, ${d.counts.changed} changed`;
}

/** Plain text for terminals and CI logs. */
export function renderDiffText(d: PlanDiff): string {
  const lines = [`airlock diff: ${headline(d)}${d.widened ? " — review required" : ""}`];
  const mark: Record<DiffEffect, string> = { widened: "+", narrowed: "-", changed: "~" };
  for (const effect of EFFECT_ORDER) {
    const cs = d.changes.filter((c) => c.effect === effect);
    if (cs.length === 0) continue;
    lines.push("", `${effect.toUpperCase()} (${cs.length})`);
    for (const c of cs) lines.push(`  ${mark[effect]} [${c.category}]${c.agent ? ` ${c.agent}:` : ""} ${c.summary.replace(/`/g, "")}`);
  }
  return lines.join("\n");
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Markdown for a pull-request comment: a summary and one table per effect. */
export function renderDiffMarkdown(d: PlanDiff): string {
  const lines = ["### Airlock plan diff", ""];
  if (d.changes.length === 0) {
    lines.push("No semantic changes: permissions, egress, secrets, approvals and findings are the same.");
    return lines.join("\n");
  }
  lines.push(d.widened ? `**${headline(d)}.** This change widens what the agent can do: a reviewer must approve it.` : `${headline(d)}. Nothing widens.`);
  const title: Record<DiffEffect, string> = { widened: "Widened", narrowed: "Narrowed", changed: "Changed" };
  for (const effect of EFFECT_ORDER) {
    const cs = d.changes.filter((c) => c.effect === effect);
    if (cs.length === 0) continue;
    lines.push("", `#### ${title[effect]} (${cs.length})`, "", "| Agent | Kind | Change |", "| --- | --- | --- |");
    for (const c of cs) lines.push(`| ${cell(c.agent || "—")} | ${c.category} | ${cell(c.summary)} |`);
  }
  return lines.join("\n");
}

/** JSON for machines: the PlanDiff itself. */
export function renderDiffJson(d: PlanDiff): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
