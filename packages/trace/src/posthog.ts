import { CALL_OUTCOMES, type CallOutcome } from "@airlock/core/contracts";
import { PostHog } from "posthog-node";
import { POSTHOG_EVENTS, TRACE_LIB } from "./constants.ts";
import type { CallRecord, RunRecord } from "./record.ts";

/**
 * PostHog LLM analytics through posthog-node: `$ai_generation` per model call, `$ai_span` per tool
 * call, `$ai_trace` per agent run, with the documented `$ai_*` properties
 * (https://posthog.com/docs/llm-analytics/manual-capture). `capture()` only queues; posthog-node
 * sends batches in the background (flushAt / flushInterval), so nothing here waits on the network.
 */

export interface PostHogSettings {
  /** Project API key (`phc_…`; public by design, not a secret). */
  readonly apiKey: string;
  /** Ingestion host. @default "https://us.i.posthog.com" */
  readonly host?: string;
  /** Events queued before a batch is sent. @default 20 */
  readonly flushAt?: number;
  /** Milliseconds between background flushes. @default 5000 */
  readonly flushIntervalMs?: number;
  /** Milliseconds before one batch request is abandoned. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** Retries of a failed batch (network error or 5xx). @default 2 */
  readonly retryCount?: number;
  /** Milliseconds between retries. @default 1000 */
  readonly retryDelayMs?: number;
  /** Events kept in memory while PostHog is unreachable; the oldest are dropped past it. @default 1000 */
  readonly maxQueueSize?: number;
  /** Send JSON instead of gzip. @default - gzip */
  readonly disableCompression?: boolean;
}

/**
 * posthog-node's background flush (flushAt / flushInterval) prints every failed batch with its
 * stack to stderr, which in an outage floods the agent's log group. The same failure is also
 * emitted as an `error` event, which the tracer reports once through `onTelemetryError`; this
 * subclass keeps the batching and drops only the duplicate console output.
 */
class QuietPostHog extends PostHog {
  protected override flushAutomatic(): Promise<void> {
    return super.flushAutomatic().catch(() => undefined);
  }
}

export function createPostHogClient(settings: PostHogSettings): PostHog {
  return new QuietPostHog(settings.apiKey, {
    host: settings.host ?? "https://us.i.posthog.com",
    flushAt: settings.flushAt ?? 20,
    flushInterval: settings.flushIntervalMs ?? 5000,
    requestTimeout: settings.requestTimeoutMs ?? 5000,
    fetchRetryCount: settings.retryCount ?? 2,
    fetchRetryDelay: settings.retryDelayMs ?? 1000,
    maxQueueSize: settings.maxQueueSize ?? 1000,
    disableCompression: settings.disableCompression ?? false,
    disableGeoip: true,
  });
}

/** The part of a PostHog client the tracer uses (an injected client only needs these). */
export interface PostHogLike {
  capture(event: {
    distinctId: string;
    event: string;
    properties?: Record<string, unknown>;
    timestamp?: Date;
  }): void;
  flush(): Promise<unknown>;
  shutdown(timeoutMs?: number): Promise<unknown>;
  on?(event: "error", listener: (error: unknown) => void): unknown;
}

/** PostHog wants latency in seconds; latencies are kept to the microsecond. */
function seconds(ms: number): number {
  return Number((ms / 1000).toFixed(6));
}

function common(r: { agent: string; release: string; stack?: string; distinctId?: string; sessionId?: string }): Record<string, unknown> {
  return {
    $ai_lib: TRACE_LIB,
    airlock_agent: r.agent,
    airlock_release: r.release,
    ...(r.stack !== undefined ? { airlock_stack: r.stack } : {}),
    ...(r.sessionId !== undefined ? { $ai_session_id: r.sessionId } : {}),
    ...(r.distinctId === undefined ? { $process_person_profile: false } : {}),
  };
}

/**
 * `$ai_is_error` only for a failure (outcome `error`). A refused call (an expected outcome) is not
 * an error; it says why in `airlock_refusal` (class and message), so PostHog's error views match
 * the `Errors` metric.
 */
function errorProps(r: { outcome: CallOutcome; error?: { class: string; message: string } }): Record<string, unknown> {
  const described = r.error ? `${r.error.class}: ${r.error.message}` : r.outcome;
  if (r.outcome === CALL_OUTCOMES.error) return { $ai_is_error: true, $ai_error: described };
  if (r.outcome === CALL_OUTCOMES.refused) return { $ai_is_error: false, airlock_outcome: r.outcome, airlock_refusal: described };
  return { $ai_is_error: false };
}

/** The event a call becomes: `$ai_generation` for a model call, `$ai_span` for a tool call. */
export function callEvent(r: CallRecord, captureContent: boolean) {
  if (r.kind === "model") {
    return {
      event: POSTHOG_EVENTS.generation,
      properties: {
        ...common(r),
        $ai_trace_id: r.traceId,
        $ai_span_id: r.spanId,
        $ai_parent_id: r.parentId,
        $ai_span_name: r.name,
        $ai_model: r.model,
        $ai_provider: r.provider,
        ...(captureContent ? { $ai_input: r.input, $ai_output_choices: r.output ?? null } : {}),
        $ai_input_tokens: r.usage.inputTokens,
        $ai_output_tokens: r.usage.outputTokens,
        ...(r.usage.cacheReadInputTokens ? { $ai_cache_read_input_tokens: r.usage.cacheReadInputTokens } : {}),
        ...(r.usage.cacheCreationInputTokens ? { $ai_cache_creation_input_tokens: r.usage.cacheCreationInputTokens } : {}),
        ...(r.cost
          ? { $ai_input_cost_usd: r.cost.inputUsd, $ai_output_cost_usd: r.cost.outputUsd, $ai_total_cost_usd: r.cost.totalUsd }
          : {}),
        $ai_latency: seconds(r.latencyMs),
        ...(r.httpStatus !== undefined ? { $ai_http_status: r.httpStatus } : {}),
        ...(r.stopReason !== undefined ? { $ai_stop_reason: r.stopReason } : {}),
        ...errorProps(r),
      },
    };
  }
  return {
    event: POSTHOG_EVENTS.span,
    properties: {
      ...common(r),
      $ai_trace_id: r.traceId,
      $ai_span_id: r.spanId,
      $ai_parent_id: r.parentId,
      $ai_span_name: r.name,
      ...(captureContent ? { $ai_input_state: r.input, $ai_output_state: r.output ?? null } : {}),
      $ai_latency: seconds(r.latencyMs),
      ...errorProps(r),
    },
  };
}

/** The `$ai_trace` event closing an agent run. */
export function runEvent(r: RunRecord, captureContent: boolean) {
  return {
    event: POSTHOG_EVENTS.trace,
    properties: {
      ...common(r),
      $ai_trace_id: r.traceId,
      $ai_span_name: r.name,
      ...(captureContent ? { $ai_input_state: r.input ?? null, $ai_output_state: r.output ?? null } : {}),
      $ai_latency: seconds(r.latencyMs),
      ...errorProps(r),
    },
  };
}
