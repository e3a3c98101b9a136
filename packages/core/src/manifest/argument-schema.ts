/**
 * The schemas of a tool's declared input (`tools[].input`, a JSON Schema subset) and of a risk
 * line's conditions on those arguments (`riskLines.<type>.when`). The checks that need both (an
 * argument a condition names exists in every tool of that action type, with a type the comparison
 * takes) are in `validate-arguments.ts`.
 */
import { z } from "zod";
import { ARGUMENT_NAME, ARGUMENT_OUTCOMES, ARGUMENT_PATH, STRING_FORMATS, type ArgumentSchema, type ConditionRule, type ToolInput } from "./arguments.ts";

const description = z.string().optional().describe("What the argument means, for the model and for reviewers, e.g. `The refund in cents.`");
const names = z
  .string()
  .regex(ARGUMENT_NAME, { message: "must be a property name: a letter or `_`, then letters, digits, `_` or `-`, at most 64 characters" })
  .describe("A property (argument) name: a letter or `_`, then letters, digits, `_` or `-`, at most 64 characters, e.g. `amount_cents`.");

const StringArgumentSchema = z
  .strictObject({
    type: z.literal("string").describe("`string`."),
    description,
    enum: z.array(z.string().describe("An allowed value.")).min(1).optional().describe("The only values allowed, e.g. `[low, normal, high]`."),
    pattern: z
      .string()
      .optional()
      .describe("A regular expression (ECMAScript, unanchored unless it says `^…$`) the value must match, e.g. one e-mail address: `^[^@\\s,;<>]+@[^@\\s,;<>]+$`."),
    minLength: z.int().min(0).optional().describe("The fewest characters allowed."),
    maxLength: z.int().min(0).optional().describe("The most characters allowed, e.g. `5000` for an e-mail body."),
    format: z.enum(STRING_FORMATS).optional().describe(`A JSON Schema format: ${STRING_FORMATS.map((f) => `\`${f}\``).join(", ")}. A validator may not check it; use \`pattern\` where a condition relies on the shape.`),
  })
  .describe("A string argument: `enum`, `pattern`, `minLength`, `maxLength`, `format`.");

const IntegerArgumentSchema = z
  .strictObject({
    type: z.literal("integer").describe("`integer`: a whole number (amounts in minor units, e.g. cents). Conditions compare only whole numbers."),
    description,
    enum: z.array(z.int().describe("An allowed value.")).min(1).optional().describe("The only values allowed."),
    minimum: z.int().optional().describe("The smallest value allowed, e.g. `1`."),
    maximum: z.int().optional().describe("The largest value allowed."),
  })
  .describe("A whole-number argument: `enum`, `minimum`, `maximum`.");

const NumberArgumentSchema = z
  .strictObject({
    type: z.literal("number").describe("`number`: any number. Conditions cannot compare it (Cedar has whole numbers only): declare amounts `integer` in minor units."),
    description,
    enum: z.array(z.number().describe("An allowed value.")).min(1).optional().describe("The only values allowed."),
    minimum: z.number().optional().describe("The smallest value allowed."),
    maximum: z.number().optional().describe("The largest value allowed."),
  })
  .describe("A number argument: `enum`, `minimum`, `maximum`.");

const BooleanArgumentSchema = z
  .strictObject({ type: z.literal("boolean").describe("`boolean`: `true` or `false`."), description })
  .describe("A true/false argument.");

// Arrays and objects hold arguments again (the getters make the schema recursive).
const ArrayArgumentSchema = z
  .strictObject({
    type: z.literal("array").describe("`array`: a list."),
    description,
    get items(): z.ZodType<ArgumentSchema> {
      return ArgumentSchemaSchema;
    },
    maxItems: z.int().min(0).optional().describe("The most items allowed."),
  })
  .describe("A list argument: `items` (the schema of each item, required), `maxItems`.")
  .meta({ id: "arrayArgument" });

const ObjectArgumentSchema = z
  .strictObject({
    type: z.literal("object").describe("`object`: a mapping of typed properties."),
    description,
    get properties(): z.ZodType<Record<string, ArgumentSchema>> {
      return z.record(names, ArgumentSchemaSchema).describe("The object's properties, by name.");
    },
    required: z.array(names).default([]).describe("The properties a value must have. Default: none."),
    additionalProperties: z.boolean().default(false).describe("Whether properties not listed are allowed. Default: `false`."),
  })
  .describe("An object argument: `properties`, `required`, `additionalProperties` (default `false`).")
  .meta({ id: "objectArgument" });

/** One declared argument, by its `type`. */
const ArgumentSchemaSchema: z.ZodType<ArgumentSchema> = z
  .discriminatedUnion("type", [StringArgumentSchema, IntegerArgumentSchema, NumberArgumentSchema, BooleanArgumentSchema, ArrayArgumentSchema, ObjectArgumentSchema])
  .describe("One argument: its `type` (`string`, `integer`, `number`, `boolean`, `array`, `object`) and the keywords that type takes.")
  .meta({ id: "argument" });

/** `tools[].input`: the tool's arguments, a JSON Schema subset. */
export const ToolInputSchema: z.ZodType<ToolInput, unknown> = z
  .strictObject({
    type: z.literal("object", { message: "must be `object`: a tool takes a mapping of named arguments" }).describe("`object`: a tool's arguments are a mapping of named properties."),
    description,
    properties: z
      .record(names, ArgumentSchemaSchema.describe("One argument: its `type` and the keywords that type takes, e.g. `{ type: integer, minimum: 1, description: The refund in cents. }`."))
      .describe("The tool's arguments by name, each with its `type` and constraints, e.g. `{ amount_cents: { type: integer, minimum: 1 } }`."),
    required: z.array(names).default([]).describe("The arguments every call must give; a condition may only name required arguments. Default: none."),
    additionalProperties: z.boolean().default(false).describe("Whether a call may pass arguments not listed in `properties`. Default: `false` (refused)."),
  })
  .describe(
    "The tool's arguments as a JSON Schema (a subset read the same by draft 2020-12 and draft-07): `type: object`, `properties` (each `string`, `integer`, `number`, `boolean`, `array` or `object`, with `enum`, `pattern`, `minimum`, `maximum`, `minLength`, `maxLength`, `format`), `required` and `additionalProperties` (default `false`). The runtime validates every call's arguments against it before the call runs, and the risk line's `when` conditions may name these arguments. Default: none declared.",
  );

const scalar = z
  .union([z.string().describe("A string."), z.int().describe("A whole number."), z.boolean().describe("`true` or `false`.")])
  .describe("A string, a whole number or a boolean, of the argument's type.");
const list = z
  .array(z.union([z.string().describe("A string."), z.int().describe("A whole number.")]).describe("A string or a whole number, of the argument's type."))
  .min(1)
  .describe("A list of at least one value of the argument's type.");
const whole = (what: string) => z.int().optional().describe(`The argument (an \`integer\`) is ${what} this number.`);
const affix = (where: string) =>
  z
    .string()
    .min(1)
    .optional()
    .describe(`The argument (a \`string\`) ${where} this text, compared exactly (case matters), e.g. \`"@example.com"\`. An \`allow\` rule using it needs the argument to have a \`pattern\` or \`enum\` (so that one address is one address).`);

/** The comparisons on one argument; every one given must hold. */
export const ComparisonSchema = z
  .strictObject({
    eq: scalar.optional().describe("The argument equals this value."),
    ne: scalar.optional().describe("The argument does not equal this value."),
    lt: whole("less than"),
    lte: whole("at most"),
    gt: whole("more than"),
    gte: whole("at least"),
    in: list.optional().describe("The argument is one of these values (strings or whole numbers)."),
    notIn: list.optional().describe("The argument is none of these values (strings or whole numbers)."),
    startsWith: affix("starts with"),
    endsWith: affix("ends with"),
  })
  .refine((c) => Object.keys(c).length > 0, { message: "give at least one comparison: eq, ne, lt, lte, gt, gte, in, notIn, startsWith or endsWith" })
  .describe(
    "Comparisons on one argument, all of which must hold: `eq`, `ne` (strings, whole numbers, booleans), `lt`, `lte`, `gt`, `gte` (whole numbers), `in`, `notIn` (a list), `startsWith`, `endsWith` (strings). E.g. `{ gt: 20000 }`.",
  );

const ConditionIfSchema = z
  .record(
    z
      .string()
      .regex(ARGUMENT_PATH, { message: "must be an argument path: property names joined by `.`, e.g. `amount_cents` or `recipient.email`" })
      .describe("An argument path: a property of the tool's `input`, or `.`-joined names into an object argument, e.g. `recipient.email`."),
    ComparisonSchema,
  )
  .refine((c) => Object.keys(c).length > 0, { message: "name at least one argument, e.g. `{ amount_cents: { gt: 20000 } }`" })
  .describe("The arguments the rule looks at and the comparisons on each; the rule matches a call when every comparison holds. E.g. `{ amount_cents: { gt: 20000 } }`.");

/** One rule of a risk line's `when`. */
export const ConditionRuleSchema: z.ZodType<ConditionRule, unknown> = z
  .strictObject({
    if: ConditionIfSchema,
    then: z
      .enum(ARGUMENT_OUTCOMES, { message: "must be `allow`, `approve`, `always-approve` or `forbid` (a condition's `allow` is the tier `auto`)" })
      .describe(
        "What a call this rule matches does: `allow` (runs without a person, as the tier `auto`), `approve`, `always-approve` (waits for an approver) or `forbid` (refused; no one is asked). A `money` or `mass-communication` line can never `allow`, and an `always-approve` line can only `always-approve` or `forbid`.",
      ),
  })
  .describe("A condition: `if` the call's arguments match, `then` this outcome.");

/** `riskLines.<type>.when`. */
export const ConditionsSchema = z
  .array(ConditionRuleSchema)
  .min(1)
  .describe(
    "Conditions on the arguments of the tools with this action type, e.g. `[{ if: { amount_cents: { gt: 20000 } }, then: forbid }]`. Every rule a call matches applies and the strictest outcome wins (`forbid` > `always-approve` > `approve` > `allow`), whatever their order; a call no rule matches gets the line's `tier`. An argument a rule names must be a required argument of each such tool's `input`, of a type the comparison takes. Compiled to Cedar policies (one per rule, in the agent's policy set), which the runtime evaluates on every call of those tools; an evaluation error (a missing or mistyped argument) refuses the call.",
  );
