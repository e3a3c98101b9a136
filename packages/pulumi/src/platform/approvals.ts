/**
 * Approval routes resolved once: where each agent's approval requests go (its Slack channel and
 * approvers, `ApprovalSettings`) checked and given their defaults here, and nowhere else.
 *
 * - `resolveApprovalSettings` is the one check of a route (channel, approvers,
 *   `pendingAlarmMinutes`) and fills its default;
 * - `resolvePlatformApprovals` checks the platform's `approvals` against its agents (every agent
 *   whose outward tools need a person is routed or opted out, no route names an unknown agent or
 *   one that needs none) and fills `credentialMaxAgeDays` and `reservedConcurrency`. The platform
 *   calls it once, before it registers, and hands the result on as it is: the routes to its
 *   `ApprovalGateway`, each agent's route to its `AgentDeployment` (`AgentPlatform.approvalsFor`).
 *
 * The gateway resolves its `routes` with `resolveApprovalRoutes`: routes from the platform are
 * resolved already and used as they are; a user who builds a gateway directly gets the same checks
 * and messages (see observability/resolved.ts).
 */
import { toolsNeedingApproval, type AgentModel } from "@airlock/core";
import { SLACK_CHANNEL_ID, SLACK_USER_ID } from "@airlock/approvals/slack-ids";
import type { ApprovalRoute, ApprovalSettings, ApprovalsDisabled, PlatformApprovals } from "../approvals/approval-gateway.ts";
import { isResolved, markResolved } from "../observability/resolved.ts";

/** `ApprovalSettings.pendingAlarmMinutes` when not given: written here only. */
export const DEFAULT_PENDING_ALARM_MINUTES = 30;
/** `PlatformApprovals.credentialMaxAgeDays` (and the gateway's `credentialMaxAgeDays`) when not given: written here only. */
export const DEFAULT_CREDENTIAL_MAX_AGE_DAYS = 90;
/** `PlatformApprovals.reservedConcurrency` (and the gateway's `reservedConcurrency`) when not given: written here only. */
export const DEFAULT_RESERVED_CONCURRENCY = 10;

declare const resolvedRoute: unique symbol;

/** One agent's route checked, as a copy with its alarm minutes filled: what {@link resolveApprovalSettings} returns. */
export interface ResolvedApprovalSettings extends ApprovalSettings {
  readonly slack: { readonly channelId: string; readonly approverIds: readonly string[] };
  readonly pendingAlarmMinutes: number;
  /** @internal */
  readonly [resolvedRoute]: true;
}

/** One agent the gateway serves, its route resolved. */
export interface ResolvedApprovalRoute extends ApprovalRoute {
  readonly settings: ResolvedApprovalSettings;
}

/** {@link PlatformApprovals} checked against the platform's agents, with every default filled. */
export interface ResolvedPlatformApprovals {
  /** By agent name, as given: each agent's resolved route or its reasoned opt-out. */
  readonly routesByAgent: Readonly<Record<string, ResolvedApprovalSettings | ApprovalsDisabled>>;
  /** The agents the gateway serves (not opted out), in the platform's `agents` order; empty: no gateway. */
  readonly routes: readonly ResolvedApprovalRoute[];
  readonly credentialMaxAgeDays: number;
  readonly reservedConcurrency: number | "none";
}

const KIND = "approval route";

/**
 * The one check of an agent's route: a channel id (C…), at least one approver, each a Slack user
 * id (U…), and `pendingAlarmMinutes` (default {@link DEFAULT_PENDING_ALARM_MINUTES}) from 5 to
 * 1440. Given a route it returned before, it returns it as it is.
 *
 * @param s - the caller's route (or a resolved one)
 * @param field - the route's path, for the messages (`approvals.agents.<agent>` on a platform)
 * @returns the route as a frozen copy, its alarm minutes filled
 * @throws Error naming the field (`<field>.slack.channelId`, …) when a value is malformed
 */
export function resolveApprovalSettings(s: ApprovalSettings | ResolvedApprovalSettings, field = "approvals"): ResolvedApprovalSettings {
  if (isResolved<ResolvedApprovalSettings>(s, KIND)) return s;
  const slack = s.slack;
  if (!SLACK_CHANNEL_ID.test(slack?.channelId ?? "")) throw new Error(`\`${field}.slack.channelId\`: give the channel's id (C…), as shown in Slack's channel details, not its name`);
  const approverIds = slack.approverIds;
  if (!Array.isArray(approverIds) || approverIds.length === 0) throw new Error(`\`${field}.slack.approverIds\`: list at least one Slack user id (U…) allowed to decide`);
  approverIds.forEach((id, i) => {
    if (!SLACK_USER_ID.test(id)) throw new Error(`\`${field}.slack.approverIds[${i}]\`: "${id}" is not a Slack user id; use the U… id from the user's profile`);
  });
  const minutes = s.pendingAlarmMinutes ?? DEFAULT_PENDING_ALARM_MINUTES;
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > 1440) throw new Error(`\`${field}.pendingAlarmMinutes\`: must be a whole number of minutes from 5 to 1440`);
  const route = { slack: Object.freeze({ channelId: slack.channelId, approverIds: Object.freeze([...approverIds]) }), pendingAlarmMinutes: minutes };
  return markResolved(route, KIND) as ResolvedApprovalSettings;
}

/** Pure checks of one agent's route, before any resource exists ({@link resolveApprovalSettings}, its result dropped). */
export function validateApprovalSettings(s: ApprovalSettings, field = "approvals"): void {
  resolveApprovalSettings(s, field);
}

/**
 * An ApprovalGateway's `routes` resolved: at least one, each route's settings resolved (used as
 * they are when the platform resolved them, checked under `approvals.agents.<agent>` otherwise).
 */
export function resolveApprovalRoutes(routes: readonly ApprovalRoute[]): readonly ResolvedApprovalRoute[] {
  if (routes.length === 0) throw new Error("`routes`: an approval gateway serves at least one agent");
  return routes.map((r) => ({ model: r.model, settings: resolveApprovalSettings(r.settings, `approvals.agents.${r.model.name}`) }));
}

/**
 * Checks a platform's `approvals` against its agents (field paths `approvals.agents.<name>…`) and
 * fills the defaults: the one check of the platform's approvals.
 */
export function resolvePlatformApprovals(agents: readonly AgentModel[], approvals: PlatformApprovals | undefined): ResolvedPlatformApprovals {
  const given = approvals?.agents ?? {};
  if (approvals !== undefined && (typeof given !== "object" || given === null || Array.isArray(given))) {
    throw new Error("`approvals.agents`: give a map of agent name → `{ slack: { channelId, approverIds } }` or `{ disabled: reason }`");
  }
  const names = agents.map((a) => a.name);
  for (const name of Object.keys(given)) {
    if (!names.includes(name)) throw new Error(`\`approvals.agents.${name}\`: no agent of this platform is called \`${name}\`; the agents are ${names.join(", ")}`);
  }
  const routesByAgent: Record<string, ResolvedApprovalSettings | ApprovalsDisabled> = {};
  const routes: ResolvedApprovalRoute[] = [];
  for (const model of agents) {
    const field = `approvals.agents.${model.name}`;
    const waiting = toolsNeedingApproval(model);
    const route = given[model.name];
    if (route === undefined) {
      if (waiting.length > 0) {
        throw new Error(
          `\`${field}\`: agent \`${model.name}\` has outward tools that need a person (${waiting.map((t) => `${t.name}: ${t.tier}`).join(", ")}); give its \`slack.channelId\` and \`slack.approverIds\`, or \`disabled\` with the reason`,
        );
      }
      continue;
    }
    if (route === null || typeof route !== "object") throw new Error(`\`${field}\`: give \`{ slack: { channelId, approverIds } }\` or \`{ disabled: reason }\``);
    if (waiting.length === 0) throw new Error(`\`${field}\`: agent \`${model.name}\` has no outward tool that needs a person; remove it from \`approvals.agents\``);
    if ("disabled" in route) {
      if (typeof route.disabled !== "string" || route.disabled.trim().length < 10) {
        throw new Error(`\`${field}.disabled\`: give the reason approvals are off (at least 10 characters); it is tagged on the agent's service for reviewers`);
      }
      routesByAgent[model.name] = route;
      continue;
    }
    const settings = resolveApprovalSettings(route, field);
    routesByAgent[model.name] = settings;
    routes.push({ model, settings });
  }
  const reserved = checkReservedConcurrency(approvals?.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY, "approvals.reservedConcurrency");
  const days = checkCredentialMaxAgeDays(approvals?.credentialMaxAgeDays ?? DEFAULT_CREDENTIAL_MAX_AGE_DAYS, "approvals.credentialMaxAgeDays");
  return { routesByAgent, routes, credentialMaxAgeDays: days, reservedConcurrency: reserved };
}

/** The gateway's reserved concurrency, checked (the platform's and a directly built gateway's rule). */
export function checkReservedConcurrency(reserved: number | "none", field: string): number | "none" {
  if (reserved !== "none" && (!Number.isInteger(reserved) || reserved < 1 || reserved > 1000)) {
    throw new Error(`\`${field}\`: give a whole number of executions from 1 to 1000, or "none" in an account whose concurrency quota is below 110`);
  }
  return reserved;
}

/** The gateway credentials' maximum age in days, checked (the platform's and a directly built gateway's rule). */
export function checkCredentialMaxAgeDays(days: number, field: string): number {
  if (!Number.isInteger(days) || days < 1 || days > 730) throw new Error(`\`${field}\`: must be a whole number of days from 1 to 730`);
  return days;
}

/**
 * Pure checks of a platform's approvals against its agents (`resolvePlatformApprovals`, its
 * result dropped): every agent whose outward tools need a person is routed (or has a reasoned
 * opt-out), no route names an unknown agent or one that needs none. Field paths are the
 * platform's (`approvals.agents.<name>…`).
 */
export function validatePlatformApprovals(agents: readonly AgentModel[], approvals: PlatformApprovals | undefined): void {
  resolvePlatformApprovals(agents, approvals);
}
