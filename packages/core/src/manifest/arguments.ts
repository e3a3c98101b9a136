/**
 * The vocabulary of a tool's arguments, as plain constants and types (no zod, so the package's main
 * entry can export them; the zod schemas are in `argument-schema.ts`):
 *
 * - `tools[].input`: the tool's declared input, a JSON Schema subset (an object of typed
 *   properties) that the runtime validates each call's arguments against and hands the model as the
 *   tool's input schema;
 * - `riskLines.<type>.when`: conditions on those arguments, each `{ if, then }`, that the compiler
 *   turns into the tool's Cedar policy (`compile/argument-policies.ts`).
 */
import type { RiskClass, Tier } from "./vocabulary.ts";

/** The JSON types a declared argument may have. */
export const ARGUMENT_TYPES = ["string", "integer", "number", "boolean", "array", "object"] as const;
/** A declared argument's JSON type, one of {@link ARGUMENT_TYPES}. */
export type ArgumentType = (typeof ARGUMENT_TYPES)[number];

/** The `format`s a string argument may declare (JSON Schema's names). */
export const STRING_FORMATS = ["email", "uri", "hostname", "uuid", "date", "date-time", "ipv4", "ipv6"] as const;
/** A string argument's `format`, one of {@link STRING_FORMATS}. */
export type StringFormat = (typeof STRING_FORMATS)[number];

/** A property name of a tool's input: a letter or `_`, then letters, digits, `_` or `-`, at most 64. */
export const ARGUMENT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** An argument path in a condition: property names joined by `.` (`amount_cents`, `recipient.email`). */
export const ARGUMENT_PATH = /^[A-Za-z_][A-Za-z0-9_-]{0,63}(\.[A-Za-z_][A-Za-z0-9_-]{0,63})*$/;

interface ArgumentBase {
  readonly description?: string;
}
/** A string argument. */
export interface StringArgument extends ArgumentBase {
  readonly type: "string";
  readonly enum?: readonly string[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly format?: StringFormat;
}
/** A whole-number argument. */
export interface IntegerArgument extends ArgumentBase {
  readonly type: "integer";
  readonly enum?: readonly number[];
  readonly minimum?: number;
  readonly maximum?: number;
}
/** A number argument (conditions cannot compare it: Cedar has whole numbers only). */
export interface NumberArgument extends ArgumentBase {
  readonly type: "number";
  readonly enum?: readonly number[];
  readonly minimum?: number;
  readonly maximum?: number;
}
/** A true/false argument. */
export interface BooleanArgument extends ArgumentBase {
  readonly type: "boolean";
}
/** A list argument. */
export interface ArrayArgument extends ArgumentBase {
  readonly type: "array";
  readonly items: ArgumentSchema;
  readonly maxItems?: number;
}
/** An object argument: typed properties, like the input itself. */
export interface ObjectArgument extends ArgumentBase {
  readonly type: "object";
  readonly properties: Readonly<Record<string, ArgumentSchema>>;
  readonly required: readonly string[];
  readonly additionalProperties: boolean;
}
/** One declared argument (a property of `input`), by its `type`. */
export type ArgumentSchema = StringArgument | IntegerArgument | NumberArgument | BooleanArgument | ArrayArgument | ObjectArgument;

/**
 * A tool's declared input (`tools[].input`) after defaults: a JSON Schema object (draft 2020-12
 * and draft-07 read these keywords alike) that a validator and the model's tool-use API take as it is.
 */
export interface ToolInput extends ArgumentBase {
  readonly type: "object";
  readonly properties: Readonly<Record<string, ArgumentSchema>>;
  /** @default - none required */
  readonly required: readonly string[];
  /** @default - false: an argument the input does not declare is refused */
  readonly additionalProperties: boolean;
}

/** The comparisons a condition may make on an argument. */
export const CONDITION_OPS = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "notIn", "startsWith", "endsWith"] as const;
/** A comparison of a condition, one of {@link CONDITION_OPS}. */
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** Which comparisons each argument type takes (`number`, `array` and `object` arguments take none). */
export const OPS_BY_TYPE: Readonly<Record<"string" | "integer" | "boolean", readonly ConditionOp[]>> = {
  string: ["eq", "ne", "in", "notIn", "startsWith", "endsWith"],
  integer: ["eq", "ne", "lt", "lte", "gt", "gte", "in", "notIn"],
  boolean: ["eq", "ne"],
};
/** The argument types a condition can compare. */
export type ComparableType = keyof typeof OPS_BY_TYPE;

/**
 * What a condition decides for a call it matches: `allow` (runs without a person: the tier `auto`),
 * `approve`, `always-approve` (tiers), or `forbid` (refused, no one is asked). The runtime's
 * `PolicyDecision` says the same words.
 */
export const ARGUMENT_OUTCOMES = ["allow", "approve", "always-approve", "forbid"] as const;
/** A call's outcome under its tool's argument policy, one of {@link ARGUMENT_OUTCOMES}. */
export type ArgumentOutcome = (typeof ARGUMENT_OUTCOMES)[number];

/** A value a condition compares with: a string, a whole number or a boolean, or a list for `in`/`notIn`. */
export type ConditionValue = string | number | boolean | readonly (string | number)[];

/** One rule of `riskLines.<type>.when` as the manifest writes it. */
export interface ConditionRule {
  /** Argument path → comparisons; every comparison of every argument must hold. */
  readonly if: Readonly<Record<string, Readonly<Partial<Record<ConditionOp, ConditionValue>>>>>;
  readonly then: ArgumentOutcome;
}

/** How strict each outcome is: the strictest outcome among the rules a call matches is its outcome. */
export const OUTCOME_RANK: Readonly<Record<ArgumentOutcome, number>> = { allow: 0, approve: 1, "always-approve": 2, forbid: 3 };

/**
 * The loosest outcome a condition may give on a line: `always-approve` on an `always-approve`
 * line, `approve` on a line with a risk class (`money`, `mass-communication`), else `allow`. The
 * same floors as the runtime's `combineVerdicts`, which would raise a looser verdict to them; the
 * manifest refuses such a rule instead of letting it say what will not happen.
 */
export function outcomeFloor(tier: Tier, riskClass: RiskClass | undefined): Exclude<ArgumentOutcome, "forbid"> {
  if (tier === "always-approve") return "always-approve";
  return riskClass !== undefined ? "approve" : "allow";
}

/**
 * Argument names a condition or input may not use: they name JavaScript's object machinery, so a
 * value read at such a name could come from a prototype rather than the call's arguments.
 */
export const RESERVED_ARGUMENT_NAMES: readonly string[] = ["__proto__", "constructor", "prototype"];
