/**
 * Arguments against a tool's declared `input` JSON Schema, with ajv. Every schema is compiled once,
 * when the guard is made (an invalid schema stops the agent from starting), and the compiled
 * validators are kept by tool name. A schema that names draft 2020-12 in `$schema` is compiled
 * as 2020-12, any other as draft-07; the common `format`s (email, uri, date-time, uuid, …) are
 * checked. Nothing is coerced or defaulted: the arguments validated are the arguments run.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import * as ajvFormats from "ajv-formats";
import type { FormatsPlugin } from "ajv-formats";
import { AirlockRuntimeError } from "./errors.ts";
import type { GuardedTool } from "./model.ts";

// ajv-formats is CommonJS with a default export: under `import` its namespace's `default` is the
// plugin; under `require` (the built package) the module is the plugin and `default` too.
const addFormats = (typeof ajvFormats.default === "function" ? ajvFormats.default : ajvFormats) as unknown as FormatsPlugin;

const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;

/** One way the arguments miss the schema: the field (a dotted path) and what is wrong with it. */
export interface InputProblem {
  /** `recipient.email`, `items[2].sku`, or `(arguments)` for the arguments as a whole. */
  readonly field: string;
  readonly message: string;
}

/** A dotted path from an ajv instance path (`/items/2/sku` → `items[2].sku`). */
function fieldOf(instancePath: string, child?: string): string {
  const parts = instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (child !== undefined) parts.push(child);
  let out = "";
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === "" ? p : `.${p}`;
  return out === "" ? "(arguments)" : out;
}

function problemOf(e: ErrorObject): InputProblem {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === "required" && typeof params.missingProperty === "string") return { field: fieldOf(e.instancePath, params.missingProperty), message: "is required" };
  if (e.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
    return { field: fieldOf(e.instancePath, params.additionalProperty), message: "is not an argument of this tool" };
  }
  if (e.keyword === "enum" && Array.isArray(params.allowedValues)) {
    return { field: fieldOf(e.instancePath), message: `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}` };
  }
  return { field: fieldOf(e.instancePath), message: e.message ?? `fails \`${e.keyword}\`` };
}

/** The compiled validators of a model's tools, by tool name (tools without `input` have none). */
export class InputValidators {
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(tools: readonly GuardedTool[], onWarning: (message: string) => void = (m) => console.warn(m)) {
    const logger = { log: () => {}, warn: (...a: unknown[]) => onWarning(`airlock runtime: input schema: ${a.map(String).join(" ")}`), error: (...a: unknown[]) => onWarning(a.map(String).join(" ")) };
    const options = { allErrors: true, strict: false, coerceTypes: false, useDefaults: false, logger } as const;
    let draft07: Ajv | undefined;
    let draft2020: Ajv2020 | undefined;
    const problems: string[] = [];
    for (const tool of tools) {
      if (tool.input === undefined) continue;
      const is2020 = typeof tool.input.$schema === "string" && DRAFT_2020.test(tool.input.$schema);
      const ajv = is2020 ? (draft2020 ??= addFormats(new Ajv2020(options))) : (draft07 ??= addFormats(new Ajv(options)));
      try {
        this.#validators.set(tool.name, ajv.compile(tool.input));
      } catch (e) {
        problems.push(`\`tools.${tool.name}.input\`: ${(e as Error).message}`);
      }
    }
    if (problems.length > 0) throw new AirlockRuntimeError(`the shipped model's input schemas do not compile:\n  ${problems.join("\n  ")}`);
  }

  /** Whether `tool` declares an input schema. */
  has(tool: string): boolean {
    return this.#validators.has(tool);
  }

  /** The ways `args` miss `tool`'s schema; empty when they match or the tool declares none. */
  check(tool: string, args: unknown): readonly InputProblem[] {
    const validate = this.#validators.get(tool);
    if (validate === undefined || validate(args)) return [];
    return (validate.errors ?? []).map(problemOf);
  }
}
