/**
 * The operator's read-only commands, through the CLI's own entry (`main` of @airlock/cli with the
 * command line an operator types): `airlock audit verify --json` and
 * `airlock autonomy report --json`, against the scenario's store once the gateway has let go of it.
 */
import { bufferIo, main } from "@airlock/cli";
import type { AuditVerification, AutonomyAssessment } from "@airlock/approvals";

export interface CliRun<T> {
  /** The command line after `airlock`. */
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The `--json` output, parsed. */
  readonly json: T;
}

async function airlock<T>(argv: readonly string[], cwd: string): Promise<CliRun<T>> {
  const io = bufferIo(cwd, {});
  const exitCode = await main([...argv], io);
  let json: T;
  try {
    json = JSON.parse(io.stdout) as T;
  } catch {
    throw new Error(`airlock ${argv.join(" ")} exited ${exitCode} without JSON on stdout:\n${io.stdout}\n${io.stderr}`);
  }
  return { argv, exitCode, stdout: io.stdout, stderr: io.stderr, json };
}

/** `airlock audit verify --json`: the chain's check, with the store's label. */
export function auditVerify(storeArgs: readonly string[], cwd: string): Promise<CliRun<AuditVerification & { store: string }>> {
  return airlock(["audit", "verify", ...storeArgs, "--json"], cwd);
}

/** What `airlock autonomy report --json` prints (dates as ISO strings). */
export interface AutonomyReportJson {
  readonly agent: string;
  readonly verification: AuditVerification;
  readonly assessments: readonly (Omit<AutonomyAssessment, "windowStart" | "lastReset"> & { readonly windowStart?: string })[];
}

/** `airlock autonomy report --manifest <agent.yaml> --json`. */
export function autonomyReport(storeArgs: readonly string[], manifest: string, cwd: string): Promise<CliRun<AutonomyReportJson>> {
  return airlock(["autonomy", "report", "--manifest", manifest, ...storeArgs, "--json"], cwd);
}
