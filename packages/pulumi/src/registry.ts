/**
 * Compiled models of the agents a program deploys, for `airlock plan` (which prints the permission
 * map next to the resources). Kept on globalThis so two copies of this module share one list.
 */
import type { AgentModel } from "@airlock/core";

const KEY = Symbol.for("airlock.plannedAgentModels");
type Holder = { [KEY]?: AgentModel[] };

export function recordAgentModel(model: AgentModel): void {
  const g = globalThis as Holder;
  (g[KEY] ??= []).push(model);
}

/** Models recorded since the last reset, sorted by name. */
export function recordedAgentModels(): AgentModel[] {
  return [...((globalThis as Holder)[KEY] ?? [])].sort((a, b) => a.name.localeCompare(b.name));
}

export function resetRecordedAgentModels(): void {
  (globalThis as Holder)[KEY] = [];
}
