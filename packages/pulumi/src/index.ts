/**
 * `@airlock/pulumi`: Airlock's Pulumi components. `AgentPlatform` is the shared, hardened ground of
 * a stack's agents (network, VPC endpoints, DNS firewall, KMS key, ECS cluster, secret rotation,
 * the Slack approval gateway); `AgentDeployment` is one agent on it.
 *
 * @example
 * ```ts
 * import { loadManifest } from "@airlock/core";
 * import { AgentDeployment, AgentPlatform } from "@airlock/pulumi";
 *
 * export = async () => {
 *   const model = await loadManifest("agent.yaml");
 *   const platform = new AgentPlatform("agents", { agents: [model] });
 *   new AgentDeployment(model.name, { platform, model });
 * };
 * ```
 *
 * @module @airlock/pulumi
 */
export * from "./platform/index.ts";
export * from "./agent/index.ts";
export * from "./approvals/index.ts";
export * from "./github/index.ts";
export * from "./secrets/agent-secrets.ts";
export * from "./observability/agent-observability.ts";
export * from "./observability/alert-channel.ts";
export * from "./observability/alarms.ts";
export * from "./secrets/secret-functions.ts";
export * from "./observability/data-protection.ts";
export * from "./observability/secure-log-group.ts";
export * from "./registry.ts";
export * from "./policy.ts";
export * from "./iam/index.ts";
export * from "./tags.ts";
export * from "./aws-context.ts";
export * from "./naming.ts";
export * from "./plan/record.ts";
export * from "./plan/mocks.ts";
export * from "./interop.ts";
