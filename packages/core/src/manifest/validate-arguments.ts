/**
 * The checks of tools' declared inputs (`tools[].input`) and of risk lines' conditions on them
 * (`riskLines.<type>.when`) that need more than one field: a required argument is declared, a
 * pattern is a regular expression the runtime can use, a condition names a required argument of
 * every tool of its action type with a type its comparison takes, and no condition loosens a line
 * below the runtime's floors (`outcomeFloor`: money and mass communication always ask, an
 * `always-approve` line always asks).
 */
import { formatPath, type ProblemList } from "../errors.ts";
import {
  OPS_BY_TYPE,
  OUTCOME_RANK,
  RESERVED_ARGUMENT_NAMES,
  outcomeFloor,
  type ArgumentSchema,
  type ComparableType,
  type ConditionOp,
  type ConditionRule,
  type ObjectArgument,
  type ToolInput,
} from "./arguments.ts";
import type { Manifest, ToolSpec } from "./schema.ts";
import type { RiskClass, Tier } from "./vocabulary.ts";

type Path = (string | number)[];
type ObjectLike = ToolInput | ObjectArgument;

/** Checks every tool's `input` and every risk line's `when`; adds each problem at its field. */
export function checkArguments(m: Manifest, problems: ProblemList): void {
  m.tools.forEach((t, i) => {
    if (t.input !== undefined) checkObject(t.input, ["tools", i, "input"], problems);
  });
  for (const [type, line] of Object.entries(m.riskLines)) {
    if (typeof line === "string" || line.when === undefined) continue;
    const tools = m.tools.map((t, i) => [t, i] as const).filter(([t]) => t.actionType === type);
    const at: Path = ["riskLines", type, "when"];
    if (tools.length === 0) {
      problems.add(formatPath(at), `no tool has action type \`${type}\`, so these conditions have no arguments to look at; give a tool \`actionType: ${type}\` or remove \`when\``);
      continue;
    }
    line.when.forEach((rule, k) => checkRule(rule, [...at, k], type, line.tier, line.class, tools, problems));
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reserved names in the raw manifest (before the schema, which drops an own `__proto__` key as it
 * copies a mapping): in a tool's `input` at any depth, and in a condition's argument paths.
 */
export function checkReservedArgumentNames(raw: unknown, problems: ProblemList): void {
  if (!isRecord(raw)) return;
  const reserved = (name: string, at: Path) => problems.add(formatPath(at), `\`${name}\` names JavaScript's object machinery, not an argument; rename it`);
  const walk = (schema: unknown, at: Path): void => {
    if (!isRecord(schema)) return;
    if (isRecord(schema.properties)) {
      for (const name of Object.keys(schema.properties)) {
        if (RESERVED_ARGUMENT_NAMES.includes(name)) reserved(name, [...at, "properties", name]);
        else walk(schema.properties[name], [...at, "properties", name]);
      }
    }
    if (schema.items !== undefined) walk(schema.items, [...at, "items"]);
  };
  if (Array.isArray(raw.tools)) raw.tools.forEach((t, i) => isRecord(t) && walk(t.input, ["tools", i, "input"]));
  if (isRecord(raw.riskLines)) {
    for (const [type, line] of Object.entries(raw.riskLines)) {
      if (!isRecord(line) || !Array.isArray(line.when)) continue;
      line.when.forEach((rule, k) => {
        if (!isRecord(rule) || !isRecord(rule.if)) return;
        for (const path of Object.keys(rule.if)) {
          const seg = path.split(".").find((s) => RESERVED_ARGUMENT_NAMES.includes(s));
          if (seg !== undefined) reserved(seg, ["riskLines", type, "when", k, "if", path]);
        }
      });
    }
  }
}

function checkObject(o: ObjectLike, at: Path, problems: ProblemList): void {
  for (const [name, arg] of Object.entries(o.properties)) {
    if (RESERVED_ARGUMENT_NAMES.includes(name)) {
      problems.add(formatPath([...at, "properties", name]), `\`${name}\` names JavaScript's object machinery, not an argument; rename it`);
      continue;
    }
    checkArgument(arg, [...at, "properties", name], problems);
  }
  o.required.forEach((name, k) => {
    if (!Object.hasOwn(o.properties, name)) {
      problems.add(formatPath([...at, "required", k]), `\`${name}\` is not in \`properties\`; declare it there or remove it from \`required\``);
    }
  });
}

function checkArgument(arg: ArgumentSchema, at: Path, problems: ProblemList): void {
  switch (arg.type) {
    case "string":
      if (arg.pattern !== undefined) {
        try {
          new RegExp(arg.pattern, "u");
        } catch (e) {
          problems.add(formatPath([...at, "pattern"]), `is not a regular expression the runtime can use (ECMAScript, with the \`u\` flag): ${(e as Error).message}; fix the expression`);
        }
      }
      if (arg.minLength !== undefined && arg.maxLength !== undefined && arg.minLength > arg.maxLength) {
        problems.add(formatPath([...at, "minLength"]), `${arg.minLength} is more than \`maxLength\` ${arg.maxLength}, so no value is allowed; lower it or raise \`maxLength\``);
      }
      return;
    case "integer":
    case "number":
      if (arg.minimum !== undefined && arg.maximum !== undefined && arg.minimum > arg.maximum) {
        problems.add(formatPath([...at, "minimum"]), `${arg.minimum} is more than \`maximum\` ${arg.maximum}, so no value is allowed; lower it or raise \`maximum\``);
      }
      return;
    case "array":
      checkArgument(arg.items, [...at, "items"], problems);
      return;
    case "object":
      checkObject(arg, at, problems);
      return;
    case "boolean":
      return;
  }
}

/** The argument at a condition's path in one tool's input, or why there is none. */
export function argumentAt(input: ToolInput | undefined, path: string): { arg: ArgumentSchema } | { problem: string } {
  if (input === undefined) return { problem: "declares no `input`" };
  let level: ObjectLike = input;
  const segments = path.split(".");
  for (const [n, seg] of segments.entries()) {
    const shown = segments.slice(0, n + 1).join(".");
    if (RESERVED_ARGUMENT_NAMES.includes(seg) || !Object.hasOwn(level.properties, seg)) return { problem: `has no argument \`${shown}\`` };
    if (!level.required.includes(seg)) return { problem: `does not require \`${shown}\`` };
    const arg: ArgumentSchema = level.properties[seg]!;
    if (n === segments.length - 1) return { arg };
    if (arg.type !== "object") return { problem: `has \`${shown}\` as a \`${arg.type}\`, not an object with properties` };
    level = arg;
  }
  return { problem: `has no argument \`${path}\`` };
}

const VALUE_TYPE: Readonly<Record<ComparableType, (v: unknown) => boolean>> = {
  string: (v) => typeof v === "string",
  integer: (v) => typeof v === "number" && Number.isSafeInteger(v),
  boolean: (v) => typeof v === "boolean",
};

function describe(v: unknown): string {
  return `${JSON.stringify(v)} (${Array.isArray(v) ? "a list" : typeof v === "number" ? "a number" : typeof v === "boolean" ? "a boolean" : "a string"})`;
}

function checkRule(
  rule: ConditionRule,
  at: Path,
  type: string,
  tier: Tier,
  riskClass: RiskClass | undefined,
  tools: readonly (readonly [ToolSpec, number])[],
  problems: ProblemList,
): void {
  const then = rule.then;
  const floor = outcomeFloor(tier, riskClass);
  if (then !== "forbid" && OUTCOME_RANK[then] < OUTCOME_RANK[floor]) {
    const fix =
      floor === "always-approve"
        ? `the line is \`always-approve\`, which always asks a person (the runtime would ask anyway): use \`always-approve\` or \`forbid\`, or lower \`${formatPath(["riskLines", type, "tier"])}\` to \`approve\``
        : `\`${riskClass}\` actions never run without a person (the runtime would ask anyway): use \`approve\`, \`always-approve\` or \`forbid\``;
    problems.add(formatPath([...at, "then"]), `\`${then}\` would loosen this line below its floor; ${fix}`);
  }
  if (then === "approve" || then === "always-approve") {
    for (const [t, i] of tools) {
      if (!t.outward || tier === "auto") {
        problems.add(
          formatPath([...at, "then"]),
          `\`${then}\` needs a person, but tool \`${t.name}\` (tools[${i}]) ${!t.outward ? "is not outward" : "is on an `auto` line"}, so the agent has no approval route for it: ${!t.outward ? "mark the tool `outward: true`, or `forbid` these calls" : `set \`${formatPath(["riskLines", type, "tier"])}\` to \`${then}\` and \`allow\` the calls that may run alone with a rule`}`,
        );
      }
    }
  }
  for (const [path, comparisons] of Object.entries(rule.if)) {
    const here: Path = [...at, "if", path];
    for (const [t, i] of tools) {
      const found = argumentAt(t.input, path);
      if ("problem" in found) {
        problems.add(
          formatPath(here),
          `tool \`${t.name}\` (tools[${i}]) ${found.problem}; a condition names a required argument of every tool with action type \`${type}\`: declare it in \`tools[${i}].input\` (in \`properties\` and \`required\`), or remove it from the condition`,
        );
        continue;
      }
      const arg = found.arg;
      if (arg.type !== "string" && arg.type !== "integer" && arg.type !== "boolean") {
        problems.add(
          formatPath(here),
          `is a \`${arg.type}\` in tool \`${t.name}\` (tools[${i}]); conditions compare \`string\`, \`integer\` and \`boolean\` arguments (declare amounts \`integer\`, in minor units such as cents)`,
        );
        continue;
      }
      const allowed = OPS_BY_TYPE[arg.type];
      for (const [op, value] of Object.entries(comparisons) as [ConditionOp, unknown][]) {
        if (value === undefined) continue;
        const where = formatPath([...here, op]);
        if (!allowed.includes(op)) {
          problems.add(where, `\`${op}\` does not compare a \`${arg.type}\` (\`${path}\` in tool \`${t.name}\`); use one of ${allowed.map((o) => `\`${o}\``).join(", ")}`);
          continue;
        }
        const values = Array.isArray(value) ? value : [value];
        const wrong = values.find((v) => !VALUE_TYPE[arg.type as ComparableType](v));
        if (wrong !== undefined) {
          problems.add(where, `compares \`${path}\`, a \`${arg.type}\` in tool \`${t.name}\`, with ${describe(wrong)}; give ${arg.type === "integer" ? "a whole number" : `a ${arg.type}`}`);
          continue;
        }
        if (then === "allow" && (op === "startsWith" || op === "endsWith") && arg.type === "string" && arg.pattern === undefined && arg.enum === undefined) {
          problems.add(
            where,
            `an \`allow\` rule that looks only at how \`${path}\` ${op === "endsWith" ? "ends" : "starts"} says nothing about the rest of it (\`a@evil.test,b@acme.example.com\` ends with \`@acme.example.com\`): give \`tools[${i}].input\`'s \`${path}\` a \`pattern\` (e.g. \`^[^@\\s,;<>]+@[^@\\s,;<>]+$\` for one address) or an \`enum\``,
          );
        }
      }
    }
  }
}
