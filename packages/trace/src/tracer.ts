import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { CALL_OUTCOMES, OUTCOME_PROPERTY, type CallOutcome } from "@airlock/core/contracts";
import { EMF_NAMESPACE } from "./constants.ts";
import { emfLine, type LineSink } from "./emf.ts";
import { callEvent, createPostHogClient, runEvent, type PostHogLike, type PostHogSettings } from "./posthog.ts";
import { DEFAULT_MODEL_PRICES, costOf, findPrice, validatePrices, type CallCost, type ModelPrice, type TokenUsage } from "./prices.ts";
import type { CallRecord, RunRecord } from "./record.ts";
import { errorInfo, httpStatusOf, redactValue, type RedactLimits } from "./redact.ts";
import { NO_USAGE, looksLikeHttpResponse, outputFromResponse, stopReasonFromResponse, usageFromResponse } from "./usage.ts";
import { stackOf, TRACE_ID, validateOptions } from "./options.ts";
import type { ModelCall, Run, RunOptions, TelemetryStage, Tracer, TracerOptions } from "./types.ts";

export type * from "./types.ts";


/** How a call that threw `value` ended: `refused` when the value says so (`OUTCOME_PROPERTY`), else `error`. */
function thrownOutcome(value: unknown): CallOutcome {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[OUTCOME_PROPERTY] === CALL_OUTCOMES.refused
    ? CALL_OUTCOMES.refused
    : CALL_OUTCOMES.error;
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
      outcome: c.failed ? thrownOutcome(c.value) : CALL_OUTCOMES.ok,
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
