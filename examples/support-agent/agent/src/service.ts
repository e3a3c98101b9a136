/**
 * The long-running mode, what the image runs by default as the ECS service's task: take an open
 * ticket from the ticket table (or one whose lease ran out), handle it with the same code as the
 * one-ticket mode, mark it answered or failed, and look again; wait longer each time the queue is
 * empty, up to a bound. Every queue operation is a call of the manifest's `ticket_queue` tool
 * through the runtime (guard, input schema, trace), never offered to the model.
 *
 * While a ticket is handled its lease is renewed at a third of its length; a renewal that finds
 * the ticket taken by another task (this one was paused past its lease) cancels the model calls and
 * leaves the ticket to its new holder.
 *
 * On SIGTERM (ECS stops a task with SIGTERM, then SIGKILL after the container's `stopTimeout`,
 * packages/core/src/aws/ecs-stop.ts): no new ticket is taken; the ticket in hand may finish within
 * `stopGraceMs`; if it does not, new tool calls are refused, the model calls cancelled, and the
 * ticket is given back (`open`, another task takes it at once) when none of its write tools has
 * started, or marked `failed` (`interrupted`) when one has, so that a reply is never sent twice. Then
 * the loop ends and the process exits 0.
 */
import type { Tools } from "./tools/index.ts";
import type { HandleOptions, PreparedAgent, TicketResult } from "./agent.ts";
import { printable, type EventSink } from "./events.ts";
import { QUEUE, type QueueResult } from "./tools/queue.ts";

/** The idle waits: from `initialMs`, times `factor` each empty look, never above `maxMs`. */
export interface IdleBackoff {
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
}

/** The wait after `emptyLooks` empty looks in a row (1 for the first). */
export function idleWait(b: IdleBackoff, emptyLooks: number): number {
  return Math.min(b.maxMs, Math.round(b.initialMs * b.factor ** Math.max(0, emptyLooks - 1)));
}

export interface ServiceOptions {
  /** This task's name in the leases (unique per task). */
  readonly worker: string;
  readonly leaseMs: number;
  readonly stopGraceMs: number;
  readonly idle: IdleBackoff;
  /** Where the loop's own events go. */
  readonly emit: EventSink;
  /** Aborted on SIGTERM. */
  readonly stop: AbortSignal;
  /** @default - a timer that ends early when `signal` aborts */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Ends the loop after this many tickets (tests). @default - never */
  readonly maxTickets?: number;
}

/** What the loop did. */
export interface ServiceSummary {
  readonly handled: readonly { readonly ticket: string; readonly state: "answered" | "failed" | "released" | "lease-lost" }[];
  readonly idleWaits: readonly number[];
}

const abortableSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });

/** An error from the queue tool that the loop cannot go on after (the call was refused or failed). */
export class QueueError extends Error {
  override readonly name = "QueueError";
}

/** Runs the service loop until `options.stop` aborts (or `maxTickets`); throws {@link QueueError} when the queue cannot be used. */
export async function runService(agent: PreparedAgent, options: ServiceOptions): Promise<ServiceSummary> {
  const impl = agent.loopTool(QUEUE.tool);
  if (impl === undefined) throw new QueueError(`the shipped model declares no \`${QUEUE.tool}\` tool; declare it in agent.yaml (the service loop takes tickets through it), or give a ticket id to handle one ticket`);
  const sleep = options.sleep ?? abortableSleep;
  const writes = new Set(agent.model.tools.filter((t) => t.access === "write" && !t.sandbox && t.name !== QUEUE.tool).map((t) => t.name));
  const queue = async (args: Record<string, unknown>): Promise<QueueResult> => {
    const out = await agent.runtime.callTool(QUEUE.tool, { ...args, worker: options.worker }, impl);
    if (!out.ok) throw new QueueError(`the ticket queue refused ${String(args.action)}: ${out.content}`);
    return out.value as QueueResult;
  };
  const handled: { ticket: string; state: "answered" | "failed" | "released" | "lease-lost" }[] = [];
  const idleWaits: number[] = [];
  let empty = 0;
  options.emit({ event: "service", state: "started", worker: options.worker, leaseMs: options.leaseMs, stopGraceMs: options.stopGraceMs });
  while (!options.stop.aborted && (options.maxTickets === undefined || handled.length < options.maxTickets)) {
    const taken = await queue({ action: "take" });
    const id = taken.ticket_id;
    if (id === null) {
      const wait = idleWait(options.idle, ++empty);
      idleWaits.push(wait);
      await sleep(wait, options.stop);
      continue;
    }
    empty = 0;
    if (options.stop.aborted) {
      // SIGTERM came while the ticket was being taken: give it straight back.
      await queue({ action: "release", ticket_id: id });
      handled.push({ ticket: id, state: "released" });
      options.emit({ event: "queue", ticket: id, state: "released", worker: options.worker });
      break;
    }
    options.emit({ event: "queue", ticket: id, state: "taken", worker: options.worker });
    const state = await handleOne(agent, id, options, queue, writes);
    handled.push({ ticket: id, state });
    options.emit({ event: "queue", ticket: id, state, worker: options.worker });
  }
  options.emit({ event: "service", state: "stopped", worker: options.worker, tickets: handled.length });
  return { handled, idleWaits };
}

async function handleOne(agent: PreparedAgent, id: string, options: ServiceOptions, queue: (a: Record<string, unknown>) => Promise<QueueResult>, writes: ReadonlySet<string>): Promise<"answered" | "failed" | "released" | "lease-lost"> {
  const cancel = new AbortController();
  let givingBack = false;
  let wrote = false;
  let lost = false;
  const wrapTool: HandleOptions["wrapTool"] = (name: string, run: Tools[string]) => async (args) => {
    if (givingBack || lost) throw new Error("the agent is stopping and gave the ticket back; this call was not run");
    if (writes.has(name)) wrote = true;
    return run(args);
  };
  const renew = setInterval(() => {
    void queue({ action: "renew", ticket_id: id }).then(
      (r) => {
        if (r.action !== "take" && !r.held && !lost) {
          lost = true;
          cancel.abort();
        }
      },
      (e: unknown) => options.emit({ event: "error", ticket: id, kind: "internal", message: `renewing the lease failed: ${printable(e instanceof Error ? e.message : String(e), 300)}` }),
    );
  }, Math.max(1, Math.floor(options.leaseMs / 3)));
  const handling: Promise<TicketResult | Error> = agent.handle(id, { signal: cancel.signal, wrapTool }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  // Resolves `undefined` once SIGTERM came and the grace ran out.
  let start: () => void = () => undefined;
  const graceOver = new Promise<undefined>((resolve) => {
    start = () => void (options.sleep ?? abortableSleep)(options.stopGraceMs, new AbortController().signal).then(() => resolve(undefined));
  });
  if (options.stop.aborted) start();
  else options.stop.addEventListener("abort", start, { once: true });
  try {
    const result = await Promise.race([handling, graceOver]);
    if (lost) return "lease-lost";
    if (result === undefined) {
      givingBack = true;
      cancel.abort();
      if (wrote) {
        await queue({ action: "finish", ticket_id: id, status: QUEUE.failed, outcome: "interrupted" });
        return "failed";
      }
      await queue({ action: "release", ticket_id: id });
      return "released";
    }
    if (result instanceof Error) {
      options.emit({ event: "error", ticket: id, kind: "internal", message: printable(result.message, 300) });
    }
    const answered = !(result instanceof Error) && result.outcome === "replied";
    const outcome = result instanceof Error ? "internal-error" : result.exitCode === 1 ? "model-api-error" : (result.outcome ?? "unknown");
    const r = await queue({ action: "finish", ticket_id: id, status: answered ? QUEUE.answered : QUEUE.failed, outcome });
    if (r.action !== "take" && !r.held) return "lease-lost";
    return answered ? "answered" : "failed";
  } finally {
    clearInterval(renew);
    options.stop.removeEventListener("abort", start);
  }
}
