/**
 * One guarded tool call from start to end: the guard decides; a call that may run runs (traced);
 * a call that needs a person waits at the checkpoint (its wait traced as a span of its own), and
 * then runs once with exactly what was approved. Every way it does not run is a tool result for
 * the model. This is what the SDK integrations call for each tool use: `callTool` whole (the
 * Claude API loop), or its two halves `authorize` and `perform` (the Agent SDK, which asks in its
 * permission callback and runs in the tool's handler).
 */
import type { CallWrapper } from "@airlock/trace";
import type { AskOptions, HumanCheckpoint, Receipt } from "./checkpoint.ts";
import type { ToolGuard } from "./guard.ts";
import type { SandboxRunner } from "./sandbox-runner.ts";
import { refusal, sandboxFailureOutcome, ToolRefusedError, type ToolRefusal } from "./tool-result.ts";

export interface AgentRuntimeOptions {
  readonly guard: ToolGuard;
  /**
   * The human checkpoint, for tools that need a person.
   * @default - none: a call that needs a person is refused as `approval-unavailable`
   */
  readonly checkpoint?: HumanCheckpoint;
  /**
   * Where calls are traced (a `Tracer` or a `Run`): each tool call, and each approval wait as a
   * tool span named `approval-wait:<tool>`.
   * @default - not traced
   */
  readonly tracer?: CallWrapper;
  /**
   * The sandbox runner (`createSandboxRunner`), for the tools the manifest marks `sandbox: true`:
   * their calls run as a task of the sandbox task definition (traced as `sandbox-run:<tool>` by
   * the runner, inside the tool's span), never in the agent's process, whatever implementation is
   * given.
   * @default - none: a sandboxed tool's call is refused as `sandbox-failed`
   */
  readonly sandbox?: SandboxRunner;
}

/** A tool's implementation: called with the arguments to run (frozen). */
export type ToolImplementation<T> = (args: Readonly<Record<string, unknown>>) => T | Promise<T>;

/** A call that ran: the tool's value, and the receipt when a person approved it. */
export interface ToolRan<T> {
  readonly ok: true;
  readonly value: T;
  readonly receipt?: Receipt;
}

export type ToolCallOutcome<T> = ToolRan<T> | ToolRefusal;

/**
 * A call the runtime allows and has not run yet ({@link AgentRuntime.authorize}): the arguments
 * to run and, when a person approved, the receipt that spends the approval. Only the runtime that
 * issued it can perform it, once.
 */
export interface ToolAuthorization {
  readonly ok: true;
  readonly tool: string;
  /** What runs: the guard's arguments, or the receipt's (the approver's, when edited). Frozen. */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** The approval to spend, when a person decided. */
  readonly receipt?: Receipt;
}

/** The span name of the wait for a person's decision on `tool`. */
export const approvalSpanName = (tool: string): string => `approval-wait:${tool}`;

const withoutVerdict = (d: { readonly verdict: "refuse" } & ToolRefusal): ToolRefusal => {
  const { verdict: _, ...r } = d;
  return r;
};

export class AgentRuntime {
  readonly guard: ToolGuard;
  readonly #checkpoint: HumanCheckpoint | undefined;
  readonly #tracer: CallWrapper | undefined;
  readonly #sandbox: SandboxRunner | undefined;
  /** Authorizations this runtime issued and has not performed. */
  readonly #issued = new WeakSet<ToolAuthorization>();

  constructor(options: AgentRuntimeOptions) {
    this.guard = options.guard;
    this.#checkpoint = options.checkpoint;
    this.#tracer = options.tracer;
    this.#sandbox = options.sandbox;
  }

  /** The sandbox runner of the tools the manifest marks `sandbox: true`, if any. */
  get sandbox(): SandboxRunner | undefined {
    return this.#sandbox;
  }

  /** Where this runtime traces (the SDK integrations trace model calls there too). */
  get tracer(): CallWrapper | undefined {
    return this.#tracer;
  }

  #traced<T>(name: string, args: unknown, fn: () => T | Promise<T>): Promise<T> {
    return this.#tracer === undefined ? Promise.resolve().then(fn) : this.#tracer.wrapToolCall(name, args, fn);
  }

  /**
   * Calls `name` with `args` through the guard (and the checkpoint when a person must decide).
   * Returns the tool's value or a tool result for the model; the tool's own error is rethrown.
   */
  async callTool<T>(name: string, args: unknown, impl: ToolImplementation<T>, options: AskOptions = {}): Promise<ToolCallOutcome<T>> {
    const authorized = await this.authorize(name, args, options);
    return authorized.ok ? this.perform(authorized, impl) : authorized;
  }

  /**
   * The first half of {@link callTool}: the guard decides, and a person is asked when the call
   * needs one (the wait traced as `approval-wait:<tool>`). Returns what may run, or a tool result
   * for the model. Nothing runs yet: {@link perform} runs it (the Agent SDK integration asks in its
   * permission callback and runs in the tool's handler).
   */
  async authorize(name: string, args: unknown, options: AskOptions = {}): Promise<ToolAuthorization | ToolRefusal> {
    const decision = this.guard.check(name, args);
    if (decision.verdict === "refuse") return withoutVerdict(decision);
    if (decision.verdict === "run") return this.#issue({ ok: true, tool: decision.tool.name, arguments: Object.freeze({ ...decision.arguments }) });
    const checkpoint = this.#checkpoint;
    if (checkpoint === undefined) {
      return refusal(name, "approval-unavailable", `The call to "${name}" needs a person's approval and this agent has no approval gateway configured; it was not run.`);
    }
    // The wait is a span of its own; a person's denial or the deadline passing is its `refused`
    // outcome (an expected one, not in `Errors`); a gateway that cannot be asked stays an `error`.
    let asked;
    try {
      asked = await this.#traced(approvalSpanName(name), decision.arguments, async () => {
        const outcome = await checkpoint.ask(name, decision.arguments, options);
        if (!outcome.ok) throw new ToolRefusedError(outcome);
        return outcome;
      });
    } catch (e) {
      if (e instanceof ToolRefusedError) return e.refusal;
      throw e;
    }
    const receipt = asked.receipt;
    if (receipt.decision === "edited") {
      // The approver's arguments pass the same schema and policy; a forbidden edit does not run.
      const again = this.guard.check(name, receipt.arguments);
      if (again.verdict === "refuse") {
        const r = withoutVerdict(again);
        return { ...r, requestId: receipt.requestId, content: `The edited arguments approved for "${name}" (request ${receipt.requestId}) were refused: ${r.content}` };
      }
    }
    return this.#issue({ ok: true, tool: name, arguments: receipt.arguments, receipt });
  }

  #issue(a: ToolAuthorization): ToolAuthorization {
    Object.freeze(a);
    this.#issued.add(a);
    return a;
  }

  /**
   * The second half of {@link callTool}: runs what {@link authorize} allowed, once: an approved
   * call through the checkpoint's `execute` (the receipt spent with the gateway first), another
   * at once; each run traced as a tool call. An authorization this runtime did not issue, or one
   * already performed, is refused (`receipt-refused`) and does not run.
   */
  async perform<T>(authorization: ToolAuthorization, impl: ToolImplementation<T>): Promise<ToolCallOutcome<T>> {
    const name = authorization.tool;
    if (!this.#issued.has(authorization)) {
      return refusal(name, "receipt-refused", `The call to "${name}" was not run: its authorization was not issued by this agent's runtime, or was used already.`, authorization.receipt?.requestId);
    }
    this.#issued.delete(authorization);
    let run: (a: Readonly<Record<string, unknown>>) => T | Promise<T> = impl;
    if (this.guard.tool(name)?.sandbox === true) {
      // Code the manifest says runs in the sandbox never runs in the agent's process.
      const sandbox = this.#sandbox;
      if (sandbox === undefined) {
        return refusal(name, "sandbox-failed", `The call to "${name}" runs code in the sandbox and this agent has no sandbox runner configured; it was not run. Tell the user it cannot be done now.`, authorization.receipt?.requestId);
      }
      run = (a) => inSandbox(sandbox, name, a) as Promise<T>;
    }
    const receipt = authorization.receipt;
    try {
      if (receipt === undefined) {
        const args = authorization.arguments;
        return { ok: true, value: await this.#traced(name, args, () => run(args)) };
      }
      const checkpoint = this.#checkpoint!;
      const ran = await checkpoint.execute(receipt, (a) => this.#traced(name, a, () => run(a)));
      return ran.ok ? { ok: true, value: ran.value, receipt } : ran;
    } catch (e) {
      // A sandbox run that gave no result is the tool's error in the trace and a result for the model.
      if (e instanceof ToolRefusedError) return e.refusal;
      throw e;
    }
  }
}

/** What a sandboxed tool's call gives the model: the handler's value and what it printed. */
export interface SandboxToolResult {
  readonly value: unknown;
  readonly stdout: string;
  readonly stderr: string;
  /** The output was cut at the entry's cap. */
  readonly truncated?: true;
}

async function inSandbox(sandbox: SandboxRunner, tool: string, args: Readonly<Record<string, unknown>>): Promise<SandboxToolResult> {
  const r = await sandbox.run(tool, args);
  if (!r.ok) {
    const { failure, taskArn: _t, exitCode: _x, ...refused } = r;
    // The model's own code failing is `refused`; the sandbox or its infrastructure failing, `error`.
    throw new ToolRefusedError(refused, sandboxFailureOutcome(failure));
  }
  return { value: r.value, stdout: r.stdout, stderr: r.stderr, ...(r.truncated ? { truncated: true as const } : {}) };
}

/** An {@link AgentRuntime}: the guard, and the checkpoint when a tool needs a person. */
export function createAgentRuntime(options: AgentRuntimeOptions): AgentRuntime {
  return new AgentRuntime(options);
}
