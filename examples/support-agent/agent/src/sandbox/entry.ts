/**
 * What the sandbox image runs (the Dockerfile's `sandbox` target): one run of a code-executing
 * tool, its input from the sandbox task's environment, its result framed on stdout for the agent's
 * sandbox runner. It refuses to run anywhere but the sandbox task.
 */
import { fileURLToPath } from "node:url";
import { runSandboxEntry } from "@airlock/runtime";

/** The handler modules beside this file: `analyze-ticket-history.ts` here, `.mjs` in the image's bundle. */
const here = import.meta.url;
const extension = here.endsWith(".ts") ? ".ts" : ".mjs";

export const SANDBOX_HANDLERS = {
  analyze_ticket_history: fileURLToPath(new URL(`./analyze-ticket-history${extension}`, here)),
} as const;

runSandboxEntry({ handlers: SANDBOX_HANDLERS }).then(
  (code) => process.stdout.write("", () => process.exit(code)),
  (e: unknown) => {
    process.stderr.write(`sandbox entry failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
