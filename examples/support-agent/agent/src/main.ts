/**
 * The agent's entry (README.md has the whole contract: arguments, environment, stdout lines, exit
 * codes):
 *
 * - `node main.js` (what the image runs, the ECS service's task): the service loop (service.ts)
 *   takes tickets from the ticket table until SIGTERM, then finishes or gives back the ticket in
 *   hand and exits 0.
 * - `node main.js <ticketId>`: handles that one ticket and exits.
 *
 * Exit 0: the ticket was handled, whatever the outcome (a reply sent, rejected, timed out or
 * forbidden are outcomes the model was told), or the service stopped on SIGTERM. Exit 2: the agent
 * cannot start (a missing or malformed variable, a model that is not the task's release, a bad
 * ticket id or more than one argument): the message names what to fix. Exit 1: the Claude API
 * failed (one ticket), the ticket queue could not be used (service), or an unexpected error.
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { handleTicket, prepareAgent } from "./agent.ts";
import { jsonLines, printable, type EventSink } from "./events.ts";
import { QueueError, runService } from "./service.ts";

async function service(emit: EventSink): Promise<number> {
  const stop = new AbortController();
  const worker = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  // ECS stops a task with SIGTERM (SIGINT for a person at a terminal); a second one changes nothing.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) return;
    emit({ event: "service", state: "stopping", worker });
    process.stderr.write(`support-agent: ${signal}: finishing or giving back the ticket in hand, then exiting\n`);
    stop.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const prepared = await prepareAgent({ emit });
  if ("failed" in prepared) return prepared.failed.exitCode;
  const { agent } = prepared;
  const s = agent.config.service;
  try {
    await runService(agent, { worker, leaseMs: s.leaseMs, stopGraceMs: s.stopGraceMs, idle: { initialMs: Math.min(1_000, s.idleMaxMs), factor: 2, maxMs: s.idleMaxMs }, emit, stop: stop.signal });
    return 0;
  } catch (e) {
    if (!(e instanceof QueueError)) throw e;
    emit({ event: "error", kind: "internal", message: e.message });
    return 1;
  } finally {
    await agent.shutdown(3_000);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const out = jsonLines(process.stdout);
  const emit: EventSink = (e) => {
    out(e);
    if (e.event === "error") process.stderr.write(`support-agent: ${e.message}\n`);
  };
  if (argv.length === 0) return service(emit);
  if (argv.length !== 1) {
    const message = `usage: main.js [ticketId]: no argument runs the service loop, one handles that ticket, e.g. main.js T-1042 (got ${argv.length} arguments)`;
    emit({ event: "error", kind: "config", message });
    return 2;
  }
  const result = await handleTicket(argv[0]!, { emit });
  return result.exitCode;
}

main(process.argv.slice(2)).then(
  // Exit once stdout is written out: an SDK's idle keep-alive socket (or a call the service gave
  // up on when it stopped) must not hold the process.
  (code) => process.stdout.write("", () => process.exit(code)),
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    process.stdout.write(`${JSON.stringify({ event: "error", kind: "internal", message: printable(message, 500) })}\n`);
    process.stderr.write(`support-agent: unexpected error: ${printable(message, 500)}\n`);
    process.stdout.write("", () => process.exit(1));
  },
);
