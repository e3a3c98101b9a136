/**
 * One ticket, start to end: the shipped model checked (its content and the task's
 * `AIRLOCK_MODEL_HASH`), the configuration and the prompt read, the runtime put together (the
 * tool guard with the compiled argument policies, the human checkpoint through the agent's own
 * alias of the approval gateway, the tracer), then the Claude API tool-use loop until the model
 * ends its turn. Everything the agent does goes through `runtime.callTool`: nothing here calls a
 * tool directly.
 *
 * A call that does not run (rejected, timed out, forbidden, undeclared) is an outcome the model
 * is told and acts on, so the ticket still ends `handled`; only bad configuration and a failing
 * model API end the process with an error.
 */
import { randomUUID } from "node:crypto";
import Anthropic from "@anthropic-ai/sdk";
import { AirlockRuntimeError, createAgentRuntime, createCheckpoint, createSandboxRunner, createToolGuard, tierDecision, type AgentRuntime, type HumanCheckpoint, type ShippedModel } from "@airlock/runtime";
import { createTracer, type CallWrapper, type Tracer } from "@airlock/trace";
import { ConfigError, readConfig, type AgentConfig } from "./config.ts";
import { printable, type EventSink, type TicketOutcome } from "./events.ts";
import { runToolLoop, type MessagesClient } from "./loop.ts";
import { readPrompt } from "./prompt.ts";
import { buildTools, modelTools, type ToolClients, type Tools } from "./tools/index.ts";

/** A ticket id as the manifest's tools take it. */
export const TICKET_ID = /^T-[0-9]{1,10}$/;

/** The task the model is given for a ticket. */
export const ticketTask = (id: string): string => `Ticket ${id} was assigned to you. Handle it.`;

export interface AgentDeps {
  /** @default - `process.env` */
  readonly env?: NodeJS.ProcessEnv;
  /** The shipped model (a path or the object). @default - agent-model.json in the working directory */
  readonly model?: string | object;
  /** Where events go. */
  readonly emit: EventSink;
  /** Clients a test may replace. @default - the official clients for the configured endpoints */
  readonly clients?: ToolClients & { readonly anthropic?: MessagesClient };
  /** Where the tracer writes its EMF lines. @default - stdout */
  readonly emfSink?: { write(line: string): unknown };
}

export interface TicketResult {
  /** 0: handled; 1: the model API failed; 2: the agent cannot start (configuration). */
  readonly exitCode: 0 | 1 | 2;
  readonly outcome?: TicketOutcome;
}

/** The tools the shipped model declares that this agent implements (the loop refuses others). */
export function declaredTools(model: ShippedModel, tools: Tools): Tools {
  const declared = new Set(model.tools.map((t) => t.name));
  return Object.fromEntries(Object.entries(tools).filter(([name]) => declared.has(name)));
}

function checkpointFor(model: ShippedModel, config: AgentConfig, env: NodeJS.ProcessEnv): HumanCheckpoint | undefined {
  const needsPerson = model.tools.some((t) => tierDecision(t) !== "allow");
  if (!needsPerson) return undefined;
  return createCheckpoint({ env, deadlineMs: config.approvalDeadlineMs, backoff: { initialMs: 250, factor: 2, maxMs: 5_000 } });
}

/** What {@link PreparedAgent.handle} may be given besides the ticket. */
export interface HandleOptions {
  /** Cancels the model calls in flight (the service loop, when it stops or loses the ticket's lease). */
  readonly signal?: AbortSignal;
  /** Wraps each tool's implementation (the service loop notes the writes that started, and refuses new ones once it gave the ticket back). */
  readonly wrapTool?: (name: string, impl: Tools[string]) => Tools[string];
}

/** The agent put together once: the model checked, the configuration read, the runtime and the clients made. */
export interface PreparedAgent {
  readonly model: ShippedModel;
  readonly config: AgentConfig;
  readonly runtime: AgentRuntime;
  /** A tool the loop calls itself (declared by the model, never offered to it), or undefined when the model does not declare it. */
  loopTool(name: string): Tools[string] | undefined;
  /** Handles one ticket (its id already checked) through the Claude API tool-use loop. */
  handle(ticketId: string, options?: HandleOptions): Promise<TicketResult>;
  /** Flushes the tracer (EMF lines are already written; PostHog batches are sent). */
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * Checks the shipped model and the configuration and puts the runtime together, or returns the
 * failure (exit 2: configuration; the event is emitted). Nothing is called on any service.
 */
export async function prepareAgent(deps: AgentDeps): Promise<{ readonly agent: PreparedAgent } | { readonly failed: TicketResult }> {
  const env = deps.env ?? process.env;
  const emit = deps.emit;
  let tracer: Tracer | undefined;
  let ready;
  try {
    // A refused call (undeclared, invalid, forbidden) is a trace line too: the guard asks the
    // tracer, made below, which exists by the time the loop asks the guard anything.
    const refusals: CallWrapper = { wrapToolCall: (n, a, f) => (tracer === undefined ? Promise.resolve().then(f) : tracer.wrapToolCall(n, a, f)), wrapModelCall: (c, f) => (tracer === undefined ? Promise.resolve().then(f) : tracer.wrapModelCall(c, f)) };
    const guard = createToolGuard({ ...(deps.model === undefined ? {} : { model: deps.model }), env, tracer: refusals });
    const model = guard.model;
    if (model.model.provider !== "anthropic") throw new ConfigError([`the shipped model's provider is ${model.model.provider}; this agent calls the Claude API (agent.model.provider: anthropic)`]);
    const config = readConfig(model, env);
    const system = readPrompt(config.promptFile, model.promptHash);
    tracer = createTracer({
      agent: model.name,
      release: config.release,
      stack: config.stack,
      ...(deps.emfSink === undefined ? {} : { emf: { sink: deps.emfSink } }),
      ...(config.posthog === undefined ? {} : { posthog: { ...config.posthog, flushAt: 1, flushIntervalMs: 500 } }),
    });
    const checkpoint = checkpointFor(model, config, env);
    // The code-executing tool runs in the sandbox task, never here; the runner needs the task's sandbox variables.
    const sandbox = model.tools.some((t) => t.sandbox) ? createSandboxRunner({ env, tracer }) : undefined;
    const runtime = createAgentRuntime({ guard, tracer, ...(checkpoint === undefined ? {} : { checkpoint }), ...(sandbox === undefined ? {} : { sandbox }) });
    const declared = declaredTools(model, buildTools(config, deps.clients));
    const tools = modelTools(declared);
    const baseURL = env.ANTHROPIC_BASE_URL;
    const client = deps.clients?.anthropic ?? new Anthropic({ apiKey: config.anthropicApiKey, ...(baseURL === undefined || baseURL === "" ? {} : { baseURL }), maxRetries: 2 });
    ready = { model, config, system, runtime, tools, client, tracer, loopTools: Object.fromEntries(Object.entries(declared).filter(([n]) => !(n in tools))) };
  } catch (e) {
    await tracer?.shutdown(1_000);
    const fail = (message: string): { failed: TicketResult } => {
      emit({ event: "error", kind: "config", message });
      return { failed: { exitCode: 2 } };
    };
    if (e instanceof ConfigError || e instanceof AirlockRuntimeError) return fail(e.message);
    if (e instanceof TypeError && e.message.startsWith("createTracer:")) return fail(e.message);
    throw e;
  }
  const { model, config, system, runtime, tools, client, loopTools } = ready;
  const shipped = ready.tracer;
  return {
    agent: {
      model,
      config,
      runtime,
      loopTool: (name) => loopTools[name],
      shutdown: (timeoutMs = 3_000) => shipped.shutdown(timeoutMs),
      async handle(ticketId, options = {}) {
        const traceId = randomUUID();
        const wrapped = options.wrapTool === undefined ? tools : Object.fromEntries(Object.entries(tools).map(([name, impl]) => [name, options.wrapTool!(name, impl)]));
        emit({ event: "start", ticket: ticketId, agent: model.name, release: config.release, model: model.model.id, modelHash: model.hash });
        try {
          const result = await runToolLoop(runtime, {
            client,
            model: model.model.id,
            system,
            tools: wrapped,
            messages: [{ role: "user", content: ticketTask(ticketId) }],
            maxTurns: config.maxTurns,
            maxTokens: 2048,
            run: { name: "ticket", input: { ticket_id: ticketId }, traceId, sessionId: ticketId },
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          });
          for (const use of result.toolUses) {
            emit({ event: "tool", ticket: ticketId, tool: use.name, outcome: use.outcome, isError: use.isError, ...(use.requestId === undefined ? {} : { requestId: use.requestId }) });
          }
          const replied = result.toolUses.some((u) => u.name === "send_customer_reply" && u.outcome === "ran");
          const outcome: TicketOutcome = result.stop === "max_turns" ? "incomplete" : replied ? "replied" : "not-replied";
          emit({
            event: "done",
            ticket: ticketId,
            outcome,
            stop: result.stop,
            turns: result.turns,
            traceId,
            text: printable(result.text),
            inputTokens: result.usage.inputTokens,
            outputTokens: result.usage.outputTokens,
          });
          return { exitCode: 0, outcome };
        } catch (e) {
          if (e instanceof Anthropic.APIError) {
            emit({ event: "error", ticket: ticketId, kind: "model-api", message: `the Claude API failed: ${e.status ?? "no status"} ${printable(e.message, 300)}` });
            return { exitCode: 1 };
          }
          throw e;
        }
      },
    },
  };
}

/** One ticket, start to end (the one-ticket mode): {@link prepareAgent}, then the ticket, then the tracer flushed. */
export async function handleTicket(ticketId: string, deps: AgentDeps): Promise<TicketResult> {
  if (!TICKET_ID.test(ticketId)) {
    deps.emit({ event: "error", kind: "config", message: `the ticket id "${printable(ticketId, 40)}" is not one; give it as the first argument, e.g. T-1042` });
    return { exitCode: 2 };
  }
  const prepared = await prepareAgent(deps);
  if ("failed" in prepared) return prepared.failed;
  try {
    return await prepared.agent.handle(ticketId);
  } finally {
    await prepared.agent.shutdown(3_000);
  }
}
