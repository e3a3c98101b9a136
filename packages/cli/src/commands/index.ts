/**
 * The command table. Each command lives in its own file and is loaded only when it runs, so
 * `airlock scan` does not pay for loading Pulumi.
 */
import type { Io } from "../io.ts";

export interface Command {
  readonly summary: string;
  readonly usage: string;
  load(): Promise<{ run(argv: string[], io: Io): Promise<number> }>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  plan: {
    summary: "plan a Pulumi program or an agent.yaml offline and print resources, permissions and findings",
    usage: "airlock plan [dir|agent.yaml] [--stack dev] [--json] [--out plan.json]",
    load: () => import("./plan.ts"),
  },
  audit: {
    summary: "verify the approvals audit log's hash chain and name any edited, deleted or reordered row (exit 1 when tampered); apply its migrations",
    usage: "airlock audit verify [--database-url URL | --data-dir DIR] [--expect-head SEQ:HASH] [--json]\n       airlock audit migrate --database-url URL",
    load: () => import("./audit.ts"),
  },
  autonomy: {
    summary: "per action type, the approvals evidence and the reviewed manifest change that would widen approve to auto",
    usage: "airlock autonomy report [--manifest agent.yaml] [--database-url URL | --data-dir DIR] [--min-streak 50] [--min-window-days 14] [--json]",
    load: () => import("./autonomy.ts"),
  },
  rollback: {
    summary: "point the service back at the previous good release (only the task definition changes; verified offline)",
    usage: "airlock rollback [dir] [--stack dev] [--to <release>] [--write | --print-only] [--skip-verify]",
    load: () => import("./rollback.ts"),
  },
  diff: {
    summary: "semantic diff of two plans for reviewers: permissions, egress, secrets, approvals, findings (exit 1 when anything widens)",
    usage: "airlock diff <old-plan.json> <new-plan.json> [--format text|markdown|json]",
    load: () => import("./diff.ts"),
  },
  scan: {
    summary: "find credentials in prompts, tool definitions, .env files, code and conversation logs (exit 1 when any is found)",
    usage: "airlock scan [paths...] [--json]",
    load: () => import("./scan.ts"),
  },
  runbook: {
    summary: "write the agent's runbook (Markdown): incident response with real names, permission map, autonomy evidence, diagram",
    usage: "airlock runbook [dir|agent.yaml] [--plan plan.json] [--evidence autonomy.json] [--region us-east-1] [--out RUNBOOK.md]",
    load: () => import("./runbook.ts"),
  },
  evals: {
    summary: "check offline whether a release passes its eval gate (exit 0 pass, 1 fail, 2 bad input), or print its fingerprint",
    usage:
      "airlock evals check <report.json> --release <id> [--manifest agent.yaml] [--image <ref>] [--previous <report.json>] [--min-pass-rate 0.9] [--max-regression 0] [--require-all-repeats <case>]... [--repeats 3] [--json]\n" +
      "       airlock evals fingerprint [--manifest agent.yaml] [--image <ref>] [--format env|json]",
    load: () => import("./evals.ts"),
  },
};
