/**
 * What the agent prints: one JSON object per line on stdout, `{"event": …}`, beside the tracer's
 * EMF lines (which carry `_aws`). Nothing a customer or the model wrote is printed as it is: text
 * goes through the tracer's redaction first, and tool arguments are not printed at all (the trace
 * holds them, redacted).
 */
import { redactValue } from "@airlock/trace";

export type AgentEvent =
  | { readonly event: "start"; readonly ticket: string; readonly agent: string; readonly release: string; readonly model: string; readonly modelHash: string }
  | { readonly event: "tool"; readonly ticket: string; readonly tool: string; readonly outcome: string; readonly requestId?: string; readonly isError: boolean }
  | { readonly event: "done"; readonly ticket: string; readonly outcome: TicketOutcome; readonly stop: string; readonly turns: number; readonly traceId?: string; readonly text: string; readonly inputTokens: number; readonly outputTokens: number }
  | { readonly event: "error"; readonly ticket?: string; readonly kind: "config" | "model-api" | "internal"; readonly message: string }
  /** The service loop (service.ts): started, stopping (SIGTERM), stopped. */
  | { readonly event: "service"; readonly state: "started" | "stopping" | "stopped"; readonly worker: string; readonly leaseMs?: number; readonly stopGraceMs?: number; readonly tickets?: number }
  /** A ticket of the queue: taken, then answered, failed, given back (released) or lost to another task (lease-lost). */
  | { readonly event: "queue"; readonly ticket: string; readonly state: "taken" | "answered" | "failed" | "released" | "lease-lost"; readonly worker: string };

/**
 * How the ticket ended: `replied` (a reply was sent), `not-replied` (the model ended without
 * sending one: a reply was rejected, timed out or not needed), `incomplete` (the turn bound).
 */
export type TicketOutcome = "replied" | "not-replied" | "incomplete";

export type EventSink = (e: AgentEvent) => void;

/** Writes each event as one JSON line to `out` (stdout). */
export function jsonLines(out: { write(line: string): unknown } = process.stdout): EventSink {
  return (e) => {
    out.write(`${JSON.stringify(e)}\n`);
  };
}

/** Text safe to print: the tracer's redaction of credentials, cut to `max` characters. */
export function printable(text: string, max = 500): string {
  const r = redactValue(text);
  const s = typeof r === "string" ? r : JSON.stringify(r);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
