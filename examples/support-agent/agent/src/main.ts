/**
 * The agent's entry: `node main.js <ticketId>` handles one ticket and exits (README.md has the
 * whole contract: arguments, environment, stdout lines, exit codes).
 *
 * Exit 0: the ticket was handled, whatever the outcome (a reply sent, rejected, timed out or
 * forbidden are outcomes the model was told). Exit 2: the agent cannot start (a missing or
 * malformed variable, a model that is not the task's release, no ticket id): the message names
 * what to fix. Exit 1: the Claude API failed, or an unexpected error.
 */
import { handleTicket } from "./agent.ts";
import { jsonLines, printable } from "./events.ts";

async function main(argv: readonly string[]): Promise<number> {
  const emit = jsonLines(process.stdout);
  if (argv.length !== 1) {
    const message = `usage: main.js <ticketId>, e.g. main.js T-1042 (got ${argv.length} arguments)`;
    emit({ event: "error", kind: "config", message });
    process.stderr.write(`support-agent: ${message}\n`);
    return 2;
  }
  const result = await handleTicket(argv[0]!, {
    emit: (e) => {
      emit(e);
      if (e.event === "error") process.stderr.write(`support-agent: ${e.message}\n`);
    },
  });
  return result.exitCode;
}

main(process.argv.slice(2)).then(
  // Exit once stdout is written out: an SDK's idle keep-alive socket must not hold the process.
  (code) => process.stdout.write("", () => process.exit(code)),
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    process.stdout.write(`${JSON.stringify({ event: "error", kind: "internal", message: printable(message, 500) })}\n`);
    process.stderr.write(`support-agent: unexpected error: ${printable(message, 500)}\n`);
    process.stdout.write("", () => process.exit(1));
  },
);
