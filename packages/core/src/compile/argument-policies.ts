/**
 * Risk lines' conditions on arguments (`riskLines.<type>.when`) compiled to Cedar: one policy set
 * per agent, one policy per rule. The principal is the agent (`Airlock::Agent::"<agent>"`), the
 * action the tool (`Airlock::Action::"<tool>"`, every tool of the line's action type), the resource
 * the action type (`Airlock::ActionType::"<type>"`, not constrained), and the context the call's
 * arguments (only the paths the conditions name, as the runtime builds it). A `forbid` rule is a
 * Cedar `forbid`; `allow`, `approve` and `always-approve` are `permit`s. Every policy carries
 * `@id` (the rule's place in the manifest), `@decision` (what it decides) and `@condition` (the
 * rule in words), so the runtime reads which rules matched from Cedar's diagnostics.
 *
 * The text is deterministic: lines sorted by action type, rules in manifest order, arguments
 * sorted by path, comparisons in {@link CONDITION_OPS} order, strings escaped so that every
 * character outside printable ASCII shows as `\u{…}` (a lookalike domain cannot hide in it).
 * Pure: no Cedar library here (core stays dependency-light); the runtime parses and evaluates it,
 * and core's tests check that `@cedar-policy/cedar-wasm` parses it.
 */
import { CONDITION_OPS, type ConditionOp, type ConditionRule, type ConditionValue } from "../manifest/arguments.ts";
import type { Manifest } from "../manifest/schema.ts";
import { CEDAR_ANNOTATIONS, CEDAR_ENTITY_TYPES } from "../contracts/cedar.ts";
import type { ArgumentCondition } from "./model.ts";

const CEDAR_TYPES = CEDAR_ENTITY_TYPES;
const A = CEDAR_ANNOTATIONS;

/** A risk line's compiled conditions, and the tools (by name, sorted) they apply to. */
export interface LineConditions {
  readonly actionType: string;
  readonly tools: readonly string[];
  readonly conditions: readonly ArgumentCondition[];
}

const CEDAR_RESERVED = new Set(["true", "false", "if", "then", "else", "in", "is", "like", "has", "principal", "action", "resource", "context", "permit", "forbid", "when", "unless"]);

/** A Cedar string literal: `\`, `"` (and `*` in a `like` pattern) escaped, everything outside printable ASCII as `\u{…}`. */
export function cedarString(s: string, like = false): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (like && ch === "*") out += "\\*";
    else if (cp < 0x20 || cp > 0x7e) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
  }
  return `"${out}"`;
}

function literal(v: ConditionValue): string {
  if (Array.isArray(v)) return `[${v.map((x) => literal(x)).join(", ")}]`;
  if (typeof v === "string") return cedarString(v);
  return String(v);
}

/** `context.amount_cents`, or `context["a-b"]` for a name Cedar's `.` does not take. */
export function cedarAccess(path: string): string {
  return path.split(".").reduce((acc, seg) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg) && !CEDAR_RESERVED.has(seg) ? `${acc}.${seg}` : `${acc}[${cedarString(seg)}]`), "context");
}

const WORDS: Readonly<Record<ConditionOp, string>> = { eq: "==", ne: "!=", lt: "<", lte: "<=", gt: ">", gte: ">=", in: "in", notIn: "not in", startsWith: "starts with", endsWith: "ends with" };

/** The comparisons of a rule, in their canonical order: paths sorted, operators in `CONDITION_OPS` order. */
function comparisons(rule: ConditionRule): [string, ConditionOp, ConditionValue][] {
  const out: [string, ConditionOp, ConditionValue][] = [];
  for (const path of Object.keys(rule.if).sort()) {
    const c = rule.if[path]!;
    for (const op of CONDITION_OPS) if (c[op] !== undefined) out.push([path, op, c[op]!]);
  }
  return out;
}

/** A rule's test in words: `amount_cents > 10000 and to ends with "@acme.example.com"`. */
export function describeCondition(rule: ConditionRule): string {
  return comparisons(rule)
    .map(([path, op, v]) => `${path} ${WORDS[op]} ${literal(v)}`)
    .join(" and ");
}

function cedarTest(path: string, op: ConditionOp, v: ConditionValue): string {
  const x = cedarAccess(path);
  switch (op) {
    case "eq":
      return `${x} == ${literal(v)}`;
    case "ne":
      return `${x} != ${literal(v)}`;
    case "lt":
      return `${x} < ${literal(v)}`;
    case "lte":
      return `${x} <= ${literal(v)}`;
    case "gt":
      return `${x} > ${literal(v)}`;
    case "gte":
      return `${x} >= ${literal(v)}`;
    case "in":
      return `${literal(v)}.contains(${x})`;
    case "notIn":
      return `!(${literal(v)}.contains(${x}))`;
    case "startsWith":
      return `${x} like ${cedarString(String(v), true).slice(0, -1)}*"`;
    case "endsWith":
      return `${x} like "*${cedarString(String(v), true).slice(1)}`;
  }
}

/** Each risk line's conditions with the tools they apply to, sorted by action type; lines without `when` are left out. */
export function compileConditions(m: Manifest): LineConditions[] {
  const out: LineConditions[] = [];
  for (const actionType of Object.keys(m.riskLines).sort()) {
    const line = m.riskLines[actionType]!;
    if (typeof line === "string" || line.when === undefined) continue;
    out.push({
      actionType,
      tools: m.tools.filter((t) => t.actionType === actionType).map((t) => t.name).sort(),
      conditions: line.when.map((rule, k) => ({ id: `${actionType}.when[${k}]`, if: rule.if, then: rule.then, summary: describeCondition(rule) })),
    });
  }
  return out;
}

/** One rule as a Cedar policy. */
function policyText(agent: string, line: LineConditions, c: ArgumentCondition): string {
  const actions = line.tools.map((t) => `${CEDAR_TYPES.action}::${cedarString(t)}`);
  const action = actions.length === 1 ? `action == ${actions[0]}` : `action in [${actions.join(", ")}]`;
  const tests = comparisons(c).map(([p, op, v]) => cedarTest(p, op, v));
  return [
    `@${A.id}(${cedarString(c.id)})`,
    `@${A.decision}(${cedarString(c.then)})`,
    `@${A.condition}(${cedarString(c.summary)})`,
    `${c.then === "forbid" ? "forbid" : "permit"} (`,
    `  principal == ${CEDAR_TYPES.agent}::${cedarString(agent)},`,
    `  ${action},`,
    "  resource",
    ")",
    `when { ${tests.join(" && ")} };`,
  ].join("\n");
}

/** The agent's argument policies as one Cedar policy set (text ending in a newline), or undefined when no line has conditions. */
export function argumentPolicyText(agent: string, lines: readonly LineConditions[]): string | undefined {
  const policies = lines.flatMap((l) => l.conditions.map((c) => policyText(agent, l, c)));
  return policies.length === 0 ? undefined : `${policies.join("\n\n")}\n`;
}
