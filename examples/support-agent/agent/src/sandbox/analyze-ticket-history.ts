/**
 * The handler of `analyze_ticket_history`, run only inside the sandbox task (no egress, no AWS
 * permission; `runSandboxEntry` starts it in a child process of its own): the model's JavaScript,
 * the body of a function of `tickets`, run in a fresh V8 context with a time limit and nothing of
 * Node in scope. Its return value, as JSON, is the tool's result.
 */
import { runInNewContext } from "node:vm";

/** How long the model's code may run, in ms (the sandbox task has its own wall-clock limit too). */
export const CODE_TIMEOUT_MS = 10_000;

export function handler(args: { readonly code?: unknown; readonly tickets?: unknown }): unknown {
  if (typeof args.code !== "string" || args.code.trim() === "") throw new Error("`code` must be the body of a JavaScript function of `tickets`");
  const tickets = JSON.parse(JSON.stringify(args.tickets ?? [])) as unknown;
  const sandbox = Object.create(null) as Record<string, unknown>;
  sandbox.tickets = tickets;
  const value = runInNewContext(`"use strict"; (function (tickets) {\n${args.code}\n})(tickets)`, sandbox, { timeout: CODE_TIMEOUT_MS, filename: "analysis.js" }) as unknown;
  const json = JSON.stringify(value ?? null);
  return JSON.parse(json) as unknown;
}
