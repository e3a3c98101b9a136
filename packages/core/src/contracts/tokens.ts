/**
 * Pulumi type tokens of Airlock's components. Pulumi keys a resource's URN on its token, so a
 * rename replaces every deployed component (and its children) and the guardrails, which find the
 * components in a preview by token, stop seeing them. Add, never rename.
 */
export const COMPONENT_TOKENS = {
  agentPlatform: "airlock:platform:AgentPlatform",
  agentDeployment: "airlock:agent:AgentDeployment",
  /** The sandbox of an agent with code-executing tools: a child of its AgentDeployment. */
  sandbox: "airlock:agent:Sandbox",
  approvalGateway: "airlock:approvals:ApprovalGateway",
  agentSecrets: "airlock:secrets:AgentSecrets",
  secretFunctions: "airlock:secrets:SecretFunctions",
  agentObservability: "airlock:observability:AgentObservability",
  alertChannel: "airlock:observability:AlertChannel",
  evalGate: "airlock:github:EvalGate",
  /**
   * Not a component: the plan's note on a resource Airlock does not own (the team's key policy,
   * log group, VPC routes), recorded by `@airlock/pulumi` and shown by `airlock plan`.
   */
  requirement: "airlock:interop:Requirement",
} as const;

export type ComponentToken = (typeof COMPONENT_TOKENS)[keyof typeof COMPONENT_TOKENS];
