/**
 * The Agent SDK's model calls in the trace. Claude Code makes the Messages API calls itself, so
 * they are read from the stream events `query()` yields with `includePartialMessages: true`: a
 * `message_start` opens a model call (model id, input tokens), `message_delta` gives the output
 * tokens and the stop reason, `message_stop` closes it (its duration is from the first to the last
 * event, not the request's time to first token), and the assistant messages of that id give its
 * content. Each becomes one `wrapModelCall` of `@airlock/trace`, priced and redacted as the Claude
 * API loop's are. A call the stream leaves open (an API error, an interrupted query) is traced
 * with outcome `error`.
 */
import type { SDKMessage } from "@anthropic-ai/claude-agent-sdk";
import type { CallWrapper, RunOptions, Tracer } from "@airlock/trace";

interface OpenCall {
  readonly id: string;
  model: string;
  usage: Record<string, number>;
  stopReason: string | null;
  content: unknown[];
  resolve(message: unknown): void;
  reject(error: Error): void;
}

type Num = Record<string, unknown>;

const counts = (u: unknown): Record<string, number> => {
  const out: Record<string, number> = {};
  if (typeof u !== "object" || u === null) return out;
  for (const [k, v] of Object.entries(u as Num)) if (typeof v === "number" && Number.isFinite(v)) out[k] = v;
  return out;
};

/** Reads the model calls out of `query()`'s messages and traces each (see the module). */
export class ModelCallObserver {
  readonly #tracer: CallWrapper;
  readonly #open = new Map<string, OpenCall>();
  /** The call each stream belongs to: the main thread's, or a subagent's (its parent tool use). */
  readonly #current = new Map<string, string>();

  constructor(tracer: CallWrapper) {
    this.#tracer = tracer;
  }

  observe(message: SDKMessage): void {
    if (message.type === "stream_event") {
      const stream = message.parent_tool_use_id ?? "";
      const event = message.event as { type: string } & Num;
      if (event.type === "message_start") {
        const m = (event.message ?? {}) as Num;
        const id = typeof m.id === "string" ? m.id : `${stream}:${this.#open.size}`;
        let resolve!: (v: unknown) => void;
        let reject!: (e: Error) => void;
        const done = new Promise<unknown>((res, rej) => {
          resolve = res;
          reject = rej;
        });
        const call: OpenCall = { id, model: typeof m.model === "string" ? m.model : "unknown", usage: counts(m.usage), stopReason: null, content: [], resolve, reject };
        this.#open.set(id, call);
        this.#current.set(stream, id);
        this.#tracer.wrapModelCall({ model: call.model }, () => done).catch(() => undefined);
        return;
      }
      const call = this.#open.get(this.#current.get(stream) ?? "");
      if (call === undefined) return;
      if (event.type === "message_delta") {
        Object.assign(call.usage, counts(event.usage));
        const delta = (event.delta ?? {}) as Num;
        if (typeof delta.stop_reason === "string") call.stopReason = delta.stop_reason;
      } else if (event.type === "message_stop") {
        this.#close(call);
        this.#current.delete(stream);
      }
      return;
    }
    if (message.type === "assistant") {
      const m = message.message as unknown as Num;
      const call = typeof m.id === "string" ? this.#open.get(m.id) : undefined;
      if (call !== undefined && Array.isArray(m.content)) call.content.push(...(m.content as unknown[]));
    }
  }

  #close(call: OpenCall): void {
    this.#open.delete(call.id);
    call.resolve({ type: "message", id: call.id, role: "assistant", model: call.model, content: call.content, stop_reason: call.stopReason, usage: call.usage });
  }

  /** Ends the calls the stream left open, as errors. */
  end(reason: string): void {
    for (const call of this.#open.values()) call.reject(new Error(`the model call ${call.id} did not finish: ${reason}`));
    this.#open.clear();
    this.#current.clear();
  }
}

const isTracer = (t: unknown): t is Tracer => typeof (t as Tracer | undefined)?.run === "function" && typeof (t as Tracer).startRun === "function";

/**
 * Runs `start()` (which calls `query()`) inside one trace when `tracer` is a `Tracer`, so the tool
 * calls its handlers make join the run, and yields its messages while tracing each model call.
 */
export async function* traceMessages<T extends SDKMessage>(tracer: CallWrapper | undefined, start: () => AsyncGenerator<T, void>, run: RunOptions = {}): AsyncGenerator<T, void> {
  if (tracer === undefined) {
    yield* start();
    return;
  }
  const observer = new ModelCallObserver(tracer);
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;
  let source: AsyncGenerator<T, void> | undefined;
  const pump = async (): Promise<void> => {
    source = start();
    for await (const m of source) {
      observer.observe(m);
      queue.push(m);
      wake?.();
    }
  };
  const running = isTracer(tracer) ? tracer.run({ name: "claude-agent-query", ...run }, pump) : pump();
  running.then(
    () => {
      finished = true;
      wake?.();
    },
    (error: unknown) => {
      failure = { error };
      finished = true;
      wake?.();
    },
  );
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (finished) break;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
    if (failure !== undefined) throw failure.error;
  } finally {
    observer.end(failure === undefined ? "the query ended" : String((failure.error as Error)?.message ?? failure.error));
    if (!finished) await source?.return(undefined);
  }
}
