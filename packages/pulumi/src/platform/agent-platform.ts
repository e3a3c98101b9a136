/**
 * AgentPlatform: what many agents share. A VPC with private subnets (egress through NAT, filtered
 * by security groups and a fail-closed DNS firewall) and isolated sandbox subnets (no route out),
 * interface and gateway endpoints for the AWS APIs the agents call, an ECS cluster, a KMS key, the
 * alert channel, the secret housekeeping functions and, when some agent's outward tools wait for a
 * person, one approval gateway (one Slack app, one audit database) for all of them.
 *
 * The constructor only wires: `resolvePlatformArgs` (resolve.ts) checks the arguments and fills
 * their defaults; the key (key-policy.ts), network (network.ts), endpoints (endpoints.ts), DNS
 * firewall (dns-firewall.ts) and cluster (cluster.ts) come from builders that take the result.
 */
import { resolveAnchorRetentionDays } from "../approvals/audit-anchor.ts";
import * as pulumi from "@pulumi/pulumi";
import { toolsNeedingApproval, vpcResolverAddress, type AgentModel } from "@airlock/core";
import { COMPONENT_TOKENS } from "@airlock/core/contracts";
import { awsContext, type AwsContext } from "../aws-context.ts";
import { stackLabel } from "../naming.ts";
import { AlertChannel, taskStoppedRule } from "../observability/alert-channel.ts";
import { secureLogGroup } from "../observability/secure-log-group.ts";
import { SecretFunctions, type SharedFunction } from "../secrets/secret-functions.ts";
import { ApprovalGateway, type ApprovalsDisabled } from "../approvals/approval-gateway.ts";
import type { AgentPlatformArgs } from "./args.ts";
import type { ResolvedApprovalSettings } from "./approvals.ts";
import { platformCluster } from "./cluster.ts";
import { allowedDomains, dnsFirewall } from "./dns-firewall.ts";
import { platformEndpoints } from "./endpoints.ts";
import { platformKey } from "./key-policy.ts";
import { platformNetwork } from "./network.ts";
import { resolvePlatformArgs } from "./resolve.ts";

/** Pulumi type token of {@link AgentPlatform}. */
export const AGENT_PLATFORM_TOKEN = COMPONENT_TOKENS.agentPlatform;

/**
 * AgentPlatform: what many agents share. A VPC with private subnets (egress through NAT, filtered
 * by security groups and a fail-closed DNS firewall) and isolated sandbox subnets (no route out),
 * interface and gateway endpoints for the AWS APIs the agents call, an ECS cluster, a KMS key, the
 * alert channel, the secret housekeeping functions and, when some agent's outward tools wait for a
 * person, one approval gateway (one Slack app, one audit database) for all of them. Each agent then
 * runs on it as an {@link AgentDeployment}.
 *
 * Arguments are validated before any resource is created.
 *
 * @example
 * ```ts
 * const model = await loadManifest("agent.yaml");
 * const platform = new AgentPlatform("agents", { agents: [model] });
 * ```
 */
export class AgentPlatform extends pulumi.ComponentResource {
  /** The VPC's id (the new VPC's, or the existing `network`'s). */
  readonly vpcId: pulumi.Output<string>;
  /** Plain: the VPC CIDR. */
  readonly vpcCidr: string;
  /** Plain: the VPC's DNS resolver address (CIDR base + 2). */
  readonly resolverAddress: string;
  /** Private subnets the agents' services run in (egress through NAT). */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /**
   * Subnets for sandbox tasks (no route out of the VPC; the private subnets with an existing `network` that has none).
   */
  readonly isolatedSubnetIds: pulumi.Output<string[]>;
  /** ARN of the ECS cluster (the new one, or the existing `cluster`). */
  readonly clusterArn: pulumi.Output<string>;
  /** Name of the ECS cluster (read from the ARN for an existing `cluster`). */
  readonly clusterName: pulumi.Output<string>;
  /** ARN of the platform's KMS key (the new one, or the existing `kmsKey`). */
  readonly kmsKeyArn: pulumi.Output<string>;
  /**
   * With `kmsKey`: the statements (a policy document) the key's policy must hold for Airlock to
   * work; export it and merge it into your key policy. Undefined when Airlock makes the key.
   */
  readonly requiredKeyPolicy?: pulumi.Output<string>;
  /** Security group of the interface endpoints: HTTPS from inside the VPC only. */
  readonly endpointSecurityGroupId: pulumi.Output<string>;
  /** Managed prefix lists of the gateway endpoints, by endpoint suffix (`s3`, `dynamodb`). */
  readonly gatewayPrefixListIds: Readonly<Record<string, pulumi.Output<string>>>;
  /** Interface endpoint suffixes deployed (`secretsmanager`, `logs`, …). */
  readonly endpointSuffixes: readonly string[];
  /** The Route 53 Resolver DNS firewall rule group: the allowed domains, then a block of the rest. */
  readonly firewallRuleGroupId: pulumi.Output<string>;
  /** Domains the DNS firewall allows, sorted. */
  readonly allowedDomains: readonly string[];
  /** The topic alarms notify unless an agent has its own `alerts`. */
  readonly alertTopicArn: pulumi.Output<string>;
  /** The shared rotation function (when some agent has generated secrets). */
  readonly rotation?: SharedFunction;
  /** The shared secret age monitor (when some agent has hand-rotated secrets). */
  readonly ageMonitor?: SharedFunction;
  /** The approval gateway (when some agent's outward tools wait for a person). */
  readonly approvalGateway?: ApprovalGateway;
  /** Names of the agents this platform was built for. */
  readonly agentNames: readonly string[];
  /** Account, partition and region the platform deploys into. */
  readonly aws: AwsContext;
  /** The platform's Pulumi name. */
  readonly name: string;
  /** The tags merged into every taggable child of the platform. */
  readonly tags: Readonly<Record<string, string>>;
  /** Each listed agent's resolved route (or opt-out), by agent name: what `approvalsFor` answers with. */
  readonly #routes: Readonly<Record<string, ResolvedApprovalSettings | ApprovalsDisabled>>;

  constructor(name: string, args: AgentPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked and defaulted before the component registers: bad arguments leave nothing behind.
    const resolved = resolvePlatformArgs(name, args);
    // The gateway's anchor retention, checked before anything registers (approvals/audit-anchor.ts).
    const anchorRetentionDays = resolveAnchorRetentionDays(args.approvals?.anchorRetentionDays, "approvals.anchorRetentionDays");
    super(AGENT_PLATFORM_TOKEN, name, {}, opts);
    const { tags, approvals } = resolved;
    this.name = name;
    const ctx = awsContext(this, resolved.region, resolved.deployerArn);
    this.aws = ctx;
    this.tags = tags;
    this.agentNames = resolved.agentNames;
    this.#routes = approvals.routesByAgent;

    // KMS key for logs, secrets and alarm topics.
    const key = platformKey(name, resolved.kmsKey, ctx, tags, this);
    this.kmsKeyArn = key.keyArn;
    if (key.requiredKeyPolicy !== undefined) this.requiredKeyPolicy = key.requiredKeyPolicy;

    // Network, then the VPC endpoints (agents reach AWS only through these) and the DNS firewall
    // (the agents' hosts and the endpoints' names, nothing else).
    const network = platformNetwork(name, resolved.network, tags, this);
    this.vpcCidr = resolved.network.vpcCidr;
    this.vpcId = network.vpcId;
    this.resolverAddress = vpcResolverAddress(this.vpcCidr);
    this.privateSubnetIds = pulumi.output(network.privateSubnetIds);
    this.isolatedSubnetIds = pulumi.output(network.isolatedSubnetIds);
    const endpoints = platformEndpoints(name, resolved.agents, { ...network, vpcCidr: this.vpcCidr }, ctx, tags, this);
    this.endpointSecurityGroupId = endpoints.securityGroupId;
    this.gatewayPrefixListIds = endpoints.gatewayPrefixListIds;
    this.endpointSuffixes = endpoints.interfaceSuffixes;
    this.allowedDomains = allowedDomains(resolved.agents, endpoints.endpoints, resolved.dnsFirewall.extraAllowedDomains, ctx.region);
    this.firewallRuleGroupId = dnsFirewall(name, this.allowedDomains, network.vpcId, resolved.dnsFirewall, tags, this);

    // ECS cluster.
    const cluster = platformCluster(name, resolved.cluster, ctx, tags, this);
    this.clusterArn = cluster.clusterArn;
    this.clusterName = cluster.clusterName;

    // Alerts and shared secret housekeeping.
    // The targets were checked by resolvePlatformArgs: the channel takes them as they are.
    const channel = new AlertChannel(`${name}-alerts`, { topicName: name, aws: ctx, kmsKeyArn: key.keyArn, targets: resolved.alerts, tags }, { parent: this });
    this.alertTopicArn = channel.topicArn;
    taskStoppedRule(`${name}-task-stopped`, { clusterArn: this.clusterArn, topicArn: channel.topicArn, label: `platform ${name}`, tags }, this);
    const rotation = resolved.agents.some((a) => a.secrets.some((s) => s.rotation.kind === "builtin"));
    // Approval gateways keep their Slack and database credentials as hand-rotated secrets.
    const ageMonitor = approvals.routes.length > 0 || resolved.agents.some((a) => a.secrets.some((s) => s.rotation.kind === "max-age"));
    if (rotation || ageMonitor) {
      const logs = secureLogGroup(`${name}-functions-logs`, { logGroupName: `/airlock/${stackLabel()}/platform/${name}`, kmsKeyArn: key.keyArn, retentionInDays: resolved.logRetention.days, tags }, this);
      const functions = new SecretFunctions(
        // Short enough that its children's auto-names fit IAM's 64 characters for a 31-character platform name.
        `${name}-secret-fn`,
        { platformName: name, aws: ctx, logGroupName: logs.name, logGroupArn: logs.arn, kmsKeyArn: key.keyArn, rotation, ageMonitor, tags },
        { parent: this },
      );
      this.rotation = functions.rotation;
      this.ageMonitor = functions.ageMonitor;
    }
    if (approvals.routes.length > 0) {
      // Given resolved: the routes, credential age, concurrency and retention are checked and
      // defaulted (approvals.ts, resolve.ts); the gateway takes the routes and retention as they are.
      this.approvalGateway = new ApprovalGateway(
        `${name}-approvals`,
        {
          platformName: name,
          aws: ctx,
          kmsKeyArn: key.keyArn,
          ...(this.ageMonitor ? { ageMonitor: this.ageMonitor } : {}),
          alarmTopicArn: channel.topicArn,
          routes: approvals.routes,
          credentialMaxAgeDays: approvals.credentialMaxAgeDays,
          reservedConcurrency: approvals.reservedConcurrency,
          anchorRetentionDays,
          logRetentionDays: resolved.logRetention,
          tags,
        },
        { parent: this },
      );
    }

    this.registerOutputs({
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      isolatedSubnetIds: this.isolatedSubnetIds,
      clusterArn: this.clusterArn,
      kmsKeyArn: this.kmsKeyArn,
      endpointSecurityGroupId: this.endpointSecurityGroupId,
      firewallRuleGroupId: this.firewallRuleGroupId,
      allowedDomains: this.allowedDomains,
      alertTopicArn: this.alertTopicArn,
      approvalFunctionUrl: this.approvalGateway?.functionUrl,
    });
  }

  /**
   * How `model`'s outward actions are approved on this platform: its route through the gateway (the
   * settings resolved by the platform, defaults filled), its opt-out, or undefined when it has no
   * outward tool that needs a person. Throws when the model needs approvals the platform was not
   * built with (the model changed since).
   */
  approvalsFor(model: AgentModel): { readonly gateway: ApprovalGateway; readonly settings: ResolvedApprovalSettings } | ApprovalsDisabled | undefined {
    const route = this.#routes[model.name];
    const waiting = toolsNeedingApproval(model);
    if (route === undefined) {
      if (waiting.length > 0) {
        throw new Error(
          `\`platform\`: agent \`${model.name}\` has outward tools that need a person (${waiting.map((t) => `${t.name}: ${t.tier}`).join(", ")}) but platform \`${this.name}\` has no \`approvals.agents.${model.name}\`; rebuild the platform with the agent's current model and its route`,
        );
      }
      return undefined;
    }
    if ("disabled" in route) return route;
    return { gateway: this.approvalGateway!, settings: route };
  }

  /** Throws unless `model` was among the agents this platform was built for. */
  assertHosts(model: AgentModel): void {
    if (!this.agentNames.includes(model.name)) {
      throw new Error(`\`platform\`: agent \`${model.name}\` is not in platform \`${this.name}\`'s \`agents\`; add its compiled model there so its hosts and endpoints are allowed`);
    }
    const missing = model.egress.hosts.filter((h) => !this.allowedDomains.includes(h));
    if (missing.length > 0) {
      throw new Error(`\`platform\`: hosts ${missing.join(", ")} of agent \`${model.name}\` are not in the DNS allowlist; rebuild the platform with the agent's current model`);
    }
  }
}
