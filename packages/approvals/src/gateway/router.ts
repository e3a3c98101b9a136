/**
 * Several agents behind one Slack app. A Slack app has one interactivity URL, so one endpoint
 * receives every agent's button clicks; the router finds whose request a click is about (the
 * request id in the payload, looked up in `airlock.approval_requests.agent`) and hands the
 * payload to that agent's service, so the decision is checked against that agent's approvers.
 * An approver of one agent clicking on another agent's request is therefore refused (and the
 * attempt audited) by the other agent's service. The payload is only a pointer: the agent comes
 * from the store, never from anything the payload says.
 */
import { decisionButton, EDIT_CALLBACK } from "../slack/blocks.ts";
import type { Queryable } from "../audit/db.ts";
import { ApprovalError } from "../errors.ts";
import type { InteractionHandler } from "../slack/http.ts";
import { isRequestId, type ApprovalService, type InteractionResponse } from "../service/index.ts";
import type { DecisionVia } from "../types.ts";

/** What the router needs of each agent's service (an `ApprovalService` is one). */
export type RoutedService = Pick<ApprovalService, "agent" | "handleInteraction">;

export interface ApprovalRouterOptions {
  /** The store the services share (the router only reads a request's agent from it). */
  readonly db: Queryable;
  /** One service per agent, keyed by the agent's name (`service.agent`). */
  readonly services: ReadonlyMap<string, RoutedService>;
}

/**
 * The request a Slack payload is about, read the way `ApprovalService.handleInteraction` reads
 * it: the Approve, Reject or Edit button's `value`, or the edit modal's `private_metadata`.
 * Undefined for any other payload.
 */
export function interactionRequestId(payload: unknown): string | undefined {
  if (payload === null || typeof payload !== "object") return undefined;
  const p = payload as { type?: unknown; actions?: unknown; view?: { callback_id?: unknown; private_metadata?: unknown } };
  if (p.type === "block_actions" && Array.isArray(p.actions)) {
    const action = decisionButton(p.actions as { action_id?: unknown; value?: unknown }[]);
    return typeof action?.value === "string" ? action.value : undefined;
  }
  if (p.type === "view_submission" && p.view?.callback_id === EDIT_CALLBACK) {
    return typeof p.view.private_metadata === "string" ? p.view.private_metadata : undefined;
  }
  return undefined;
}

export class ApprovalRouter implements InteractionHandler {
  readonly #db: Queryable;
  readonly #services: ReadonlyMap<string, RoutedService>;
  readonly #fallback: RoutedService;

  constructor(options: ApprovalRouterOptions) {
    const problems: string[] = [];
    if (options.services.size === 0) problems.push("`services`: give at least one agent's approval service");
    for (const [agent, service] of options.services) {
      if (service.agent !== agent) problems.push(`\`services\`: the service under "${agent}" serves agent "${service.agent}"; key each service by its agent's name`);
    }
    const first = options.services.values().next();
    if (problems.length > 0 || first.done === true) throw new ApprovalError(`invalid approval router configuration:\n  ${problems.join("\n  ")}`);
    this.#db = options.db;
    this.#services = new Map(options.services);
    this.#fallback = first.value;
  }

  /** The agents routed to, in the order given. */
  get agents(): readonly string[] {
    return [...this.#services.keys()];
  }

  /** The agent that owns a request, from the store; undefined when there is no such request. */
  async agentOf(requestId: string): Promise<string | undefined> {
    if (!isRequestId(requestId)) return undefined;
    const { rows } = await this.#db.query<{ agent: string }>("SELECT agent FROM airlock.approval_requests WHERE id = $1", [requestId]);
    return rows[0]?.agent;
  }

  /**
   * Dispatches an authenticated Slack payload to the service of the agent whose request it is
   * about. A payload about no request, an unknown request, or a request of an agent not routed
   * here goes to the first service, which answers as it does for any unknown request (its own
   * lookup only ever finds its own agent's requests).
   */
  async handleInteraction(payload: unknown, via: Exclude<DecisionVia, "api">): Promise<InteractionResponse> {
    const requestId = interactionRequestId(payload);
    const agent = requestId === undefined ? undefined : await this.agentOf(requestId);
    const service = (agent === undefined ? undefined : this.#services.get(agent)) ?? this.#fallback;
    return service.handleInteraction(payload, via);
  }
}
