/**
 * `airlock runbook [dir|agent.yaml]`: prints (or writes) the agent's runbook in Markdown: incident
 * response with the real names, the permission map, autonomy evidence and a Mermaid diagram.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadManifest, renderRunbook, type AutonomyEvidence } from "@airlock/core";
import { UsageError, type Io } from "../io.ts";
import { parseCommand } from "../options.ts";
import { checkRegion } from "../plan/region.ts";
import { RUNBOOK } from "./specs.ts";
import { readPlan } from "./diff.ts";

/** Reads autonomy evidence: the approvals autonomy report (`{ assessments: [...] }`) or a list of assessments. */
export function readEvidence(file: string, cwd: string): AutonomyEvidence[] {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new UsageError(`${file} does not exist; pass the autonomy report written by the approvals service`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new UsageError(`${file} is not JSON (${(e as Error).message}); pass the autonomy report as JSON`);
  }
  const list = Array.isArray(data) ? data : (data as { assessments?: unknown })?.assessments;
  if (!Array.isArray(list)) throw new UsageError(`${file} has no \`assessments\` list; pass the autonomy report as JSON`);
  list.forEach((a, i) => {
    const ok = a !== null && typeof a === "object" && typeof a.actionType === "string" && ["approvals", "rejections", "edits", "incidents", "streak", "windowDays"].every((k) => typeof a[k] === "number") && typeof a.eligible === "boolean" && Array.isArray(a.reasons);
    if (!ok) throw new UsageError(`${file}: \`assessments[${i}]\` needs actionType, approvals, rejections, edits, incidents, streak, windowDays, eligible and reasons`);
  });
  return list as AutonomyEvidence[];
}

export async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(RUNBOOK, argv);
  const region = parsed.values.region === undefined ? undefined : checkRegion("--region", parsed.values.region);
  const target = resolve(io.cwd, parsed.positionals[0] ?? ".");
  if (!existsSync(target)) throw new UsageError(`${parsed.positionals[0] ?? "."} does not exist; pass a directory holding agent.yaml, or the manifest itself`);
  const dir = statSync(target).isDirectory();
  const manifest = dir ? join(target, "agent.yaml") : target;
  if (!existsSync(manifest)) throw new UsageError(`${parsed.positionals[0] ?? "."} has no agent.yaml; pass the manifest's path`);
  const model = await loadManifest(manifest);
  const markdown = renderRunbook(model, {
    ...(parsed.values.plan ? { plan: readPlan(parsed.values.plan, io.cwd) } : {}),
    ...(parsed.values.evidence ? { evidence: readEvidence(parsed.values.evidence, io.cwd) } : {}),
    ...(region !== undefined ? { region } : {}),
    stackDir: dir ? (parsed.positionals[0] ?? ".") : ".",
  });
  if (parsed.values.out) {
    writeFileSync(resolve(io.cwd, parsed.values.out), `${markdown}\n`);
    io.out(`wrote ${parsed.values.out}`);
  } else {
    io.out(markdown);
  }
  return 0;
}
