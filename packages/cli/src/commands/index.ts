/**
 * The command table. Each command lives in its own file and is loaded only when it runs, so
 * `airlock scan` does not pay for loading Pulumi; its arguments and options (`specs.ts`) are what
 * it parses with and what `--help` prints.
 */
import type { Io } from "../io.ts";
import type { CommandSpec } from "../options.ts";
import { AUDIT_MIGRATE, AUDIT_VERIFY, AUTONOMY_REPORT, DEPLOY_VERIFY, DIFF, EVALS_CHECK, EVALS_FINGERPRINT, INIT, PLAN, ROLLBACK, RUNBOOK, SCAN } from "./specs.ts";

export interface Command {
  readonly summary: string;
  /** The command itself, or each of its subcommands (`airlock audit verify`, `airlock audit migrate`). */
  readonly specs: readonly CommandSpec[];
  load(): Promise<{ run(argv: string[], io: Io): Promise<number> }>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  init: { summary: INIT.summary, specs: [INIT], load: () => import("./init.ts") },
  plan: { summary: PLAN.summary, specs: [PLAN], load: () => import("./plan.ts") },
  audit: {
    summary: "verify the approvals audit log's hash chain and name any edited, deleted or reordered row (exit 1 when tampered); apply its migrations",
    specs: [AUDIT_VERIFY, AUDIT_MIGRATE],
    load: () => import("./audit.ts"),
  },
  autonomy: { summary: AUTONOMY_REPORT.summary, specs: [AUTONOMY_REPORT], load: () => import("./autonomy.ts") },
  rollback: { summary: ROLLBACK.summary, specs: [ROLLBACK], load: () => import("./rollback.ts") },
  deploy: { summary: DEPLOY_VERIFY.summary, specs: [DEPLOY_VERIFY], load: () => import("./deploy.ts") },
  diff: { summary: DIFF.summary, specs: [DIFF], load: () => import("./diff.ts") },
  scan: { summary: SCAN.summary, specs: [SCAN], load: () => import("./scan.ts") },
  runbook: { summary: RUNBOOK.summary, specs: [RUNBOOK], load: () => import("./runbook.ts") },
  evals: {
    summary: "check offline whether a release passes its eval gate (exit 0 pass, 1 fail, 2 bad input), or print its fingerprint",
    specs: [EVALS_CHECK, EVALS_FINGERPRINT],
    load: () => import("./evals.ts"),
  },
};
