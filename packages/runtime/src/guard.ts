/**
 * The tool guard: what the model may call, checked at the moment it asks. Made from the agent's
 * shipped model (checked against the task's release when made), it refuses a tool the manifest
 * does not declare, arguments that miss the tool's declared input schema and a call the argument
 * policy forbids, each as a tool result for the model and a trace line; a call it lets through
 * either runs now or waits for a person (the human checkpoint).
 */
import { join } from "node:path";
import type { CallWrapper } from "@airlock/trace";
import { checkModelHash, MODEL_FILE, readShippedModel, type GuardedTool, type ModelHashSource, type ShippedModel } from "./model.ts";
import { cedarArgumentPolicy } from "./cedar.ts";
import { combineVerdicts, type ArgumentPolicy, type CombinedDecision, type PolicyVerdict } from "./policy.ts";
import { InputValidators, type InputProblem } from "./schema.ts";
import { refusal, ToolRefusedError, type ToolRefusal } from "./tool-result.ts";

export interface ToolGuardOptions extends ModelHashSource {
  /**
   * The agent's compiled model: a path to its JSON, or the parsed object.
   * @default - `agent-model.json` ({@link MODEL_FILE}) in the working directory
   */
  readonly model?: string | object;
  /**
   * An argument policy of your own, evaluated with the model's compiled one (the risk lines'
   * conditions, `AgentModel.argumentPolicies`, run by Cedar): their verdicts combine, deny wins, an
   * error denies. It cannot lift what the compiled policies forbid.
   * @default - only the model's compiled policies (none: each tool's tier decides)
   */
  readonly policy?: ArgumentPolicy;
  /**
   * Where refused calls are traced (a `Tracer` or a `Run` of `@airlock/trace`): one tool call with
   * outcome `refused` (metric `Refusals`, not `Errors`: a refusal is expected, not a failure) and
   * class `ToolRefusedError`.
   * @default - refusals are not traced
   */
  readonly tracer?: CallWrapper;
  /**
   * Told about input-schema warnings (an unknown format or keyword, which is ignored).
   * @default - `console.warn`
   */
  readonly onWarning?: (message: string) => void;
}

/** What the guard says about one call. */
export type GuardDecision =
  /** Run it now. */
  | { readonly verdict: "run"; readonly tool: GuardedTool; readonly arguments: Readonly<Record<string, unknown>>; readonly reasons: readonly string[] }
  /** Ask a person first (the human checkpoint); run only what they approve. */
  | {
      readonly verdict: "ask";
      readonly tool: GuardedTool;
      readonly arguments: Readonly<Record<string, unknown>>;
      readonly tier: "approve" | "always-approve";
      readonly reasons: readonly string[];
    }
  /** Do not run it: give the model this tool result. */
  | ({ readonly verdict: "refuse" } & ToolRefusal);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function describeProblems(problems: readonly InputProblem[]): string {
  return problems.map((p) => `\`${p.field}\` ${p.message}`).join("; ");
}

export class ToolGuard {
  /** The shipped model, checked. */
  readonly model: ShippedModel;
  readonly #tools: ReadonlyMap<string, GuardedTool>;
  readonly #validators: InputValidators;
  readonly #policy: ArgumentPolicy | undefined;
  readonly #tracer: CallWrapper | undefined;

  /**
   * Reads and checks the model (its content against its hash, its hash against the task's
   * `AIRLOCK_MODEL_HASH`) and compiles the tools' input schemas; throws `AirlockRuntimeError`
   * when any of that fails, so a wrong model never serves.
   */
  constructor(options: ToolGuardOptions = {}) {
    const model = readShippedModel(options.model ?? join(process.cwd(), MODEL_FILE));
    checkModelHash(model, options);
    this.model = model;
    this.#tools = new Map(model.tools.map((t) => [t.name, t]));
    this.#validators = new InputValidators(model.tools, options.onWarning);
    this.#policy = bothPolicies(cedarArgumentPolicy(model), options.policy);
    this.#tracer = options.tracer;
  }

  /** The declared tools' names, sorted. */
  get tools(): readonly string[] {
    return [...this.#tools.keys()].sort();
  }

  /** The declared tool named `name`, if any. */
  tool(name: string): GuardedTool | undefined {
    return this.#tools.get(name);
  }

  /**
   * Decides one call: refuse (an undeclared tool, arguments that miss the schema, a policy that
   * forbids or fails), ask a person, or run. Synchronous and side-effect free but for the trace
   * line of a refusal.
   */
  check(name: string, args: unknown): GuardDecision {
    const tool = typeof name === "string" ? this.#tools.get(name) : undefined;
    if (tool === undefined) {
      return this.#refuse(
        String(name),
        args,
        refusal(String(name), "undeclared-tool", `Tool "${String(name)}" is not available to this agent, and the call was not run. The tools you can call are: ${this.tools.join(", ")}.`),
      );
    }
    if (!isObject(args)) {
      return this.#refuse(tool.name, args, refusal(tool.name, "invalid-arguments", `The arguments of "${tool.name}" must be a JSON object of named arguments; the call was not run.`));
    }
    const problems = this.#validators.check(tool.name, args);
    if (problems.length > 0) {
      return this.#refuse(
        tool.name,
        args,
        refusal(tool.name, "invalid-arguments", `The arguments of "${tool.name}" do not match its input schema: ${describeProblems(problems)}. The call was not run; fix the arguments and call it again.`),
      );
    }
    const policy = this.#policy;
    const combined: CombinedDecision = combineVerdicts(tool, this.model.riskLines, policy === undefined ? undefined : () => policy(tool, args));
    if (combined.decision === "forbid") {
      return this.#refuse(
        tool.name,
        args,
        refusal(tool.name, "forbidden", `The call to "${tool.name}" is forbidden by this agent's policy: ${combined.reasons.join("; ")}. It was not run and no one was asked; do not retry it with the same arguments.`),
      );
    }
    if (combined.decision === "allow") return { verdict: "run", tool, arguments: args, reasons: combined.reasons };
    return { verdict: "ask", tool, arguments: args, tier: combined.decision, reasons: combined.reasons };
  }

  #refuse(name: string, args: unknown, r: ToolRefusal): GuardDecision {
    if (this.#tracer !== undefined && name.trim() !== "") {
      // The function throws before any await, so the line is written before check() returns.
      this.#tracer
        .wrapToolCall(name, args, () => {
          throw new ToolRefusedError(r);
        })
        .catch(() => undefined);
    }
    return { verdict: "refuse", ...r };
  }
}

/** The verdicts of both policies (either may be absent); undefined when neither gives any. */
function bothPolicies(compiled: ArgumentPolicy | undefined, own: ArgumentPolicy | undefined): ArgumentPolicy | undefined {
  if (compiled === undefined || own === undefined) return compiled ?? own;
  const list = (v: PolicyVerdict | readonly PolicyVerdict[] | undefined): readonly PolicyVerdict[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v as PolicyVerdict]);
  return (tool, args) => {
    const a = list(compiled(tool, args));
    const b = list(own(tool, args));
    return a === undefined && b === undefined ? undefined : [...(a ?? []), ...(b ?? [])];
  };
}

/** A {@link ToolGuard} for the shipped model; throws `AirlockRuntimeError` when it must not start. */
export function createToolGuard(options: ToolGuardOptions = {}): ToolGuard {
  return new ToolGuard(options);
}
