/**
 * Compiled models of the agents a program deploys, for `airlock plan` (which prints the permission
 * map next to the resources), and the findings components add to the plan (what a resource
 * Airlock does not own must allow). Kept on globalThis so two copies of this module share one list.
 */
import type { AgentModel, Finding } from "@airlock/core";

const KEY = Symbol.for("airlock.plannedAgentModels");
const FINDINGS = Symbol.for("airlock.plannedFindings");
type Holder = { [KEY]?: AgentModel[]; [FINDINGS]?: Finding[] };

/** Records a compiled model for the plan (AgentDeployment calls it). */
export function recordAgentModel(model: AgentModel): void {
  const g = globalThis as Holder;
  (g[KEY] ??= []).push(model);
}

/** Models recorded since the last reset, sorted by name. */
export function recordedAgentModels(): AgentModel[] {
  return [...((globalThis as Holder)[KEY] ?? [])].sort((a, b) => a.name.localeCompare(b.name));
}

/** A finding of the program itself (not of one agent's manifest), for the plan. */
export function recordPlanFinding(finding: Finding): void {
  const g = globalThis as Holder;
  (g[FINDINGS] ??= []).push(finding);
}

/** Findings recorded since the last reset, sorted by rule and subject. */
export function recordedPlanFindings(): Finding[] {
  return [...((globalThis as Holder)[FINDINGS] ?? [])].sort((a, b) => a.rule.localeCompare(b.rule) || a.subject.localeCompare(b.subject));
}

/** Forgets the recorded models and findings (`recordProgram` calls it before each program). */
export function resetRecordedAgentModels(): void {
  (globalThis as Holder)[KEY] = [];
  (globalThis as Holder)[FINDINGS] = [];
}
