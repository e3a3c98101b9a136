/**
 * What {@link AgentPlatform} is given: its arguments and the existing pieces (network, cluster,
 * KMS key, private routes) it may deploy into. Checked and given their defaults once, by
 * `resolvePlatformArgs` (resolve.ts), before the platform registers.
 */
import type * as pulumi from "@pulumi/pulumi";
import { privateEgressRanges, type AgentModel } from "@airlock/core";
import type { AlertTargets } from "../observability/alert-channel.ts";
import type { PlatformApprovals } from "../approvals/approval-gateway.ts";

/**
 * An existing network to deploy into instead of a new VPC. Ids may be other resources' outputs:
 * an `awsx.ec2.Vpc` gives `vpcId: vpc.vpcId`, `privateSubnetIds: vpc.privateSubnetIds`
 * (an `Output<string[]>`); only what decides which resources Airlock makes is plain.
 */
export interface ExistingNetwork {
  /** The VPC's id (`awsx.ec2.Vpc`'s `vpcId`, or any `Input<string>`). */
  readonly vpcId: pulumi.Input<string>;
  /** The VPC's IPv4 CIDR (plain: it decides the resolver address and which egress ranges are inside the VPC). */
  readonly vpcCidr: string;
  /** Private subnets whose default route leads to a NAT gateway (a list or an `Output<string[]>`). */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Route tables of those subnets (for the S3 and DynamoDB gateway endpoints, and the routes of
   * `privateRoutes`). A plain list, one entry per table, because Airlock adds one route per table
   * and private route; each entry may be an Output. From an `Output<string[]>` of known length use
   * `outputElements(ids, 2, "network.privateRouteTableIds")`.
   */
  readonly privateRouteTableIds: readonly pulumi.Input<string>[];
  /** Subnets with no route out of the VPC, for sandbox tasks (a list or an `Output<string[]>`). @default - the private subnets (then the sandbox relies on its security group alone) */
  readonly isolatedSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** Route tables of the isolated subnets, for the gateway endpoints (a list or an `Output<string[]>`). @default - none */
  readonly isolatedRouteTableIds?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * An existing ECS cluster to run the agents on instead of a new one. Airlock then makes no cluster
 * and no capacity providers; the services run on Fargate (`launchType: FARGATE`), so the cluster
 * needs no capacity provider of its own. Keep Container Insights on: the agents' task-restarts
 * alarms read its metrics (`ECS/ContainerInsights`) and see nothing without it.
 */
export interface ExistingCluster {
  /** The cluster's ARN (`aws.ecs.Cluster.arn`), in the platform's account and region; its name is read from the ARN. */
  readonly clusterArn: pulumi.Input<string>;
}

/**
 * An existing KMS key for the platform's logs, secrets and alarm topics instead of a new one. The
 * key policy is then yours: Airlock makes no key, alias or key policy, and the plan lists the
 * statements the key policy must hold (`AgentPlatform.requiredKeyPolicy`, and an info finding
 * AIR-I101): IAM delegation for this account (Airlock's roles use the key through their IAM
 * policies, only via Secrets Manager), CloudWatch Logs for this stack's `/airlock/` log groups,
 * and CloudWatch alarms and EventBridge for this stack's Airlock topics.
 */
export interface ExistingKmsKey {
  /**
   * The key's ARN (`aws.kms.Key.arn`): a symmetric encryption key in the platform's account and
   * region. Its policy must hold {@link requiredKeyPolicy}'s statements before anything encrypts
   * with it: when the policy is an `aws.kms.KeyPolicy` of this program, pass an ARN that resolves
   * after it (`pulumi.all([key.arn, keyPolicy.id]).apply(([arn]) => arn)`), so every log group,
   * secret and topic waits for the policy.
   */
  readonly keyArn: pulumi.Input<string>;
}

/**
 * A private address range outside the VPC that agents may reach (an internal API over a transit
 * gateway or a peered VPC). Give exactly one target; the platform adds the route to every private
 * route table. `managedElsewhere` declares a route that already exists (your network team's) in
 * the route tables of an existing `network`.
 */
export interface PrivateRoute {
  /** IPv4 CIDR of the destination, e.g. "10.20.0.0/16". */
  readonly cidr: string;
  /** The transit gateway the route leads through (one target only). */
  readonly transitGatewayId?: pulumi.Input<string>;
  /** The VPC peering connection the route leads through (one target only). */
  readonly vpcPeeringConnectionId?: pulumi.Input<string>;
  /**
   * The route exists already in the private route tables; Airlock only relies on it, and the
   * reason (at least 10 characters) shows in every plan and preview (guardrail AIR-D021).
   *
   * Meant for an existing `network`. It is also accepted on the VPC the platform creates, but only
   * as a stand-in (the plan of a bare agent.yaml declares the manifest's private ranges this way):
   * that VPC is brand new and its private route tables set inline `routes`, which Pulumi owns
   * whole, so a route kept elsewhere cannot really exist there; the plan says so (info finding
   * AIR-I105). On that VPC the route is recorded as the tag `airlock:route-elsewhere:<cidr>` =
   * reason (`ROUTE_ELSEWHERE_TAG_PREFIX`), which is how the guardrails see it in `pulumi preview`.
   */
  readonly managedElsewhere?: { readonly reason: string };
}

/** Where a private route leads: exactly one of a transit gateway, a peering connection, or a route kept elsewhere. */
export type PrivateRouteTarget = Omit<PrivateRoute, "cidr">;

/**
 * One route per private IPv4 egress range of the agents (`privateEgressRanges`), all to the same
 * target: the usual case of internal APIs behind one company transit gateway.
 */
export function privateRoutesVia(agents: readonly AgentModel[], target: PrivateRouteTarget): PrivateRoute[] {
  return privateEgressRanges(agents).map((cidr) => ({ cidr, ...target }));
}

/** Arguments of {@link AgentPlatform}. */
export interface AgentPlatformArgs {
  /** Compiled models of every agent that will run here: they decide the endpoints and the DNS allowlist. */
  readonly agents: readonly AgentModel[];
  /** @default - the `aws:region` config */
  readonly region?: string;
  /** Deploy into an existing VPC. @default - a new VPC */
  readonly network?: ExistingNetwork;
  /** Run the agents on an existing ECS cluster. @default - a new cluster (Fargate, Container Insights on) */
  readonly cluster?: ExistingCluster;
  /**
   * Encrypt with an existing KMS key (its key policy is yours; see ExistingKmsKey for the grants
   * Airlock needs). @default - a new key with rotation on and the key policy Airlock needs
   */
  readonly kmsKey?: ExistingKmsKey;
  /**
   * Routes to private ranges outside the VPC. An agent's egress range in private address space
   * must be inside the VPC or covered by one of these, or the platform refuses it (it could never
   * be reached). On a new VPC each `managedElsewhere` route adds a tag to the VPC, within its 50.
   * @default - none
   */
  readonly privateRoutes?: readonly PrivateRoute[];
  /** CIDR of the new VPC. @default "10.40.0.0/16" */
  readonly vpcCidr?: string;
  /** Availability zones for the new VPC's subnets. @default - `<region>a` and `<region>b` */
  readonly availabilityZones?: readonly string[];
  /** NAT gateways: one shared (cheaper) or one per zone (zone-independent). @default "one" */
  readonly natGateways?: "one" | "per-zone";
  /**
   * Opt-out: let DNS queries through when the DNS firewall cannot be reached (fail open).
   * @default false - fail closed: no answer, no connection
   */
  readonly dnsFirewallFailOpen?: boolean;
  /**
   * Lock the DNS firewall's association to the VPC (`mutationProtection: ENABLED`), so it cannot be
   * removed or changed until the lock is lifted. While on, Pulumi cannot replace or destroy the
   * association: turning it on is a production choice, and taking the stack down then needs a
   * first `pulumi up` with it off. @default false - the association can be replaced and destroyed
   */
  readonly dnsFirewallMutationProtection?: boolean;
  /**
   * The principal that runs `pulumi up`, let through the secrets' deny-everyone-else policies (the
   * provider reads back what it writes). @default - the caller identity's role (its issuer, for an assumed-role session)
   */
  readonly deployerArn?: pulumi.Input<string>;
  /** Extra domains every agent may resolve (beyond the agents' hosts and AWS endpoints). @default - none */
  readonly extraAllowedDomains?: readonly string[];
  /** CloudWatch Container Insights on the new cluster (not with `cluster`). @default true */
  readonly containerInsights?: boolean;
  /** Days before the deleted KMS key is gone (the key Airlock makes; not with `kmsKey`). @default 30 */
  readonly kmsDeletionWindowDays?: number;
  /** Where the platform's alarms go (agents without their own `alerts` share it). @default - the SNS topic only */
  readonly alerts?: AlertTargets;
  /**
   * Human approvals: each agent's Slack channel and approvers (or a reasoned opt-out), served by one
   * ApprovalGateway. Required for every agent whose outward tools' risk line is not `auto`.
   * @default - none; an error when an agent has outward tools that need approval
   */
  readonly approvals?: PlatformApprovals;
  /** Retention of the platform's own function logs. @default 90 */
  readonly logRetentionDays?: number;
  /** Tags merged into every taggable child. @default - `airlock:managed-by` */
  readonly tags?: Readonly<Record<string, string>>;
}
