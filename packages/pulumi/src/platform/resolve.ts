/**
 * The platform's arguments resolved once, before the platform registers: every check runs here (so
 * bad arguments leave nothing behind) and every default is filled, and the builders the platform
 * wires (key-policy.ts, network.ts, endpoints.ts, dns-firewall.ts, cluster.ts, the approval
 * gateway) take the `Resolved…` types without checking again.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { isPrivateRange, parseCidr, rangeContains, rangesOverlap, type AgentModel } from "@airlock/core";
import { arnSpec, checkArn, CLUSTER_ARN, KMS_KEY_ARN } from "../interop.ts";
import { validateTags } from "../tags.ts";
import { resolveAlertTargets, type ResolvedAlertTargets } from "../observability/alert-channel.ts";
import { resolveLogRetention, type ResolvedLogRetention } from "../observability/secure-log-group.ts";
import type { AgentPlatformArgs, PrivateRoute } from "./args.ts";
import { newVpcTags, platformTags } from "./tags.ts";
import { resolvePlatformApprovals, type ResolvedPlatformApprovals } from "./approvals.ts";

/** CIDR of the VPC the platform creates unless given `vpcCidr`. */
export const DEFAULT_VPC_CIDR = "10.40.0.0/16";

interface ResolvedNetworkBase {
  /** The VPC's IPv4 CIDR (the existing network's, or the new VPC's). */
  readonly vpcCidr: string;
  /** Checked: one target each, every private egress range of an agent reachable. */
  readonly privateRoutes: readonly PrivateRoute[];
}

/** An existing `network`, with its isolated subnets defaulted to the private ones. */
export interface ExistingNetworkResolved extends ResolvedNetworkBase {
  readonly kind: "existing";
  readonly vpcId: pulumi.Input<string>;
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly privateRouteTableIds: readonly pulumi.Input<string>[];
  readonly isolatedSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly isolatedRouteTableIds: pulumi.Input<pulumi.Input<string>[]>;
}

/** The VPC the platform creates: its zones, NAT mode and tags decided. */
export interface NewNetworkResolved extends ResolvedNetworkBase {
  readonly kind: "new";
  readonly availabilityZones: readonly string[];
  readonly natGateways: "one" | "per-zone";
  /** {@link newVpcTags}: checked to fit on the VPC. */
  readonly vpcTags: Readonly<Record<string, string>>;
}

export type ResolvedNetwork = ExistingNetworkResolved | NewNetworkResolved;

/** The KMS key: an existing one (its ARN checked when plain) or the one Airlock makes. */
export type ResolvedKmsKey = { readonly kind: "existing"; readonly keyArn: pulumi.Input<string> } | { readonly kind: "new"; readonly deletionWindowDays: number };

/** The ECS cluster: an existing one (its ARN checked when plain) or the one Airlock makes. */
export type ResolvedCluster = { readonly kind: "existing"; readonly clusterArn: pulumi.Input<string> } | { readonly kind: "new"; readonly containerInsights: boolean };

/** The DNS firewall's settings. */
export interface ResolvedDnsFirewall {
  readonly failOpen: boolean;
  readonly mutationProtection: boolean;
  /** Checked DNS names. */
  readonly extraAllowedDomains: readonly string[];
}

/** {@link AgentPlatformArgs} checked, with every default filled: what the platform's builders take. */
export interface ResolvedPlatformArgs {
  readonly agents: readonly AgentModel[];
  /** The agents' names, sorted. */
  readonly agentNames: readonly string[];
  /** As given: `awsContext` resolves it (the `aws:region` config) and checks it against the provider. */
  readonly region?: string;
  readonly deployerArn?: pulumi.Input<string>;
  /** {@link platformTags}: on every taggable child. */
  readonly tags: Readonly<Record<string, string>>;
  readonly kmsKey: ResolvedKmsKey;
  readonly network: ResolvedNetwork;
  readonly dnsFirewall: ResolvedDnsFirewall;
  readonly cluster: ResolvedCluster;
  /** The platform's alert targets (`resolveAlertTargets`), for its AlertChannel. */
  readonly alerts: ResolvedAlertTargets;
  /** Retention of the platform's function logs (and the approval gateway's), `resolveLogRetention`'s. */
  readonly logRetention: ResolvedLogRetention;
  /** `resolvePlatformApprovals`': the routes for the gateway and each agent's route or opt-out. */
  readonly approvals: ResolvedPlatformApprovals;
}

/**
 * Checks `args` (pure: throws naming the field, before any resource exists) and fills every
 * default. The platform calls it once, before `super()`.
 */
export function resolvePlatformArgs(name: string, args: AgentPlatformArgs): ResolvedPlatformArgs {
  const { alerts, approvals, logRetention, vpcTags } = validate(name, args);
  const privateRoutes = args.privateRoutes ?? [];
  const network: ResolvedNetwork =
    args.network !== undefined
      ? {
          kind: "existing",
          vpcId: args.network.vpcId,
          vpcCidr: args.network.vpcCidr,
          privateSubnetIds: args.network.privateSubnetIds,
          privateRouteTableIds: args.network.privateRouteTableIds,
          isolatedSubnetIds: args.network.isolatedSubnetIds ?? args.network.privateSubnetIds,
          isolatedRouteTableIds: args.network.isolatedRouteTableIds ?? [],
          privateRoutes,
        }
      : {
          kind: "new",
          vpcCidr: args.vpcCidr ?? DEFAULT_VPC_CIDR,
          // The region `awsContext` resolves (it throws, after this, when there is none).
          availabilityZones: args.availabilityZones ?? [`${regionOf(args)}a`, `${regionOf(args)}b`],
          natGateways: args.natGateways ?? "one",
          vpcTags: vpcTags!,
          privateRoutes,
        };
  return {
    agents: args.agents,
    agentNames: args.agents.map((a) => a.name).sort(),
    ...(args.region !== undefined ? { region: args.region } : {}),
    ...(args.deployerArn !== undefined ? { deployerArn: args.deployerArn } : {}),
    tags: platformTags(name, args.tags),
    kmsKey: args.kmsKey !== undefined ? { kind: "existing", keyArn: args.kmsKey.keyArn } : { kind: "new", deletionWindowDays: args.kmsDeletionWindowDays ?? 30 },
    network,
    dnsFirewall: {
      failOpen: args.dnsFirewallFailOpen ?? false,
      mutationProtection: args.dnsFirewallMutationProtection ?? false,
      extraAllowedDomains: args.extraAllowedDomains ?? [],
    },
    cluster: args.cluster !== undefined ? { kind: "existing", clusterArn: args.cluster.clusterArn } : { kind: "new", containerInsights: args.containerInsights ?? true },
    alerts,
    logRetention,
    approvals,
  };
}

function regionOf(args: AgentPlatformArgs): string {
  return args.region ?? aws.config.region ?? "";
}

/** What {@link validate} resolved on the way. */
interface Checked {
  readonly alerts: ResolvedAlertTargets;
  readonly approvals: ResolvedPlatformApprovals;
  readonly logRetention: ResolvedLogRetention;
  readonly vpcTags?: Record<string, string>;
}

/** Every check, in the order their errors take precedence; returns what checking resolved on the way. */
function validate(name: string, args: AgentPlatformArgs): Checked {
  if (args.agents.length === 0) throw new Error("`agents`: list the compiled model of at least one agent (`await compile(manifest)`)");
  const names = new Set<string>();
  for (const [i, a] of args.agents.entries()) {
    if (names.has(a.name)) throw new Error(`\`agents[${i}]\`: agent \`${a.name}\` is listed twice; agent names must be unique on a platform`);
    names.add(a.name);
  }
  if (args.network && args.vpcCidr) throw new Error("`vpcCidr`: only applies to a new VPC; with `network`, give `network.vpcCidr`");
  validateExisting(args);
  const alerts = resolveAlertTargets(args.alerts);
  const approvals = resolvePlatformApprovals(args.agents, args.approvals);
  const logRetention = resolveLogRetention(args.logRetentionDays, "logRetentionDays");
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(name)) throw new Error(`\`name\`: "${name}" must be lowercase letters, digits and \`-\` (it names AWS resources)`);
  if (args.availabilityZones !== undefined && args.availabilityZones.length < 2) {
    throw new Error("`availabilityZones`: give at least two zones so the service survives a zone outage");
  }
  validatePrivateRoutes(args);
  validateTags(args.tags);
  const vpcTags = args.network === undefined ? newVpcTags(name, args) : undefined;
  for (const d of args.extraAllowedDomains ?? []) {
    if (!/^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,63}$/.test(d)) throw new Error(`\`extraAllowedDomains\`: "${d}" is not a DNS name such as api.example.com`);
  }
  return { alerts, approvals, logRetention, ...(vpcTags !== undefined ? { vpcTags } : {}) };
}

/** The bring-your-own options: plain ARNs checked here (Outputs when they resolve), and the options that only apply to what Airlock makes. */
function validateExisting(args: AgentPlatformArgs): void {
  const region = regionOf(args);
  if (args.network !== undefined) {
    if (!Array.isArray(args.network.privateRouteTableIds)) {
      throw new Error(
        "`network.privateRouteTableIds`: give a list with one entry per route table (each may be an Output): Airlock adds one route per table; from an `Output<string[]>` of known length use `outputElements(ids, <count>, \"network.privateRouteTableIds\")`",
      );
    }
  }
  if (args.cluster !== undefined) {
    if (args.containerInsights !== undefined) {
      throw new Error("`containerInsights`: only applies to a new cluster; with `cluster`, turn Container Insights on for your cluster (the task-restarts alarms read its metrics)");
    }
    if (args.cluster.clusterArn === undefined) throw new Error("`cluster.clusterArn`: give the cluster's ARN (`aws.ecs.Cluster.arn`)");
    if (typeof args.cluster.clusterArn === "string" && region !== "") checkArn(args.cluster.clusterArn, arnSpec(CLUSTER_ARN, "cluster.clusterArn"), region);
  }
  if (args.kmsKey !== undefined) {
    if (args.kmsDeletionWindowDays !== undefined) {
      throw new Error("`kmsDeletionWindowDays`: only applies to the key Airlock makes; with `kmsKey`, the key's deletion is yours");
    }
    if (args.kmsKey.keyArn === undefined) throw new Error("`kmsKey.keyArn`: give the key's ARN (`aws.kms.Key.arn`)");
    if (typeof args.kmsKey.keyArn === "string" && region !== "") checkArn(args.kmsKey.keyArn, arnSpec(KMS_KEY_ARN, "kmsKey.keyArn"), region);
  }
}

/** Each route has one target and a valid IPv4 CIDR; every private egress range of an agent is reachable. */
function validatePrivateRoutes(args: AgentPlatformArgs): void {
  const routes = args.privateRoutes ?? [];
  routes.forEach((r, i) => {
    const field = `privateRoutes[${i}]`;
    const c = parseCidr(r.cidr);
    if (c === undefined || c.family !== 4) throw new Error(`\`${field}.cidr\`: "${r.cidr}" is not an IPv4 CIDR block such as 10.20.0.0/16`);
    const targets = [r.transitGatewayId, r.vpcPeeringConnectionId, r.managedElsewhere].filter((t) => t !== undefined).length;
    if (targets !== 1) throw new Error(`\`${field}\`: give exactly one of \`transitGatewayId\`, \`vpcPeeringConnectionId\` or \`managedElsewhere: { reason }\``);
    if (r.managedElsewhere !== undefined && (typeof r.managedElsewhere.reason !== "string" || r.managedElsewhere.reason.trim().length < 10)) {
      throw new Error(`\`${field}.managedElsewhere.reason\`: say who manages the route and where (at least 10 characters)`);
    }
  });
  const vpcCidr = args.network?.vpcCidr ?? args.vpcCidr ?? DEFAULT_VPC_CIDR;
  for (const model of args.agents) {
    for (const [host, ranges] of Object.entries(model.egress.rangesByHost)) {
      for (const range of ranges) {
        if (rangesOverlap(vpcCidr, range)) {
          throw new Error(
            `\`agents\`: agent \`${model.name}\` allows ${host} at ${range}, which overlaps the platform's VPC (${vpcCidr}): the security group would let the agent reach the VPC's own addresses (other agents' tasks, the sandbox, the endpoints); egress ranges are for hosts outside the VPC, so list the host's own range outside ${vpcCidr}, or give the platform another \`vpcCidr\``,
          );
        }
        if (range.includes(":") || !isPrivateRange(range)) continue;
        if (rangeContains(vpcCidr, range) || routes.some((r) => rangeContains(r.cidr, range))) continue;
        throw new Error(
          `\`agents\`: agent \`${model.name}\` allows ${host} at ${range}, a private range outside the VPC (${vpcCidr}) that no route reaches; add \`privateRoutes: [{ cidr: "${range}", transitGatewayId: … }]\` (or \`vpcPeeringConnectionId\`, or \`managedElsewhere: { reason }\` for a route your network team keeps), or list the host's public range`,
        );
      }
    }
  }
}
