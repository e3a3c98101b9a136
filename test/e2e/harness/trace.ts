/**
 * What the agent's tracer left behind, read back as a person debugging it would: the EMF lines on
 * the agent's stdout (what CloudWatch Logs receives from the container) and the events PostHog's
 * ingestion endpoint received; and the search for planted credentials in every byte of it.
 */
import { AGENT_METRICS, CALL_OUTCOMES, DIMENSIONS, type CallOutcome } from "@airlock/core/contracts";
import { POSTHOG_EVENTS } from "@airlock/trace";
import type { ReceivedEvent } from "../../../packages/trace/test/helpers/receiver.ts";

/** One call as its EMF line gives it. */
export interface EmfSpan {
  readonly kind: "tool" | "model";
  /** The tool, or the model id. */
  readonly name: string;
  /** `error` (counted in `Errors`), `refused` (an expected outcome, counted in `Refusals`) or `ok`. */
  readonly outcome: CallOutcome;
  readonly errorClass?: string;
  readonly errorMessage?: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId: string;
  readonly startedAt: number;
  readonly latencyMs: number;
  /** The redacted tool arguments (`Args`). */
  readonly args?: unknown;
  /** The whole line, parsed. */
  readonly line: Record<string, unknown>;
}

/** The agent's stdout split into EMF documents and its other lines. */
export interface AgentOutput {
  readonly spans: readonly EmfSpan[];
  /** Lines that are not EMF (the agent's own output), parsed when JSON. */
  readonly other: readonly (Record<string, unknown> | string)[];
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Reads the agent's stdout: every line with an `_aws` directive is an EMF line of the tracer. */
export function readAgentOutput(stdout: string): AgentOutput {
  const spans: EmfSpan[] = [];
  const other: (Record<string, unknown> | string)[] = [];
  for (const raw of stdout.split("\n")) {
    const text = raw.trim();
    if (text === "") continue;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      other.push(text);
      continue;
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      other.push(text);
      continue;
    }
    const d = doc as Record<string, unknown>;
    if (d._aws === undefined) {
      other.push(d);
      continue;
    }
    const kind = d.Kind === "model" ? "model" : "tool";
    spans.push({
      kind,
      name: kind === "tool" ? str(d[DIMENSIONS.tool]) : str(d[DIMENSIONS.model]),
      outcome: d.Outcome === CALL_OUTCOMES.error || d.Outcome === CALL_OUTCOMES.refused ? d.Outcome : CALL_OUTCOMES.ok,
      ...(typeof d.ErrorClass === "string" ? { errorClass: d.ErrorClass } : {}),
      ...(typeof d.ErrorMessage === "string" ? { errorMessage: d.ErrorMessage } : {}),
      traceId: str(d.TraceId),
      spanId: str(d.SpanId),
      parentId: str(d.ParentId),
      startedAt: (d._aws as { Timestamp?: number }).Timestamp ?? 0,
      latencyMs: Number(d[AGENT_METRICS.names.latencyMs] ?? 0),
      ...(d.Args !== undefined ? { args: d.Args } : {}),
      line: d,
    });
  }
  return { spans, other };
}

/**
 * A span as `model` or the tool's name, with `!` when it failed (outcome `error`, in the error-rate
 * alarms) and `~` when it was refused (an expected outcome, `Refusals`): the trace's shape at a glance.
 */
export function spanShape(s: Pick<EmfSpan, "kind" | "name" | "outcome">): string {
  const mark = s.outcome === CALL_OUTCOMES.error ? "!" : s.outcome === CALL_OUTCOMES.refused ? "~" : "";
  return `${s.kind === "model" ? "model" : s.name}${mark}`;
}

/** The PostHog events of one trace, as `event:name` shapes (`$ai_generation`, `$ai_span:read_ticket`, `$ai_trace:…`). */
export function posthogShapes(events: readonly ReceivedEvent[]): string[] {
  return events.map((e) => (e.event === POSTHOG_EVENTS.generation ? e.event : `${e.event}:${str(e.properties.$ai_span_name)}`));
}

/** Where a planted credential was found. */
export interface Leak {
  readonly secret: string;
  readonly place: string;
}

/**
 * Every (secret, place) where a planted credential appears in a place's text, whole or as the
 * distinctive part of it (its first 16 characters after a known prefix, so a cut or re-wrapped
 * copy is found too).
 */
export function findLeaks(planted: Readonly<Record<string, string>>, places: Readonly<Record<string, string>>): Leak[] {
  const leaks: Leak[] = [];
  for (const [name, value] of Object.entries(planted)) {
    const core = value.replace(/^(sk-ant-api03-|sk_live_|ghp_|github_pat_|xoxb-|AKIA)/, "").slice(0, 16);
    for (const [place, text] of Object.entries(places)) {
      if (text.includes(value) || (core.length >= 12 && text.includes(core))) leaks.push({ secret: name, place });
    }
  }
  return leaks;
}
