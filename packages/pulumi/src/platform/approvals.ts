/**
 * The platform's approvals resolved once: checked against its agents (`validatePlatformApprovals`)
 * and given their defaults, before the platform registers. The platform hands the result on as it
 * is: the routes and settings to its {@link ApprovalGateway}, each agent's route to its
 * `AgentDeployment` (through `AgentPlatform.approvalsFor`).
 *
 * For the gateway's side (approvals/approval-gateway.ts): what the platform passes has been checked
 * here already, so when built by the platform the gateway need not check again
 * - each route's settings (`validateApprovalSettings`: channel, approvers, `pendingAlarmMinutes`);
 * - `credentialMaxAgeDays` and `reservedConcurrency` (checked, and always given, defaults filled);
 * - `logRetentionDays` (the platform's, checked by `checkRetention` and always given);
 * - that `routes` is not empty (the platform makes no gateway without a route).
 * The gateway keeps those checks only for a caller that builds it directly. `AgentDeployment`
 * likewise gets `pendingAlarmMinutes` filled in the settings `approvalsFor` returns.
 */
import type { AgentModel } from "@airlock/core";
import {
  validatePlatformApprovals,
  type ApprovalRoute,
  type ApprovalSettings,
  type ApprovalsDisabled,
  type PlatformApprovals,
} from "../approvals/approval-gateway.ts";

/** `ApprovalSettings.pendingAlarmMinutes` when not given. */
export const DEFAULT_PENDING_ALARM_MINUTES = 30;
/** `PlatformApprovals.credentialMaxAgeDays` when not given. */
export const DEFAULT_CREDENTIAL_MAX_AGE_DAYS = 90;
/** `PlatformApprovals.reservedConcurrency` when not given. */
export const DEFAULT_RESERVED_CONCURRENCY = 10;

/** One agent's checked route, its alarm minutes filled. */
export interface ResolvedApprovalSettings extends ApprovalSettings {
  readonly pendingAlarmMinutes: number;
}

/** One agent the gateway serves, its settings resolved. */
export interface ResolvedApprovalRoute extends ApprovalRoute {
  readonly settings: ResolvedApprovalSettings;
}

/** {@link PlatformApprovals} checked against the platform's agents, with every default filled. */
export interface ResolvedPlatformApprovals {
  /** By agent name, as given: each agent's resolved route or its reasoned opt-out. */
  readonly agents: Readonly<Record<string, ResolvedApprovalSettings | ApprovalsDisabled>>;
  /** The agents the gateway serves (not opted out), in the platform's `agents` order; empty: no gateway. */
  readonly routes: readonly ResolvedApprovalRoute[];
  readonly credentialMaxAgeDays: number;
  readonly reservedConcurrency: number | "none";
}

/** Checks `approvals` against `agents` (the messages name `approvals.…`) and fills the defaults. */
export function resolvePlatformApprovals(agents: readonly AgentModel[], approvals: PlatformApprovals | undefined): ResolvedPlatformApprovals {
  validatePlatformApprovals(agents, approvals);
  const resolved: Record<string, ResolvedApprovalSettings | ApprovalsDisabled> = {};
  for (const [agent, route] of Object.entries(approvals?.agents ?? {})) {
    resolved[agent] = "disabled" in route ? route : { ...route, pendingAlarmMinutes: route.pendingAlarmMinutes ?? DEFAULT_PENDING_ALARM_MINUTES };
  }
  const routes = agents.flatMap((model) => {
    const route = resolved[model.name];
    return route !== undefined && !("disabled" in route) ? [{ model, settings: route }] : [];
  });
  return {
    agents: resolved,
    routes,
    credentialMaxAgeDays: approvals?.credentialMaxAgeDays ?? DEFAULT_CREDENTIAL_MAX_AGE_DAYS,
    reservedConcurrency: approvals?.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY,
  };
}

