/**
 * `@airlock/runtime/claude-api`: the Claude API's tool-use loop (`@anthropic-ai/sdk`) with the
 * agent runtime in it. The loop offers the model the tools the manifest declares (name,
 * description and `input` JSON Schema from the shipped model), sends the conversation, and for
 * each `tool_use` block calls {@link AgentRuntime.callTool} (guard, argument policy, a person's
 * approval when the call needs one, then the tool, once, with exactly what was approved). Every
 * way a call does not run (undeclared, invalid, forbidden, rejected, timed out, a refused
 * receipt) is a `tool_result` with `is_error: true` whose text tells the model what happened and
 * what it may do, and the loop goes on until the model ends its turn or the turn bound is reached.
 *
 * Traced through the runtime's tracer (`@airlock/trace`): each model call (model id, input and
 * output tokens, cost from the price table, duration, stop reason, outcome; the messages
 * redacted), each tool call and each approval wait as spans of their own, all in one trace per
 * loop when the tracer is a `Tracer`.
 *
 * ```ts
 * import Anthropic from "@anthropic-ai/sdk";
 * import { runToolLoop } from "@airlock/runtime/claude-api";
 * const result = await runToolLoop(runtime, {
 *   client: new Anthropic(), model: "claude-sonnet-4-5", system: prompt,
 *   tools: { read_ticket: ({ ticket }) => tickets.get(ticket), send_customer_reply: (a) => ses.send(a) },
 *   messages: [{ role: "user", content: ticketText }],
 * });
 * ```
 *
 * `@anthropic-ai/sdk` is an optional peer dependency of `@airlock/runtime`: this module imports
 * its types only, and takes the client you made.
 *
 * @module @airlock/runtime/claude-api
 */
import type { Message, MessageCreateParamsNonStreaming, MessageParam, TextBlockParam, Tool, ToolResultBlockParam, ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";
import type { RunOptions, Tracer } from "@airlock/trace";
import { AirlockRuntimeError } from "../errors.ts";
import type { GuardedTool } from "../model.ts";
import type { AgentRuntime, ToolImplementation } from "../runtime.ts";
import { refusal, type RefusalReason, type ToolRefusal } from "../tool-result.ts";

/** What the loop needs of an `Anthropic` client: `messages.create` (and `messages.stream` to stream). */
export interface MessagesClient {
  readonly messages: {
    create(params: MessageCreateParamsNonStreaming, options?: { readonly signal?: AbortSignal }): PromiseLike<Message>;
    stream?(params: MessageCreateParamsNonStreaming, options?: { readonly signal?: AbortSignal }): { finalMessage(): Promise<Message> };
  };
}

/** The parameters the loop sets itself; the rest may be given in `params`. */
type OwnParams = "model" | "messages" | "tools" | "system" | "max_tokens" | "stream";

export interface ToolLoopOptions {
  /** The client (`new Anthropic()`, or one with `baseURL` for a gateway). */
  readonly client: MessagesClient;
  /** Model id, e.g. "claude-sonnet-4-5" (priced through the tracer's table). */
  readonly model: string;
  /** The agent's system prompt. @default - none */
  readonly system?: string | readonly TextBlockParam[];
  /**
   * The agent's implementation of each tool it offers, by the manifest's tool name. Only declared
   * tools may be implemented; a declared tool without one is not offered to the model. A tool the
   * manifest runs in the sandbox (`sandbox: true`) takes no implementation: it is offered when the
   * runtime has a sandbox runner, which runs it.
   */
  readonly tools: Readonly<Record<string, ToolImplementation<unknown>>>;
  /** The conversation so far (ending with the user's turn). */
  readonly messages: readonly MessageParam[];
  /** @default 4096 */
  readonly maxTokens?: number;
  /**
   * The most model calls the loop makes. When the bound is reached while the model still asks for
   * tools, those tools are not run (their results could never reach the model): the result says
   * `max_turns` and `pending` holds them.
   * @default 16
   */
  readonly maxTurns?: number;
  /** Other request parameters (`temperature`, `tool_choice`, `metadata`, `thinking`, …). */
  readonly params?: Omit<Partial<MessageCreateParamsNonStreaming>, OwnParams>;
  /** Stream each response (`messages.stream(…).finalMessage()`), for long outputs. @default false */
  readonly stream?: boolean;
  /**
   * What the model is given as a tool's result.
   * @default - a string as it is, `undefined` as an empty result, anything else as JSON
   */
  readonly formatResult?: (value: unknown, tool: string) => string;
  /**
   * A tool whose implementation throws: `"result"` gives the model an error result with the error's
   * message (traced as the tool call's error); `"throw"` ends the loop with the error.
   * @default "result"
   */
  readonly onToolError?: "result" | "throw";
  /** The trace of this loop, when the runtime's tracer is a `Tracer`. @default - { name: "claude-tool-loop", input: messages } */
  readonly run?: RunOptions;
  /** Cancels the model calls in flight. */
  readonly signal?: AbortSignal;
}

/** One tool use of the loop and what became of it. */
export interface ToolUseRecord {
  readonly id: string;
  readonly name: string;
  readonly input: unknown;
  /** `ran`, `failed` (the tool threw), or why it did not run. */
  readonly outcome: "ran" | "failed" | RefusalReason;
  /** What the model was given. */
  readonly content: string;
  readonly isError: boolean;
  /** The approval request, when a person was asked. */
  readonly requestId?: string;
}

export interface ToolLoopResult {
  /** Why the loop ended: the last response's stop reason, or `max_turns`. */
  readonly stop: NonNullable<Message["stop_reason"]> | "max_turns";
  /** The last response. */
  readonly message: Message;
  /** The whole conversation: the given messages, then each assistant turn and tool-result turn. */
  readonly messages: readonly MessageParam[];
  /** The last response's text. */
  readonly text: string;
  /** Model calls made. */
  readonly turns: number;
  readonly toolUses: readonly ToolUseRecord[];
  /** Tool uses of the last response left unrun because the turn bound was reached. */
  readonly pending: readonly ToolUseBlock[];
  /** Tokens over all model calls. */
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
}

/** A tool's `input_schema` when the manifest declares none: an object of no declared arguments. */
export const EMPTY_INPUT_SCHEMA: Tool.InputSchema = { type: "object", properties: {} };

/** The Messages API `tools` for the declared tools among `names` (each one's name, description and `input`). */
export function claudeTools(tools: readonly GuardedTool[], names?: Iterable<string>): Tool[] {
  const wanted = names === undefined ? undefined : new Set(names);
  return tools
    .filter((t) => wanted === undefined || wanted.has(t.name))
    .map((t) => ({ name: t.name, description: t.description, input_schema: (t.input ?? EMPTY_INPUT_SCHEMA) as Tool.InputSchema }));
}

/**
 * The tools the agent offers, with what runs each: its implementation, or, for a tool the manifest
 * runs in the sandbox, the runtime's sandbox runner (the implementation here is never called).
 */
export function offeredTools(runtime: AgentRuntime, tools: Readonly<Record<string, ToolImplementation<unknown>>>): Map<string, ToolImplementation<unknown>> {
  const offered = new Map(Object.entries(tools));
  if (runtime.sandbox !== undefined) {
    for (const t of runtime.guard.model.tools) if (t.sandbox) offered.set(t.name, SANDBOXED);
  }
  return new Map([...offered].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const SANDBOXED: ToolImplementation<unknown> = () => {
  throw new AirlockRuntimeError("a sandboxed tool runs in the sandbox runner, never here");
};

/** Checks that every implementation is of a declared tool; the fix is named. */
export function checkImplementations(runtime: AgentRuntime, tools: Readonly<Record<string, unknown>>, field = "tools"): void {
  if (typeof tools !== "object" || tools === null) throw new AirlockRuntimeError(`\`${field}\`: must be an object of tool implementations by the manifest's tool name`);
  const problems: string[] = [];
  for (const [name, impl] of Object.entries(tools)) {
    if (runtime.guard.tool(name) === undefined) problems.push(`\`${field}.${name}\`: "${name}" is not a tool the manifest declares (declared: ${runtime.guard.tools.join(", ")}); declare it in agent.yaml or remove the implementation`);
    else if (runtime.guard.tool(name)?.sandbox === true) problems.push(`\`${field}.${name}\`: "${name}" runs in the sandbox (\`sandbox: true\` in the manifest), never in the agent; remove its implementation and give the runtime a sandbox runner (createAgentRuntime({ sandbox: createSandboxRunner() }))`);
    else if (typeof impl !== "function") problems.push(`\`${field}.${name}\`: must be a function (args) => result`);
  }
  if (problems.length > 0) throw new AirlockRuntimeError(`the tool loop cannot start:\n  ${problems.join("\n  ")}`);
}

const defaultFormat = (value: unknown): string => (typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value));

const isTracer = (t: unknown): t is Tracer => typeof (t as Tracer | undefined)?.run === "function" && typeof (t as Tracer).startRun === "function";

const textOf = (m: Message): string =>
  m.content
    .filter((b) => b.type === "text")
    .map((b) => (b as { text: string }).text)
    .join("");

/**
 * Runs the Claude API tool-use loop with the runtime deciding every tool call (see the module).
 * Throws `AirlockRuntimeError` before any call when an implementation is not of a declared tool,
 * and rethrows the client's errors (an API error ends the loop; it is traced as the model call's).
 */
export async function runToolLoop(runtime: AgentRuntime, options: ToolLoopOptions): Promise<ToolLoopResult> {
  checkImplementations(runtime, options.tools);
  const maxTurns = options.maxTurns ?? 16;
  if (!Number.isInteger(maxTurns) || maxTurns < 1) throw new AirlockRuntimeError(`\`maxTurns\`: ${maxTurns} must be a whole number of model calls, at least 1`);
  if (typeof options.model !== "string" || options.model.trim() === "") throw new AirlockRuntimeError("`model`: give the model id, e.g. \"claude-sonnet-4-5\"");
  if (!Array.isArray(options.messages) || options.messages.length === 0) throw new AirlockRuntimeError("`messages`: give the conversation, at least the user's first message");
  const tracer = runtime.tracer;
  if (isTracer(tracer)) {
    return tracer.run({ name: "claude-tool-loop", input: options.messages, ...options.run }, (run) => loop(runtime, options, maxTurns, run.traceId));
  }
  return loop(runtime, options, maxTurns, undefined);
}

async function loop(runtime: AgentRuntime, options: ToolLoopOptions, maxTurns: number, traceId: string | undefined): Promise<ToolLoopResult> {
  const tracer = runtime.tracer;
  const offered = offeredTools(runtime, options.tools);
  const tools = claudeTools(runtime.guard.model.tools, offered.keys());
  const format = options.formatResult ?? defaultFormat;
  const messages: MessageParam[] = [...options.messages];
  const toolUses: ToolUseRecord[] = [];
  const usage = { inputTokens: 0, outputTokens: 0 };
  const system = options.system === undefined ? undefined : typeof options.system === "string" ? options.system : [...options.system];
  for (let turn = 1; ; turn++) {
    const params: MessageCreateParamsNonStreaming = {
      ...options.params,
      model: options.model,
      max_tokens: options.maxTokens ?? 4096,
      messages: [...messages],
      ...(system === undefined ? {} : { system }),
      ...(tools.length === 0 ? {} : { tools }),
    };
    const send = (): Promise<Message> => {
      const requestOptions = options.signal === undefined ? undefined : { signal: options.signal };
      if (options.stream === true) {
        if (options.client.messages.stream === undefined) throw new AirlockRuntimeError("`stream`: the client has no `messages.stream`; pass an Anthropic client or set `stream: false`");
        return options.client.messages.stream(params, requestOptions).finalMessage();
      }
      return Promise.resolve(options.client.messages.create(params, requestOptions));
    };
    const input = system === undefined ? params.messages : [{ role: "system", content: system }, ...params.messages];
    const message = tracer === undefined ? await send() : await tracer.wrapModelCall({ model: options.model, input }, send);
    usage.inputTokens += message.usage?.input_tokens ?? 0;
    usage.outputTokens += message.usage?.output_tokens ?? 0;
    messages.push({ role: "assistant", content: message.content });
    const uses = message.content.filter((b): b is ToolUseBlock => b.type === "tool_use");
    const done = (stop: ToolLoopResult["stop"], pending: ToolUseBlock[] = []): ToolLoopResult => ({ stop, message, messages, text: textOf(message), turns: turn, toolUses, pending, usage: { ...usage } });
    if (message.stop_reason !== "tool_use" && message.stop_reason !== "pause_turn") return done(message.stop_reason ?? "end_turn");
    if (turn >= maxTurns) return done("max_turns", uses);
    if (message.stop_reason === "pause_turn") continue;
    const results: ToolResultBlockParam[] = [];
    for (const use of uses) {
      const record = await callOne(runtime, offered, options, use, format, traceId);
      toolUses.push(record);
      results.push({ type: "tool_result", tool_use_id: use.id, content: record.content, ...(record.isError ? { is_error: true } : {}) });
    }
    messages.push({ role: "user", content: results });
  }
}

async function callOne(runtime: AgentRuntime, offered: ReadonlyMap<string, ToolImplementation<unknown>>, options: ToolLoopOptions, use: ToolUseBlock, format: (value: unknown, tool: string) => string, traceId: string | undefined): Promise<ToolUseRecord> {
  const base = { id: use.id, name: use.name, input: use.input };
  const refused = (r: ToolRefusal): ToolUseRecord => ({ ...base, outcome: r.reason, content: r.content, isError: true, ...(r.requestId === undefined ? {} : { requestId: r.requestId }) });
  const declared = runtime.guard.tool(use.name) !== undefined;
  const impl = offered.get(use.name) ?? (declared ? undefined : () => undefined);
  if (impl === undefined) {
    // A declared tool this agent does not implement was not offered: it never reaches a person.
    // (An undeclared one goes to the guard, which refuses it and traces the refusal.)
    return refused(refusal(use.name, "undeclared-tool", `Tool "${use.name}" is not available to this agent, and the call was not run. The tools you can call are: ${[...offered.keys()].join(", ")}.`));
  }
  let outcome;
  try {
    outcome = await runtime.callTool(use.name, use.input, impl, traceId === undefined ? {} : { traceId });
  } catch (e) {
    if (options.onToolError === "throw") throw e;
    return { ...base, outcome: "failed", content: `The tool "${use.name}" failed: ${e instanceof Error ? e.message : String(e)}`, isError: true };
  }
  if (!outcome.ok) return refused(outcome);
  return { ...base, outcome: "ran", content: format(outcome.value, use.name), isError: false, ...(outcome.receipt === undefined ? {} : { requestId: outcome.receipt.requestId }) };
}
