/**
 * The plan document `airlock plan --json` prints: the resources a Pulumi program would register
 * (recorded offline under Pulumi's mocks), the compiled agent models, the permission map and the
 * findings. Ordering is stable so two plans diff cleanly; secret inputs are replaced by
 * `"[secret]"` and never printed.
 */
import type { AgentModel, Finding, PermissionEntry } from "../compile/model.ts";
import { COMPONENT_TOKENS } from "../contracts/index.ts";
import type { PlannedAlarm } from "./alarms.ts";

/** Version of the plan document format ({@link PlanDocument.version}). */
export const PLAN_VERSION = 1;

/**
 * Type token of a plan's notes on resources Airlock uses but does not own (a bring-your-own key,
 * log group or secret): `@airlock/pulumi` writes them, the CLI's permission map reads them.
 */
export const REQUIREMENT_TOKEN = COMPONENT_TOKENS.requirement;

export interface PlannedResource {
  /** Pulumi URN, unique in the plan. */
  readonly urn: string;
  /** Type token, e.g. `aws:iam/role:Role` or `airlock:agent:AgentDeployment`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** URN of the parent resource, or null for a top-level resource. */
  readonly parent: string | null;
  /** Whether it is a cloud resource (true) or a component (false). */
  readonly custom: boolean;
  /** The inputs as the provider would receive them (JSON strings stay strings). */
  readonly inputs: Readonly<Record<string, unknown>>;
  /**
   * URNs of the resources this one waits for, sorted: explicit `dependsOn` and every resource an
   * input refers to (what the engine orders creation by). The parent is not listed.
   */
  readonly dependsOn: readonly string[];
  /**
   * URNs the resource had before (its aliases), sorted, when it has any: `pulumi up` moves a
   * deployed resource from there rather than replacing it.
   */
  readonly aliases?: readonly string[];
}

export interface PlannedPermission extends PermissionEntry {
  readonly agent: string;
}

export interface PlanDocument {
  readonly version: number;
  readonly project: string;
  readonly stack: string;
  /** Sorted by URN. */
  readonly resources: readonly PlannedResource[];
  /** Compiled models of the agents deployed, sorted by name. */
  readonly agents: readonly AgentModel[];
  /** Sorted by agent, tool, system. */
  readonly permissions: readonly PlannedPermission[];
  /** Compile findings and guardrail findings, sorted by rule then subject. */
  readonly findings: readonly Finding[];
  /**
   * The agents' alarms, what each watches and whether it rolls a release back (`plannedAlarms` of
   * the resources), sorted by agent, the rolling-back ones first. Absent in plans written before.
   */
  readonly alarms?: readonly PlannedAlarm[];
}

/** The placeholder that stands for any secret value in a plan. */
export const SECRET_PLACEHOLDER = "[secret]";
