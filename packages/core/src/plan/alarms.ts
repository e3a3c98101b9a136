/**
 * The alarms of a plan, per agent, and which of them roll a release back: read from the planned
 * resources (each agent alarm's `airlock:alarm` tag says what it watches; the agent's ECS service's
 * `alarms` says which are its deployment alarms), so `airlock plan`, its JSON and the runbook show
 * the same list. A deployment alarm that trips while a release deploys or bakes fails the
 * deployment and ECS returns to the last completed one (ECS_DEPLOYMENT_ALARM_FACTS).
 */
import { ALARM_SIGNALS, TAGS, type AlarmSignal } from "../contracts/index.ts";
import type { PlannedResource } from "./plan.ts";

/** One alarm of an agent in a plan. */
export interface PlannedAlarm {
  /** The agent the alarm watches (its `airlock:agent` tag). */
  readonly agent: string;
  /** The alarm's name (CloudWatch `AlarmName`). */
  readonly name: string;
  /** What it watches (`airlock:alarm`), or `other` for an alarm without the tag (pending approvals, secret age). */
  readonly signal: AlarmSignal | "other";
  /** The tool of a per-tool alarm. */
  readonly tool?: string;
  /** Whether it is one of the agent's service's deployment alarms, used with rollback. */
  readonly rollsBack: boolean;
  /** The alarm's description as planned. */
  readonly description?: string;
}

const SIGNALS = new Set<string>(Object.values(ALARM_SIGNALS));
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const tagsOf = (r: PlannedResource): Record<string, unknown> => (r.inputs.tags as Record<string, unknown> | undefined) ?? {};

/** The names each agent's service rolls back on: its `alarms.alarmNames` when `enable` and `rollback` are both on. */
function rollbackNames(resources: readonly PlannedResource[]): Map<string, Set<string>> {
  const byAgent = new Map<string, Set<string>>();
  for (const r of resources) {
    if (r.type !== "aws:ecs/service:Service") continue;
    const agent = str(tagsOf(r)[TAGS.agent]);
    const alarms = r.inputs.alarms as { alarmNames?: unknown; enable?: unknown; rollback?: unknown } | undefined;
    if (agent === undefined || alarms === undefined || alarms.enable !== true || alarms.rollback !== true || !Array.isArray(alarms.alarmNames)) continue;
    const names = byAgent.get(agent) ?? new Set<string>();
    for (const n of alarms.alarmNames) if (typeof n === "string") names.add(n);
    byAgent.set(agent, names);
  }
  return byAgent;
}

/**
 * Every agent alarm of a plan with what it watches and whether it rolls back, sorted by agent,
 * then the alarms that roll back first, then by name.
 *
 * @param resources - the plan's resources
 * @returns one row per alarm tagged with an agent
 */
export function plannedAlarms(resources: readonly PlannedResource[]): PlannedAlarm[] {
  const rollback = rollbackNames(resources);
  const rows: PlannedAlarm[] = [];
  for (const r of resources) {
    if (r.type !== "aws:cloudwatch/metricAlarm:MetricAlarm") continue;
    const tags = tagsOf(r);
    const agent = str(tags[TAGS.agent]);
    const name = str(r.inputs.name);
    if (agent === undefined || name === undefined) continue;
    const tag = str(tags[TAGS.alarm]);
    const [signal, tool] = tag === undefined ? [undefined, undefined] : [tag.split(":")[0]!, tag.includes(":") ? tag.slice(tag.indexOf(":") + 1) : undefined];
    const description = str(r.inputs.alarmDescription);
    rows.push({
      agent,
      name,
      signal: signal !== undefined && SIGNALS.has(signal) ? (signal as AlarmSignal) : "other",
      ...(tool !== undefined ? { tool } : {}),
      rollsBack: rollback.get(agent)?.has(name) ?? false,
      ...(description !== undefined ? { description } : {}),
    });
  }
  return rows.sort((a, b) => a.agent.localeCompare(b.agent) || Number(b.rollsBack) - Number(a.rollsBack) || a.name.localeCompare(b.name));
}

/** What an alarm of each signal watches, in words (the plan's and the runbook's). */
export const ALARM_SIGNAL_WORDS: Readonly<Record<AlarmSignal | "other", string>> = {
  "error-rate": "error rate of all tool and model calls",
  "tool-error-rate": "error rate of one tool",
  "tool-calls": "calls of one tool per hour",
  "cost-per-hour": "model spend per hour",
  "cost-anomaly": "hourly spend above its learned band",
  "task-restarts": "fewer tasks running than desired",
  other: "see its description",
};

/** What one alarm watches, in words: its signal's, with the tool; an untagged alarm's description's first sentence. */
export function watches(a: PlannedAlarm): string {
  if (a.signal === "other") {
    const first = (a.description ?? "").replace(/^[^:]*:\s*/, "").split(/(?<=\.)\s/)[0]?.replace(/\.$/, "") ?? "";
    return first === "" ? ALARM_SIGNAL_WORDS.other : first.length > 100 ? `${first.slice(0, 99)}…` : first;
  }
  return `${ALARM_SIGNAL_WORDS[a.signal]}${a.tool !== undefined ? `: ${a.tool}` : ""}`;
}

/**
 * The plan's text lines for one agent's alarms: each alarm, what it watches, and `rolls back` or
 * `notifies`.
 */
export function renderPlannedAlarms(agent: string, alarms: readonly PlannedAlarm[]): string[] {
  const own = alarms.filter((a) => a.agent === agent);
  if (own.length === 0) return [];
  const rollsBack = own.filter((a) => a.rollsBack).length;
  const lines = [`Alarms of ${agent} (${rollsBack} of ${own.length} roll a release back: ECS fails a deployment that trips one and returns to the last completed one):`];
  for (const a of own) lines.push(`  ${a.rollsBack ? "ROLLS BACK" : "notifies  "}  ${a.name}  (${watches(a)})`);
  return lines;
}

/** One change to an agent's alarms between two plans (`airlock diff`'s `alarm` rows). */
export interface AlarmChange {
  /** `widened` when a safety net goes (an alarm no longer rolls back), `narrowed` when one comes. */
  readonly effect: "widened" | "narrowed" | "changed";
  readonly agent: string;
  readonly subject: string;
  readonly summary: string;
}

/**
 * The alarms' changes from one plan to the next: a deployment alarm that stops rolling back, or
 * goes, is a widening (a bad release would stay), one that starts rolling back a narrowing, and an
 * alarm that only notifies coming or going a change. Plans without `alarms` are read from their resources.
 */
export function diffAlarms(before: { readonly resources: readonly PlannedResource[]; readonly alarms?: readonly PlannedAlarm[] }, after: typeof before): AlarmChange[] {
  const key = (a: PlannedAlarm) => `${a.agent}\u0000${a.name}`;
  const was = new Map((before.alarms ?? plannedAlarms(before.resources)).map((a) => [key(a), a]));
  const now = new Map((after.alarms ?? plannedAlarms(after.resources)).map((a) => [key(a), a]));
  const out: AlarmChange[] = [];
  for (const [k, a] of was) {
    const b = now.get(k);
    const subject = `alarm ${a.name}`;
    if (b === undefined) {
      out.push({ effect: a.rollsBack ? "widened" : "changed", agent: a.agent, subject, summary: `alarm \`${a.name}\` (${watches(a)}) removed${a.rollsBack ? "; it rolled a bad release back" : ""}` });
    } else if (a.rollsBack && !b.rollsBack) {
      out.push({ effect: "widened", agent: a.agent, subject, summary: `alarm \`${a.name}\` (${watches(a)}) no longer rolls a release back; it only notifies` });
    } else if (!a.rollsBack && b.rollsBack) {
      out.push({ effect: "narrowed", agent: a.agent, subject, summary: `alarm \`${a.name}\` (${watches(b)}) now rolls a release back` });
    }
  }
  for (const [k, b] of now) {
    if (!was.has(k)) out.push({ effect: b.rollsBack ? "narrowed" : "changed", agent: b.agent, subject: `alarm ${b.name}`, summary: `alarm \`${b.name}\` (${watches(b)}) added${b.rollsBack ? "; it rolls a bad release back" : ""}` });
  }
  return out;
}
