/**
 * The tracer's public shapes: its options, a run's options, the call wrappers and the `Tracer`
 * itself (implemented in tracer.ts, its options checked in options.ts).
 */
import type { LineSink } from "./emf.ts";
import type { PostHogLike, PostHogSettings } from "./posthog.ts";
import type { ModelPrice, TokenUsage } from "./prices.ts";
import type { CallRecord } from "./record.ts";
import type { RedactLimits } from "./redact.ts";

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
