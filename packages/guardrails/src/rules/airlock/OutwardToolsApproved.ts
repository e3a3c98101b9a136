/**
 * Every outward tool (email, posts, payments: anything a customer or the world sees) whose risk
 * tier is not `auto` is wired to a human approval: the stack has an approval gateway
 * (`airlock:approvals:ApprovalGateway`) that serves the agent (Airlock's name the agents they serve
 * in their `agents` input), or the agent's deployment (`airlock:agent:AgentDeployment`) declares
 * `approvals`. Without one, an `approve` tier is a promise nothing keeps. An agent whose service
 * carries Airlock's explicit opt-out (`airlock:approvals` = `OFF: <reason>`, which the platform
 * accepts only with a reason) is not an error here: AIR-G051 reports the opt-out as a warning, so
 * the pack agrees with what the components accept and every plan still shows it.
 * Needs the compiled agent models (the plan has them); without them it checks nothing.
 */
import { toolsNeedingApproval } from "@airlock/core";
import { COMPONENT_TOKENS, optOutReason, TAGS } from "@airlock/core/contracts";
import { isRecord } from "../../support.ts";
import { ECS_SERVICE as SERVICE } from "../../types.ts";
import type { StackInput, StackRule, StackViolation } from "../../rule.ts";

export const APPROVAL_GATEWAY = COMPONENT_TOKENS.approvalGateway;
export const AGENT_DEPLOYMENT = COMPONENT_TOKENS.agentDeployment;
/** The tag on an agent's service that records how its outward actions are approved. */
export const APPROVALS_TAG = TAGS.approvals;

/** The opt-out reason on the agent's service (`OFF: <reason>`), or undefined. */
export function approvalsOptOut(resources: StackInput["resources"], agent: string): string | undefined {
  for (const r of resources) {
    if (r.type !== SERVICE || !isRecord(r.props.tags) || r.props.tags[TAGS.agent] !== agent) continue;
    const reason = optOutReason(r.props.tags[APPROVALS_TAG]);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** A gateway names the agents it serves (Airlock's do), or one agent; one that names none serves the whole stack. */
function serves(props: Record<string, unknown>, agent: string): boolean {
  if (Array.isArray(props.agents)) return props.agents.includes(agent);
  return props.agent === undefined || props.agent === agent;
}

export const OutwardToolsApproved: StackRule = {
  kind: "stack",
  name: "OutwardToolsApproved",
  check({ resources, agents }: StackInput): StackViolation[] {
    if (agents === undefined) return [];
    const out: StackViolation[] = [];
    for (const agent of agents) {
      const gateway = resources.some((r) => r.type === APPROVAL_GATEWAY && serves(r.props, agent.name));
      const declared = resources.some(
        (r) => r.type === AGENT_DEPLOYMENT && isRecord(r.props.approvals) && (r.props.agent === undefined || r.props.agent === agent.name),
      );
      if (gateway || declared || approvalsOptOut(resources, agent.name) !== undefined) continue;
      for (const tool of toolsNeedingApproval(agent)) {
        out.push({
          subject: `agents[${agent.name}].tools[${tool.name}]`,
          message: `outward tool \`${tool.name}\` of agent \`${agent.name}\` needs \`${tool.tier}\` (action type \`${tool.actionType ?? "-"}\`) but no approval gateway is deployed; add an ApprovalGateway to the stack so its calls wait for a human`,
        });
      }
    }
    return out;
  },
};
