/**
 * `analyze_ticket_history`: the model's analysis code over a customer's tickets, run as one task
 * of the agent's sandbox task definition (`@airlock/runtime`'s sandbox runner: RunTask in the
 * isolated subnets, the input in the task's overrides, the output read back from its log stream).
 * The agent's process never runs the code itself. A run that gives no result is the tool's error,
 * which the model is told.
 */
import type { SandboxRunner } from "@airlock/runtime";

export const ANALYZE_TOOL = "analyze_ticket_history";

export function historyTool(runner: Pick<SandboxRunner, "run">) {
  return async function analyze_ticket_history(args: Readonly<Record<string, unknown>>): Promise<unknown> {
    const r = await runner.run(ANALYZE_TOOL, args);
    if (!r.ok) throw new Error(r.content);
    return { value: r.value, ...(r.stdout === "" ? {} : { stdout: r.stdout }), ...(r.truncated ? { truncated: true } : {}) };
  };
}
