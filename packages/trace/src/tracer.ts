import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { EMF_NAMESPACE, STACK_ENV } from "./constants.ts";
import { emfLine, type LineSink } from "./emf.ts";
import { callEvent, createPostHogClient, runEvent, type PostHogLike, type PostHogSettings } from "./posthog.ts";
import { DEFAULT_MODEL_PRICES, costOf, findPrice, validatePrices, type CallCost, type ModelPrice, type TokenUsage } from "./prices.ts";
import type { CallRecord, RunRecord } from "./record.ts";
import { errorInfo, httpStatusOf, redactValue, type RedactLimits } from "./redact.ts";
import { NO_USAGE, looksLikeHttpResponse, outputFromResponse, stopReasonFromResponse, usageFromResponse } from "./usage.ts";

export interface EmfOptions {
  /** CloudWatch namespace. @default EMF_NAMESPACE ("Airlock/Agents") */
  readonly namespace?: string;
  /** Where lines are written. @default process.stdout */
  readonly sink?: LineSink;
  /** Put the redacted tool arguments in each tool line as `Args`. @default true */
  readonly includeArgs?: boolean;
}

export type PostHogOption = PostHogSettings | { readonly client: PostHogLike };

/** Where the tracer sends a failure of its own (never the wrapped call's). */
export type TelemetryStage = "emf" | "posthog" | "record";

export interface TracerOptions {
  /** The agent's name (EMF dimension `Agent`, PostHog `airlock_agent`). */
  readonly agent: string;
  /** The running release id (EMF member `Release`, PostHog `airlock_release`). */
  readonly release: string;
  /**
   * The Pulumi stack the agent runs in (EMF dimension `Stack` in every dimension set, PostHog
   * `airlock_stack`): the alarms read `{Stack, Agent}`, so dev's calls never count toward prod's.
   * Required while EMF lines are written.
   * @default - the `AIRLOCK_STACK` environment variable, which AgentDeployment sets in the task definition
   */
  readonly stack?: string;
  /** EMF settings, or `false` to write no EMF lines. @default - EMF lines on stdout */
  readonly emf?: EmfOptions | false;
  /** PostHog settings, an existing client, or `false`. @default false - no PostHog events */
  readonly posthog?: PostHogOption | false;
  /** Prices per model id, merged over DEFAULT_MODEL_PRICES (yours win). @default DEFAULT_MODEL_PRICES */
  readonly prices?: Readonly<Record<string, ModelPrice>>;
  /**
   * Send redacted inputs and outputs (tool args/results, model messages, run input/output) to
   * PostHog and the tool args to EMF. Metrics, names, ids and errors are always sent.
   * @default true
   */
  readonly captureContent?: boolean;
  /** Size limits applied while redacting content. @default - see RedactLimits */
  readonly redaction?: RedactLimits;
  /** PostHog distinct id for runs that do not give one. @default - `airlock-agent:<agent>`, with no person profile */
  readonly distinctId?: string;
  /** Provider of model calls that do not name one. @default "anthropic" */
  readonly defaultProvider?: string;
  /** Told about every finished call (after redaction). An exception here is reported, never thrown. */
  readonly onRecord?: (record: CallRecord) => void;
  /** Told when the tracer's own output fails (an EMF sink that throws, a PostHog batch that fails). @default - a one-time process warning per stage */
  readonly onTelemetryError?: (error: unknown, stage: TelemetryStage) => void;
  /** Clock, for tests. @default - Date.now and performance.now */
  readonly clock?: { readonly now: () => number; readonly monotonic: () => number };
}

export interface RunOptions {
  /** Name of the run (`$ai_span_name` of the `$ai_trace`). @default "agent-run" */
  readonly name?: string;
  /** What started the run (a user message, a webhook payload); redacted before it leaves. */
  readonly input?: unknown;
  /** Your own trace id (a request id). Letters, digits and `-_~.@()!':|` only. @default - a random UUID */
  readonly traceId?: string;
  /** Groups runs (a conversation, a Slack thread): PostHog `$ai_session_id`. */
  readonly sessionId?: string;
  /** PostHog distinct id (the user the agent acts for). @default - the tracer's */
  readonly distinctId?: string;
}

export interface ModelCall<T> {
  /** Model id as sent to the provider, e.g. "claude-sonnet-4-5-20250929". Priced through the price table. */
  readonly model: string;
  /** @default the tracer's defaultProvider ("anthropic") */
  readonly provider?: string;
  /** Span name. @default - the model id */
  readonly name?: string;
  /** The messages sent (redacted before they leave). */
  readonly input?: unknown;
  /** Token usage of the result. @default - read from `result.usage` (Anthropic or OpenAI shape) */
  readonly usage?: (result: T) => TokenUsage | undefined;
  /** What to record as output. @default - `[{ role, content }]` from an Anthropic message */
  readonly output?: (result: T) => unknown;
}

/** One call site for tool and model calls; the tracer's own and each run's behave the same. */
export interface CallWrapper {
  /**
   * Runs `fn` as a tool call and returns (or throws) exactly what it returns (or throws).
   * Records name, redacted `args`, latency, outcome; writes the EMF line before it returns and
   * queues the `$ai_span` without waiting for PostHog.
   */
  wrapToolCall<T>(name: string, args: unknown, fn: () => T | Promise<T>): Promise<T>;
  /** Runs `fn` as a model call (`$ai_generation`), with tokens and cost from its result. */
  wrapModelCall<T>(call: ModelCall<T>, fn: () => T | Promise<T>): Promise<T>;
}

export interface Run extends CallWrapper {
  readonly traceId: string;
  readonly name: string;
  /** Closes the run and queues its `$ai_trace`. Calls after the first are ignored. */
  end(result?: { readonly output?: unknown; readonly error?: unknown }): void;
}

export interface Tracer extends CallWrapper {
  readonly agent: string;
  readonly release: string;
  /** The stack its lines carry (undefined only with EMF off and no stack given). */
  readonly stack: string | undefined;
  /**
   * Runs one agent run as a trace: calls wrapped inside `fn` (through `run` or the tracer,
   * however deeply awaited) share its trace id, and a call made inside another call's `fn` is
   * that call's child. Ends the run with `fn`'s result or error, which it returns or rethrows.
   */
  run<T>(options: RunOptions | string, fn: (run: Run) => T | Promise<T>): Promise<T>;
  /** Starts a run to end yourself (for loops that don't fit one callback). */
  startRun(options?: RunOptions | string): Run;
  /** Sends queued PostHog events now. Never throws. */
  flush(): Promise<void>;
  /** Flushes and closes PostHog, waiting at most `timeoutMs` (default 5000). Never throws. */
  shutdown(timeoutMs?: number): Promise<void>;
}

const TRACE_ID = /^[A-Za-z0-9\-_~.@()!':|]{1,200}$/;

function requireName(value: unknown, field: string, hint: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError(`createTracer: \`${field}\` must be a non-empty string (${hint}), got ${JSON.stringify(value)}`);
  }
  return value;
}

function validateOptions(options: TracerOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createTracer: pass an options object with at least `agent` and `release`");
  }
  requireName(options.agent, "agent", "the agent's name from agent.yaml");
  requireName(options.release, "release", "the release id the agent is running");
  if (options.emf) {
    const ns = options.emf.namespace;
    if (ns !== undefined && (typeof ns !== "string" || ns.trim() === "" || ns.length > 255 || ns.startsWith("AWS/"))) {
      throw new TypeError(
        `createTracer: \`emf.namespace\` must be 1-255 characters and not start with "AWS/" (reserved), got ${JSON.stringify(ns)}`,
      );
    }
    if (options.emf.sink !== undefined && typeof options.emf.sink?.write !== "function") {
      throw new TypeError("createTracer: `emf.sink` must have a write(line) method, like process.stdout");
    }
  }
  if (options.posthog && !("client" in options.posthog)) {
    const ph = options.posthog;
    requireName(ph.apiKey, "posthog.apiKey", "the PostHog project API key, phc_…");
    if (ph.host !== undefined) {
      let ok = false;
      try {
        ok = ["http:", "https:"].includes(new URL(ph.host).protocol);
      } catch {
        ok = false;
      }
      if (!ok) throw new TypeError(`createTracer: \`posthog.host\` must be an http(s) URL such as https://eu.i.posthog.com, got ${JSON.stringify(ph.host)}`);
    }
    for (const field of ["flushAt", "flushIntervalMs", "requestTimeoutMs", "retryCount", "retryDelayMs", "maxQueueSize"] as const) {
      const v = ph[field];
      if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < 0)) {
        throw new TypeError(`createTracer: \`posthog.${field}\` must be a whole number >= 0, got ${JSON.stringify(v)}`);
      }
    }
  }
  if (options.prices !== undefined) validatePrices(options.prices);
  // Checked last: the stack only matters once everything else is right.
  const stack = stackOf(options);
  if (options.emf !== false || stack !== undefined) {
    if (typeof stack !== "string" || stack.trim() === "" || stack.length > 1024) {
      throw new TypeError(
        `createTracer: \`stack\` must be a non-empty string (the Pulumi stack the agent runs in, the \`Stack\` dimension its alarms read); pass \`stack\` or set ${STACK_ENV} (AgentDeployment sets it in the task definition), got ${JSON.stringify(stack)}`,
      );
    }
  }
}

/** The stack from the options, else from the environment. */
function stackOf(options: TracerOptions): string | undefined {
  return options.stack ?? process.env[STACK_ENV];
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function runOptions(options: RunOptions | string | undefined): RunOptions {
  return typeof options === "string" ? { name: options } : (options ?? {});
}

interface Scope {
  readonly run: RunImpl;
  readonly spanId: string | undefined;
}

class RunImpl implements Run {
  readonly traceId: string;
  readonly name: string;
  readonly sessionId: string | undefined;
  readonly distinctId: string | undefined;
  private ended = false;
  private readonly startedAt: number;
  private readonly t0: number;
  private readonly input: unknown;

  constructor(
    private readonly core: TracerCore,
    options: RunOptions,
    /** A run made up for a call outside any run: no `$ai_trace` of its own. */
    readonly implicit: boolean,
  ) {
    if (options.traceId !== undefined && (typeof options.traceId !== "string" || !TRACE_ID.test(options.traceId))) {
      throw new TypeError(
        `startRun: \`traceId\` must be 1-200 letters, digits or -_~.@()!':| (PostHog's rule), got ${JSON.stringify(options.traceId)}`,
      );
    }
    this.traceId = options.traceId ?? randomUUID();
    this.name = options.name ?? "agent-run";
    this.sessionId = options.sessionId;
    this.distinctId = options.distinctId ?? core.distinctId;
    this.startedAt = core.clock.now();
    this.t0 = core.clock.monotonic();
    this.input = core.captureContent && options.input !== undefined ? redactValue(options.input, core.limits) : undefined;
  }

  wrapToolCall<T>(name: string, args: unknown, fn: () => T | Promise<T>): Promise<T> {
    if (typeof name !== "string" || name.trim() === "") {
      return Promise.reject(new TypeError(`wrapToolCall: \`name\` must be the tool's non-empty name, got ${JSON.stringify(name)}`));
    }
    return this.core.call(this, "tool", name, args, fn, undefined);
  }

  wrapModelCall<T>(call: ModelCall<T>, fn: () => T | Promise<T>): Promise<T> {
    if (typeof call?.model !== "string" || call.model.trim() === "") {
      return Promise.reject(new TypeError(`wrapModelCall: \`model\` must be the model id, e.g. "claude-sonnet-4-5", got ${JSON.stringify(call?.model)}`));
    }
    return this.core.call(this, "model", call.name ?? call.model, call.input, fn, call as ModelCall<unknown>);
  }

  end(result?: { readonly output?: unknown; readonly error?: unknown }): void {
    if (this.ended) return;
    this.ended = true;
    if (this.implicit) return;
    try {
      const failed = result !== undefined && "error" in result && result.error !== undefined;
      const record: RunRecord = {
        name: this.name,
        agent: this.core.agent,
        release: this.core.release,
        ...(this.core.stack !== undefined ? { stack: this.core.stack } : {}),
        traceId: this.traceId,
        ...(this.sessionId !== undefined ? { sessionId: this.sessionId } : {}),
        ...(this.distinctId !== undefined ? { distinctId: this.distinctId } : {}),
        startedAt: this.startedAt,
        latencyMs: roundMs(this.core.clock.monotonic() - this.t0),
        input: this.input,
        output: this.core.captureContent && !failed && result?.output !== undefined ? redactValue(result.output, this.core.limits) : undefined,
        outcome: failed ? "error" : "ok",
        ...(failed ? { error: errorInfo(result.error, this.core.limits) } : {}),
      };
      this.core.send(record.distinctId, runEvent(record, this.core.captureContent), record.startedAt);
    } catch (error) {
      this.core.report(error, "record");
    }
  }
}

class TracerCore implements Tracer {
  readonly agent: string;
  readonly release: string;
  readonly stack: string | undefined;
  readonly clock: { readonly now: () => number; readonly monotonic: () => number };
  readonly captureContent: boolean;
  readonly limits: RedactLimits | undefined;
  readonly distinctId: string | undefined;
  private readonly als = new AsyncLocalStorage<Scope>();
  private readonly prices: Readonly<Record<string, ModelPrice>>;
  private readonly emf: { namespace: string; sink: LineSink; includeArgs: boolean } | undefined;
  private readonly posthog: PostHogLike | undefined;
  private readonly ownsPosthog: boolean;
  private readonly defaultProvider: string;
  private readonly onRecord: ((record: CallRecord) => void) | undefined;
  private readonly onTelemetryError: (error: unknown, stage: TelemetryStage) => void;
  private closed = false;

  constructor(options: TracerOptions) {
    validateOptions(options);
    this.agent = options.agent;
    this.release = options.release;
    this.stack = stackOf(options);
    this.clock = options.clock ?? { now: Date.now, monotonic: () => performance.now() };
    this.captureContent = options.captureContent ?? true;
    this.limits = options.redaction;
    this.distinctId = options.distinctId;
    this.prices = { ...DEFAULT_MODEL_PRICES, ...options.prices };
    this.defaultProvider = options.defaultProvider ?? "anthropic";
    this.onRecord = options.onRecord;
    const warned = new Set<TelemetryStage>();
    this.onTelemetryError =
      options.onTelemetryError ??
      ((error, stage) => {
        if (warned.has(stage)) return;
        warned.add(stage);
        const message = error instanceof Error ? error.message : String(error);
        process.emitWarning(`@airlock/trace: ${stage} output failed (${message}); the traced calls are unaffected`, "AirlockTraceWarning");
      });
    this.emf =
      options.emf === false
        ? undefined
        : {
            namespace: options.emf?.namespace ?? EMF_NAMESPACE,
            sink: options.emf?.sink ?? process.stdout,
            includeArgs: (options.emf?.includeArgs ?? true) && this.captureContent,
          };
    if (options.posthog) {
      this.ownsPosthog = !("client" in options.posthog);
      this.posthog = "client" in options.posthog ? options.posthog.client : createPostHogClient(options.posthog);
      this.posthog.on?.("error", (error) => this.report(error, "posthog"));
    } else {
      this.ownsPosthog = false;
      this.posthog = undefined;
    }
  }

  report(error: unknown, stage: TelemetryStage): void {
    try {
      this.onTelemetryError(error, stage);
    } catch {
      // A failing error handler must not reach the traced call either.
    }
  }

  run<T>(options: RunOptions | string, fn: (run: Run) => T | Promise<T>): Promise<T> {
    let run: RunImpl;
    try {
      run = new RunImpl(this, runOptions(options), false);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.als.run({ run, spanId: undefined }, async () => {
      let result: T;
      try {
        result = await fn(run);
      } catch (error) {
        run.end({ error });
        throw error;
      }
      run.end({ output: result });
      return result;
    });
  }

  startRun(options?: RunOptions | string): Run {
    return new RunImpl(this, runOptions(options), false);
  }

  /** The run a call outside any explicit run belongs to: the current one, else a one-call trace. */
  private currentRun(): RunImpl {
    return this.als.getStore()?.run ?? new RunImpl(this, {}, true);
  }

  wrapToolCall<T>(name: string, args: unknown, fn: () => T | Promise<T>): Promise<T> {
    return this.currentRun().wrapToolCall(name, args, fn);
  }

  wrapModelCall<T>(call: ModelCall<T>, fn: () => T | Promise<T>): Promise<T> {
    return this.currentRun().wrapModelCall(call, fn);
  }

  async call<T>(
    run: RunImpl,
    kind: "tool" | "model",
    name: string,
    input: unknown,
    fn: () => T | Promise<T>,
    model: ModelCall<unknown> | undefined,
  ): Promise<T> {
    const scope = this.als.getStore();
    const parentId = scope?.run === run && scope.spanId !== undefined ? scope.spanId : run.traceId;
    const spanId = randomUUID();
    const redactedInput = this.captureContent && input !== undefined ? redactValue(input, this.limits) : undefined;
    const startedAt = this.clock.now();
    const t0 = this.clock.monotonic();
    let result: T;
    try {
      result = await this.als.run({ run, spanId }, fn);
    } catch (error) {
      const latencyMs = roundMs(this.clock.monotonic() - t0);
      this.finish({ run, kind, name, spanId, parentId, startedAt, latencyMs, input: redactedInput, model, failed: true, value: error });
      throw error;
    }
    const latencyMs = roundMs(this.clock.monotonic() - t0);
    this.finish({ run, kind, name, spanId, parentId, startedAt, latencyMs, input: redactedInput, model, failed: false, value: result });
    return result;
  }

  private finish(c: {
    run: RunImpl;
    kind: "tool" | "model";
    name: string;
    spanId: string;
    parentId: string;
    startedAt: number;
    latencyMs: number;
    input: unknown;
    model: ModelCall<unknown> | undefined;
    failed: boolean;
    value: unknown;
  }): void {
    let record: CallRecord;
    try {
      record = this.record(c);
    } catch (error) {
      this.report(error, "record");
      return;
    }
    if (this.onRecord) {
      try {
        this.onRecord(record);
      } catch (error) {
        this.report(error, "record");
      }
    }
    if (this.emf) {
      try {
        this.emf.sink.write(emfLine(record, this.emf.namespace, this.emf.includeArgs));
      } catch (error) {
        this.report(error, "emf");
      }
    }
    this.send(record.distinctId, callEvent(record, this.captureContent), record.startedAt);
  }

  private record(c: Parameters<TracerCore["finish"]>[0]): CallRecord {
    const { run, model } = c;
    let usage: TokenUsage = NO_USAGE;
    let cost: CallCost | undefined = { inputUsd: 0, outputUsd: 0, totalUsd: 0 };
    let output: unknown;
    let httpStatus: number | undefined;
    let stopReason: string | undefined;
    if (c.kind === "model" && model) {
      if (!c.failed) {
        try {
          usage = (model.usage ? model.usage(c.value) : usageFromResponse(c.value)) ?? NO_USAGE;
        } catch (error) {
          this.report(error, "record");
        }
        if (this.captureContent) {
          try {
            output = redactValue(model.output ? model.output(c.value) : outputFromResponse(c.value), this.limits);
          } catch (error) {
            this.report(error, "record");
          }
        }
        stopReason = stopReasonFromResponse(c.value);
        if (looksLikeHttpResponse(c.value)) httpStatus = 200;
      } else {
        httpStatus = httpStatusOf(c.value);
      }
      const price = findPrice(this.prices, model.model);
      cost = price ? costOf(price, usage) : undefined;
    } else if (!c.failed && this.captureContent) {
      output = redactValue(c.value, this.limits);
    }
    return {
      kind: c.kind,
      name: c.name,
      agent: this.agent,
      release: this.release,
      ...(this.stack !== undefined ? { stack: this.stack } : {}),
      traceId: run.traceId,
      spanId: c.spanId,
      parentId: c.parentId,
      ...(run.sessionId !== undefined ? { sessionId: run.sessionId } : {}),
      ...(run.distinctId !== undefined ? { distinctId: run.distinctId } : {}),
      startedAt: c.startedAt,
      latencyMs: c.latencyMs,
      input: c.input,
      output,
      ...(c.kind === "model" && model ? { model: model.model, provider: model.provider ?? this.defaultProvider } : {}),
      usage,
      cost,
      outcome: c.failed ? "error" : "ok",
      ...(c.failed ? { error: errorInfo(c.value, this.limits) } : {}),
      ...(httpStatus !== undefined ? { httpStatus } : {}),
      ...(stopReason !== undefined ? { stopReason } : {}),
    };
  }

  send(distinctId: string | undefined, event: { event: string; properties: Record<string, unknown> }, startedAt: number): void {
    if (!this.posthog || this.closed) return;
    try {
      this.posthog.capture({
        distinctId: distinctId ?? `airlock-agent:${this.agent}`,
        event: event.event,
        properties: event.properties,
        timestamp: new Date(startedAt),
      });
    } catch (error) {
      this.report(error, "posthog");
    }
  }

  async flush(): Promise<void> {
    if (!this.posthog || this.closed) return;
    try {
      await this.posthog.flush();
    } catch (error) {
      this.report(error, "posthog");
    }
  }

  async shutdown(timeoutMs = 5000): Promise<void> {
    if (!this.posthog || this.closed) return;
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs + 100);
      timer.unref();
    });
    try {
      const closing = this.ownsPosthog ? this.posthog.shutdown(timeoutMs) : this.posthog.flush();
      await Promise.race([Promise.resolve(closing).catch((error: unknown) => this.report(error, "posthog")), deadline]);
    } catch (error) {
      this.report(error, "posthog");
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A tracer for one agent process. Typical use:
 *
 * ```ts
 * const tracer = createTracer({ agent: "support-agent", release: process.env.AIRLOCK_RELEASE!,
 *   posthog: { apiKey: process.env.POSTHOG_API_KEY!, host: "https://eu.i.posthog.com" } });
 * await tracer.run({ name: "ticket", input: ticket, sessionId: thread }, async (run) => {
 *   const reply = await run.wrapModelCall({ model, input: messages }, () => anthropic.messages.create({ model, messages, tools }));
 *   for (const use of reply.content.filter((b) => b.type === "tool_use"))
 *     await run.wrapToolCall(use.name, use.input, () => tools[use.name](use.input));
 * });
 * process.on("SIGTERM", () => tracer.shutdown(3000));
 * ```
 */
export function createTracer(options: TracerOptions): Tracer {
  return new TracerCore(options);
}
