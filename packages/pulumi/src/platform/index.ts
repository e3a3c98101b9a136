// The platform's public API: the component, its arguments, the tags it reads on a brought VPC, the
// key policy a brought key must carry (`requiredKeyPolicy`, `platformKeyStatements`) and the
// endpoints' policy. The resolved types and the other builders (resolve.ts, network.ts,
// cluster.ts, dns-firewall.ts, approvals.ts) are the platform's inner workings, not exported.
export { AGENT_PLATFORM_TOKEN, AgentPlatform } from "./agent-platform.ts";
export { privateRoutesVia, type AgentPlatformArgs, type ExistingCluster, type ExistingKmsKey, type ExistingNetwork, type PrivateRoute, type PrivateRouteTarget } from "./args.ts";
export { newVpcTags, ROUTE_ELSEWHERE_TAG_PREFIX } from "./tags.ts";
export { platformKeyStatements, requiredKeyPolicy, type RequiredKeyPolicyArgs } from "./key-policy.ts";
export { endpointPolicy } from "./endpoints.ts";
