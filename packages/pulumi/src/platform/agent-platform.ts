/**
 * AgentPlatform: what many agents share. A VPC with private subnets (egress through NAT, filtered
 * by security groups and a fail-closed DNS firewall) and isolated sandbox subnets (no route out),
 * interface and gateway endpoints for the AWS APIs the agents call, an ECS cluster, a KMS key, the
 * alert channel, the secret housekeeping functions and, when some agent's outward tools wait for a
 * person, one approval gateway (one Slack app, one audit database) for all of them.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  DNS_FIREWALL_FACTS,
  sanitizeTags,
  endpointsForServices,
  isPrivateRange,
  parseCidr,
  privateEgressRanges,
  rangeContains,
  subdivide,
  toolsNeedingApproval,
  vpcResolverAddress,
  type AgentModel,
  type EndpointSpec,
} from "@airlock/core";
import { awsContext, type AwsContext } from "../aws-context.ts";
import { arnSpec, arnTail, checkArn, checkedArn, CLUSTER_ARN, KMS_KEY_ARN, requirement } from "../interop.ts";
import { policyJson, type StatementInput } from "../policy.ts";
import { stackLabel, stackScopedName } from "../naming.ts";
import { reasonTagValue, validateTags, withOptOutTags } from "../tags.ts";
import { recordPlanFinding } from "../registry.ts";
import { AlertChannel, taskStoppedRule, validateAlerts, type AlertTargets } from "../observability/alert-channel.ts";
import { checkRetention, secureLogGroup } from "../observability/secure-log-group.ts";
import { SecretFunctions, type SharedFunction } from "../secrets/secret-functions.ts";
import {
  ApprovalGateway,
  validatePlatformApprovals,
  type ApprovalSettings,
  type ApprovalsDisabled,
  type PlatformApprovals,
} from "../approvals/approval-gateway.ts";

/** Pulumi type token of {@link AgentPlatform}. */
export const AGENT_PLATFORM_TOKEN = "airlock:platform:AgentPlatform";

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

/** Domain names an endpoint answers to inside the VPC (private DNS), for the DNS firewall. */
function endpointDomains(e: EndpointSpec, region: string): string[] {
  switch (e.suffix) {
    case "ecr.api":
      return [`api.ecr.${region}.amazonaws.com`];
    case "ecr.dkr":
      return [`dkr.ecr.${region}.amazonaws.com`, `*.dkr.ecr.${region}.amazonaws.com`];
    case "s3":
      // us-east-1 also answers on the legacy global names.
      return [`s3.${region}.amazonaws.com`, `*.s3.${region}.amazonaws.com`, ...(region === "us-east-1" ? ["s3.amazonaws.com", "*.s3.amazonaws.com"] : [])];
    case "dynamodb":
      // Current AWS SDKs call account-based endpoints (`<account>.ddb.<region>.amazonaws.com`) by
      // default when they know the account (AWS SDKs and Tools reference, "Account-based endpoints").
      return [`dynamodb.${region}.amazonaws.com`, `*.ddb.${region}.amazonaws.com`];
    default:
      return [`${e.suffix}.${region}.amazonaws.com`];
  }
}

function validate(name: string, args: AgentPlatformArgs): void {
  if (args.agents.length === 0) throw new Error("`agents`: list the compiled model of at least one agent (`await compile(manifest)`)");
  const names = new Set<string>();
  for (const [i, a] of args.agents.entries()) {
    if (names.has(a.name)) throw new Error(`\`agents[${i}]\`: agent \`${a.name}\` is listed twice; agent names must be unique on a platform`);
    names.add(a.name);
  }
  if (args.network && args.vpcCidr) throw new Error("`vpcCidr`: only applies to a new VPC; with `network`, give `network.vpcCidr`");
  validateExisting(args);
  validateAlerts(args.alerts);
  validatePlatformApprovals(args.agents, args.approvals);
  if (args.logRetentionDays !== undefined) checkRetention(args.logRetentionDays, "logRetentionDays");
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(name)) throw new Error(`\`name\`: "${name}" must be lowercase letters, digits and \`-\` (it names AWS resources)`);
  if (args.availabilityZones !== undefined && args.availabilityZones.length < 2) {
    throw new Error("`availabilityZones`: give at least two zones so the service survives a zone outage");
  }
  validatePrivateRoutes(args);
  validateTags(args.tags);
  if (args.network === undefined) newVpcTags(name, args);
  for (const d of args.extraAllowedDomains ?? []) {
    if (!/^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,63}$/.test(d)) throw new Error(`\`extraAllowedDomains\`: "${d}" is not a DNS name such as api.example.com`);
  }
}

/** The bring-your-own options: plain ARNs checked here (Outputs when they resolve), and the options that only apply to what Airlock makes. */
function validateExisting(args: AgentPlatformArgs): void {
  const region = args.region ?? aws.config.region ?? "";
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
        if (range.includes(":") || !isPrivateRange(range)) continue;
        if (rangeContains(vpcCidr, range) || routes.some((r) => rangeContains(r.cidr, range))) continue;
        throw new Error(
          `\`agents\`: agent \`${model.name}\` allows ${host} at ${range}, a private range outside the VPC (${vpcCidr}) that no route reaches; add \`privateRoutes: [{ cidr: "${range}", transitGatewayId: … }]\` (or \`vpcPeeringConnectionId\`, or \`managedElsewhere: { reason }\` for a route your network team keeps), or list the host's public range`,
        );
      }
    }
  }
}

const DEFAULT_VPC_CIDR = "10.40.0.0/16";

/**
 * Tag on the VPC the platform creates, one per `privateRoutes[].managedElsewhere` route:
 * `airlock:route-elsewhere:<cidr>` = `sanitizeTagValue(reason)`. The guardrails read it back
 * (@airlock/guardrails' `ROUTE_ELSEWHERE_TAG_PREFIX`; AIR-D018 then accepts egress to the range,
 * AIR-D021 reports it with the reason), since `pulumi preview --policy-pack` sees only resources.
 * The CIDR is the key as written: tag keys may hold letters, digits, spaces and `_ . : / = + - @`,
 * so `10.20.8.0/24` needs no escaping (AWS Tag Editor guide, "Tag naming limits and requirements":
 * https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html).
 */
export const ROUTE_ELSEWHERE_TAG_PREFIX = "airlock:route-elsewhere:";

/**
 * The tags of the VPC the platform creates: the platform's tags, `Name`, and the
 * `ROUTE_ELSEWHERE_TAG_PREFIX` tag of each `managedElsewhere` route. Throws, naming
 * `privateRoutes`, when they would not fit on the VPC (50 tags, AIR-D003).
 */
export function newVpcTags(name: string, args: Pick<AgentPlatformArgs, "privateRoutes" | "tags">): Record<string, string> {
  const tags = platformTags(name, args.tags);
  const elsewhere: Record<string, string> = {};
  (args.privateRoutes ?? []).forEach((r, i) => {
    if (r.managedElsewhere !== undefined) elsewhere[`${ROUTE_ELSEWHERE_TAG_PREFIX}${r.cidr}`] = reasonTagValue(r.managedElsewhere.reason, `privateRoutes[${i}].managedElsewhere.reason`);
  });
  return withOptOutTags("aws:ec2/vpc:Vpc", { ...tags, Name: name }, elsewhere, {
    field: "privateRoutes",
    what: "routes kept elsewhere (`managedElsewhere`: one tag `airlock:route-elsewhere:<cidr>` each)",
    resource: "the VPC",
  });
}

function platformTags(name: string, extra: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return sanitizeTags({ "airlock:platform": name, "airlock:managed-by": "airlock", ...extra });
}

/**
 * The platform key's policy: the account administers it (and so IAM policies in the account grant
 * its use: Airlock's roles get it only via Secrets Manager), CloudWatch Logs encrypts this stack's
 * `/airlock/` groups, and CloudWatch alarms and EventBridge publish to this stack's Airlock topics.
 * For a key Airlock does not own (`kmsKey`), the statements its policy must hold.
 */
export function platformKeyStatements(ctx: Pick<AwsContext, "region" | "accountId" | "partition">, logGroupArns: readonly pulumi.Input<string>[] = []): StatementInput[] {
  // This stack's Airlock topics (their names carry the stack), as SNS names them to KMS.
  const airlockTopics = pulumi.interpolate`arn:${ctx.partition}:sns:${ctx.region}:${ctx.accountId}:airlock-${stackLabel()}-*`;
  return [
    {
      Sid: "AccountAdministers",
      Effect: "Allow",
      Principal: { AWS: pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:root` },
      Action: ["kms:*"],
      Resource: "*",
    },
    {
      Sid: "CloudWatchLogsUsesKeyForAirlockGroups",
      Effect: "Allow",
      Principal: { Service: `logs.${ctx.region}.amazonaws.com` },
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
      Resource: "*",
      Condition: {
        ArnLike: { "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:/airlock/*` },
      },
    },
    ...(logGroupArns.length === 0
      ? []
      : [
          {
            // Log groups of yours that agents write to (`AgentDeployment`'s `logGroup`), encrypted with
            // this key: CloudWatch Logs may use it only for them ("Encrypt log data in CloudWatch Logs
            // using AWS KMS": the key policy names the log group ARN in kms:EncryptionContext:aws:logs:arn).
            Sid: "CloudWatchLogsUsesKeyForYourGroups",
            Effect: "Allow" as const,
            Principal: { Service: `logs.${ctx.region}.amazonaws.com` },
            Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
            Resource: "*",
            Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": [...logGroupArns] } },
          },
        ]),
    {
      // CloudWatch alarms and EventBridge rules publish to the platform's encrypted topics; SNS
      // asks KMS for a data key on their behalf (SNS developer guide, "Enable compatibility
      // between event sources from AWS services and encrypted topics": kms:GenerateDataKey* and
      // kms:Decrypt for the service principal). Only for this account's sources and only for
      // this stack's Airlock topics (the encryption context SNS passes names the topic).
      Sid: "AlarmsPublishToEncryptedTopics",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": ctx.accountId },
        ArnLike: { "kms:EncryptionContext:aws:sns:topicArn": airlockTopics },
      },
    },
    {
      // EventBridge's KMS requests for an encrypted SNS target carry no aws:SourceAccount or
      // aws:SourceArn, so a condition on them would drop every notification; the topic policy
      // limits publishing to the rule's ARN, and the key to this stack's Airlock topics.
      Sid: "TaskStoppedRulesPublishToEncryptedTopics",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        ArnLike: { "kms:EncryptionContext:aws:sns:topicArn": airlockTopics },
      },
    },
  ];
}

/** What {@link requiredKeyPolicy} needs to know: where the platform will run. */
export interface RequiredKeyPolicyArgs {
  /** The platform's region, e.g. `eu-west-1`. */
  readonly region: string;
  /** The account id (`aws.getCallerIdentityOutput().accountId`). */
  readonly accountId: pulumi.Input<string>;
  /** @default "aws" */
  readonly partition?: pulumi.Input<string>;
  /**
   * ARNs of your own log groups encrypted with this key that agents write to (each
   * `AgentDeployment`'s `logGroup.logGroupArn`, without the `:*` suffix). @default - none
   */
  readonly logGroupArns?: readonly pulumi.Input<string>[];
}

/**
 * The key policy a bring-your-own KMS key (`AgentPlatform`'s `kmsKey`) must hold, as a JSON
 * document, computed before the platform exists: attach it (merged with statements of your own)
 * with an `aws.kms.KeyPolicy`, and give the platform a `keyArn` that resolves only after that
 * policy (`pulumi.all([key.arn, keyPolicy.id]).apply(([arn]) => arn)`), so nothing encrypts with
 * the key before CloudWatch Logs and SNS's publishers may use it. The same statements as the
 * platform's `requiredKeyPolicy` output (plus `logGroupArns`). Call it inside a stack (the
 * topic names carry the stack's name).
 */
export function requiredKeyPolicy(args: RequiredKeyPolicyArgs): pulumi.Output<string> {
  const ctx = { region: args.region, accountId: pulumi.output(args.accountId), partition: pulumi.output(args.partition ?? "aws") };
  return policyJson(platformKeyStatements(ctx, args.logGroupArns ?? []));
}

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
  readonly #approvals: Readonly<Record<string, ApprovalSettings | ApprovalsDisabled>>;

  constructor(name: string, args: AgentPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component registers: bad arguments leave nothing behind.
    validate(name, args);
    super(AGENT_PLATFORM_TOKEN, name, {}, opts);
    this.name = name;
    const ctx = awsContext(this, args.region, args.deployerArn);
    this.aws = ctx;
    const tags = platformTags(name, args.tags);
    this.tags = tags;
    this.agentNames = args.agents.map((a) => a.name).sort();
    this.#approvals = { ...args.approvals?.agents };
    const natMode = args.natGateways ?? "one";
    const failOpen = args.dnsFirewallFailOpen ?? false;

    // --- KMS key for logs, secrets and alarm topics ---------------------------------------
    const keyStatements = platformKeyStatements(ctx);
    let keyArn: pulumi.Output<string>;
    if (args.kmsKey !== undefined) {
      // The key policy is its owner's: Airlock says what it needs, in the plan, and makes nothing.
      keyArn = checkedArn(args.kmsKey.keyArn, arnSpec(KMS_KEY_ARN, "kmsKey.keyArn"), ctx);
      this.requiredKeyPolicy = policyJson(keyStatements);
      requirement(
        `${name}-key-policy-required`,
        {
          rule: "AIR-I101",
          subject: `platform ${name}: kmsKey`,
          message: `the key policy of your KMS key is yours; it must hold the statements ${keyStatements.map((x) => x.Sid).join(", ")} (the platform's \`requiredKeyPolicy\`), or log groups, secrets and alarm notifications fail`,
        },
        { keyArn, requiredKeyPolicy: this.requiredKeyPolicy },
        this,
      );
    } else {
      const key = new aws.kms.Key(
        `${name}-key`,
        {
          description: `Airlock platform ${name}: logs, secrets and alarm topics`,
          enableKeyRotation: true,
          deletionWindowInDays: args.kmsDeletionWindowDays ?? 30,
          policy: policyJson(keyStatements),
          tags,
        },
        { parent: this },
      );
      new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${stackScopedName(["airlock", name], 250, "/")}`, targetKeyId: key.keyId }, { parent: this });
      keyArn = key.arn;
    }
    this.kmsKeyArn = keyArn;

    // --- Network ---------------------------------------------------------------------------
    let vpcId: pulumi.Output<string>;
    // Lists, each whole or of Outputs: an existing network's may be another resource's Output<string[]>.
    let privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    let privateRouteTableIds: pulumi.Input<pulumi.Input<string>[]>;
    let isolatedSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    let isolatedRouteTableIds: pulumi.Input<pulumi.Input<string>[]>;
    if (args.network) {
      this.vpcCidr = args.network.vpcCidr;
      vpcId = pulumi.output(args.network.vpcId);
      privateSubnetIds = args.network.privateSubnetIds;
      privateRouteTableIds = [...args.network.privateRouteTableIds];
      isolatedSubnetIds = args.network.isolatedSubnetIds ?? args.network.privateSubnetIds;
      isolatedRouteTableIds = args.network.isolatedRouteTableIds ?? [];
      // What the platform's VPC-wide pieces do to everything else in a VPC that is not only Airlock's.
      recordPlanFinding({
        rule: "AIR-I106",
        severity: "info",
        subject: `platform ${name}: network`,
        message:
          "the VPC is yours and not only the agents': the platform's DNS firewall rule group is associated with the whole VPC and fails closed, so every workload in it resolves only the agents' allowed names (Route 53 Resolver DNS Firewall applies to all queries from the VPC); its interface endpoints turn on private DNS, which fails if the VPC already has an endpoint for the same service, and its gateway endpoints' policies (S3, DynamoDB) apply to all traffic of the route tables listed; give Airlock a VPC (or subnets and route tables) of the agents' own, or check that nothing else in the VPC needs other names or those services",
      });
      // Routes to private ranges are added to the given route tables (inline routes are Airlock's only on its own VPC).
      for (const r of args.privateRoutes ?? []) {
        if (r.managedElsewhere !== undefined) continue;
        args.network.privateRouteTableIds.forEach((rt, i) => {
          new aws.ec2.Route(
            `${name}-route-${r.cidr.replace(/[./]/g, "-")}-${i}`,
            { routeTableId: rt, destinationCidrBlock: r.cidr, ...(r.transitGatewayId !== undefined ? { transitGatewayId: r.transitGatewayId } : { vpcPeeringConnectionId: r.vpcPeeringConnectionId! }) },
            { parent: this },
          );
        });
      }
    } else {
      this.vpcCidr = args.vpcCidr ?? DEFAULT_VPC_CIDR;
      const zones = [...(args.availabilityZones ?? [`${ctx.region}a`, `${ctx.region}b`])];
      const [publicCidrs, privateCidrs, isolatedCidrs] = chunk(subdivide(this.vpcCidr, prefixFor(this.vpcCidr), zones.length * 3), zones.length);
      const vpc = new aws.ec2.Vpc(
        `${name}-vpc`,
        { cidrBlock: this.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: newVpcTags(name, args) },
        { parent: this },
      );
      vpcId = vpc.id;
      // A route kept elsewhere cannot exist in this new VPC (see PrivateRoute.managedElsewhere): say so in the plan.
      (args.privateRoutes ?? []).forEach((r, i) => {
        if (r.managedElsewhere === undefined) return;
        recordPlanFinding({
          rule: "AIR-I105",
          severity: "info",
          subject: `platform ${name}: privateRoutes[${i}]`,
          message: `\`privateRoutes[${i}].managedElsewhere\` (${r.cidr}) is on the VPC this platform creates: that VPC is brand new and its private route tables set inline \`routes\`, which Pulumi owns whole, so no route to ${r.cidr} kept elsewhere can exist in them and traffic there does not arrive. Accepted as a stand-in (the plan of a bare agent.yaml declares the manifest's private ranges so) and tagged on the VPC as \`${ROUTE_ELSEWHERE_TAG_PREFIX}${r.cidr}\` (AIR-D021); to deploy, give \`transitGatewayId\` or \`vpcPeeringConnectionId\`, or deploy into the network that has the route (\`network\`). Reason: ${r.managedElsewhere.reason.trim()}`,
        });
      });
      // The VPC's default security group allows all traffic between its members; empty it.
      new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, ingress: [], egress: [], tags: { ...tags, Name: `${name}-default-locked` } }, { parent: this });
      const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, { parent: this });
      const publicRt = new aws.ec2.RouteTable(
        `${name}-public-rt`,
        { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: { ...tags, Name: `${name}-public` } },
        { parent: this },
      );
      const nats: aws.ec2.NatGateway[] = [];
      const privateSubnets: aws.ec2.Subnet[] = [];
      const privateRouteEntries: aws.types.input.ec2.RouteTableRoute[] = (args.privateRoutes ?? [])
        .filter((r) => r.managedElsewhere === undefined)
        .map((r) => ({ cidrBlock: r.cidr, ...(r.transitGatewayId !== undefined ? { transitGatewayId: r.transitGatewayId } : { vpcPeeringConnectionId: r.vpcPeeringConnectionId! }) }));
      const newPrivateSubnetIds: pulumi.Output<string>[] = [];
      const newPrivateRouteTableIds: pulumi.Output<string>[] = [];
      const newIsolatedSubnetIds: pulumi.Output<string>[] = [];
      privateSubnetIds = newPrivateSubnetIds;
      privateRouteTableIds = newPrivateRouteTableIds;
      isolatedSubnetIds = newIsolatedSubnetIds;
      const isolatedRt = new aws.ec2.RouteTable(`${name}-isolated-rt`, { vpcId: vpc.id, tags: { ...tags, Name: `${name}-isolated` } }, { parent: this });
      isolatedRouteTableIds = [isolatedRt.id];
      zones.forEach((zone, i) => {
        const pub = new aws.ec2.Subnet(
          `${name}-public-${zone}`,
          { vpcId: vpc.id, cidrBlock: publicCidrs![i]!, availabilityZone: zone, mapPublicIpOnLaunch: false, tags: { ...tags, Name: `${name}-public-${zone}`, "airlock:tier": "public" } },
          { parent: this },
        );
        new aws.ec2.RouteTableAssociation(`${name}-public-${zone}`, { subnetId: pub.id, routeTableId: publicRt.id }, { parent: this });
        if (natMode === "per-zone" || i === 0) {
          // A public NAT gateway and its address need the internet gateway attached first
          // (the EC2 docs; the Terraform docs of aws_eip and aws_nat_gateway say to depend on it).
          const eip = new aws.ec2.Eip(`${name}-nat-${zone}`, { domain: "vpc", tags }, { parent: this, dependsOn: [igw] });
          nats.push(new aws.ec2.NatGateway(`${name}-nat-${zone}`, { subnetId: pub.id, allocationId: eip.id, tags: { ...tags, Name: `${name}-nat-${zone}` } }, { parent: this, dependsOn: [igw] }));
        }
        const priv = new aws.ec2.Subnet(
          `${name}-private-${zone}`,
          { vpcId: vpc.id, cidrBlock: privateCidrs![i]!, availabilityZone: zone, tags: { ...tags, Name: `${name}-private-${zone}`, "airlock:tier": "private" } },
          { parent: this },
        );
        privateSubnets.push(priv);
        const iso = new aws.ec2.Subnet(
          `${name}-isolated-${zone}`,
          { vpcId: vpc.id, cidrBlock: isolatedCidrs![i]!, availabilityZone: zone, tags: { ...tags, Name: `${name}-isolated-${zone}`, "airlock:tier": "isolated" } },
          { parent: this },
        );
        new aws.ec2.RouteTableAssociation(`${name}-isolated-${zone}`, { subnetId: iso.id, routeTableId: isolatedRt.id }, { parent: this });
        newIsolatedSubnetIds.push(iso.id);
      });
      // A route to a transit gateway carries traffic only once the VPC is attached to it in each
      // zone ("traffic is forwarded to the transit gateway only when the transit gateway has an
      // attachment in a subnet in the same Availability Zone", AWS Transit Gateway guide); a new
      // VPC can only be attached here. A gateway shared from another account may need its owner to
      // accept the attachment (unless it accepts shared attachments automatically).
      const attachments = [...new Set((args.privateRoutes ?? []).flatMap((r) => (r.transitGatewayId !== undefined && r.managedElsewhere === undefined ? [r.transitGatewayId] : [])))].map(
        (tgw, i) =>
          new aws.ec2transitgateway.VpcAttachment(
            `${name}-tgw-${i}`,
            { vpcId: vpc.id, transitGatewayId: tgw, subnetIds: privateSubnets.map((x) => x.id), tags: { ...tags, Name: `${name}-tgw-${i}` } },
            { parent: this },
          ),
      );
      zones.forEach((zone, i) => {
        const nat = nats[natMode === "per-zone" ? i : 0]!;
        const priv = privateSubnets[i]!;
        const rt = new aws.ec2.RouteTable(
          `${name}-private-${zone}`,
          { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }, ...privateRouteEntries], tags: { ...tags, Name: `${name}-private-${zone}` } },
          { parent: this, dependsOn: attachments },
        );
        new aws.ec2.RouteTableAssociation(`${name}-private-${zone}`, { subnetId: priv.id, routeTableId: rt.id }, { parent: this });
        newPrivateSubnetIds.push(priv.id);
        newPrivateRouteTableIds.push(rt.id);
      });
    }
    this.vpcId = vpcId;
    this.resolverAddress = vpcResolverAddress(this.vpcCidr);
    this.privateSubnetIds = pulumi.output(privateSubnetIds);
    this.isolatedSubnetIds = pulumi.output(isolatedSubnetIds);

    // --- VPC endpoints: agents reach AWS only through these --------------------------------
    const services = new Set<string>(args.agents.flatMap((a) => a.egress.awsServices));
    const endpoints = endpointsForServices(services);
    const endpointSg = new aws.ec2.SecurityGroup(
      `${name}-endpoints`,
      {
        vpcId,
        description: "Airlock VPC interface endpoints: HTTPS from inside the VPC only",
        ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [this.vpcCidr], description: "HTTPS from the VPC" }],
        egress: [],
        tags: { ...tags, Name: `${name}-endpoints` },
      },
      { parent: this },
    );
    this.endpointSecurityGroupId = endpointSg.id;
    const prefixLists: Record<string, pulumi.Output<string>> = {};
    for (const e of endpoints) {
      const serviceName = `com.amazonaws.${ctx.region}.${e.suffix}`;
      if (e.type === "Gateway") {
        const ep = new aws.ec2.VpcEndpoint(
          `${name}-${e.suffix}`,
          {
            vpcId,
            serviceName,
            vpcEndpointType: "Gateway",
            routeTableIds: Array.isArray(privateRouteTableIds) && Array.isArray(isolatedRouteTableIds)
              ? [...privateRouteTableIds, ...isolatedRouteTableIds]
              : pulumi.all([privateRouteTableIds, isolatedRouteTableIds]).apply(([p, i]) => [...p, ...i]),
            policy: endpointPolicy(e.suffix, ctx),
            tags: { ...tags, Name: `${name}-${e.suffix}` },
          },
          { parent: this },
        );
        prefixLists[e.suffix] = ep.prefixListId;
      } else {
        new aws.ec2.VpcEndpoint(
          `${name}-${e.suffix}`,
          {
            vpcId,
            serviceName,
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: privateSubnetIds,
            securityGroupIds: [endpointSg.id],
            policy: endpointPolicy(e.suffix, ctx),
            tags: { ...tags, Name: `${name}-${e.suffix}` },
          },
          { parent: this },
        );
      }
    }
    this.gatewayPrefixListIds = prefixLists;
    this.endpointSuffixes = endpoints.filter((e) => e.type === "Interface").map((e) => e.suffix);

    // --- DNS firewall: allow the agents' hosts and the endpoints, block everything else ---
    const allowed = new Set<string>(args.extraAllowedDomains ?? []);
    for (const a of args.agents) for (const h of a.egress.hosts) allowed.add(h);
    for (const e of endpoints) for (const d of endpointDomains(e, ctx.region)) allowed.add(d);
    this.allowedDomains = [...allowed].sort();
    const allowList = new aws.route53.ResolverFirewallDomainList(
      `${name}-allowed`,
      { name: stackScopedName([name, "allowed"], 64), domains: [...this.allowedDomains], tags },
      { parent: this },
    );
    const everything = new aws.route53.ResolverFirewallDomainList(`${name}-everything`, { name: stackScopedName([name, "everything"], 64), domains: ["*"], tags }, { parent: this });
    const group = new aws.route53.ResolverFirewallRuleGroup(`${name}-dns`, { name: stackScopedName([name, "dns"], 64), tags }, { parent: this });
    new aws.route53.ResolverFirewallRule(
      `${name}-allow`,
      {
        name: `${name}-allow`,
        firewallRuleGroupId: group.id,
        firewallDomainListId: allowList.id,
        action: "ALLOW",
        priority: 100,
        // An allowed name is answered through its CNAME chain without inspecting the targets: AWS's
        // own names (S3 for image layers) resolve through names AWS does not publish, and a
        // vendor's API through its CDN's. The security group still limits where the answer may be
        // reached. ${DNS_FIREWALL_FACTS.redirection.source.url}
        firewallDomainRedirectionAction: "TRUST_REDIRECTION_DOMAIN",
      },
      { parent: this },
    );
    new aws.route53.ResolverFirewallRule(
      `${name}-block-rest`,
      { name: `${name}-block-rest`, firewallRuleGroupId: group.id, firewallDomainListId: everything.id, action: "BLOCK", blockResponse: "NXDOMAIN", priority: 200 },
      { parent: this },
    );
    new aws.route53.ResolverFirewallRuleGroupAssociation(
      `${name}-dns`,
      { name: `${name}-dns`, firewallRuleGroupId: group.id, vpcId, priority: 101, mutationProtection: (args.dnsFirewallMutationProtection ?? false) ? "ENABLED" : "DISABLED", tags },
      { parent: this },
    );
    new aws.route53.ResolverFirewallConfig(`${name}-dns`, { resourceId: vpcId, firewallFailOpen: failOpen ? "ENABLED" : "DISABLED" }, { parent: this });
    this.firewallRuleGroupId = group.id;

    // --- ECS cluster ---------------------------------------------------------------------
    if (args.cluster !== undefined) {
      // Yours: Airlock runs Fargate services on it and makes no cluster or capacity providers.
      this.clusterArn = checkedArn(args.cluster.clusterArn, arnSpec(CLUSTER_ARN, "cluster.clusterArn"), ctx);
      this.clusterName = arnTail(this.clusterArn, /^cluster\//);
      requirement(
        `${name}-cluster-required`,
        {
          rule: "AIR-I102",
          subject: `platform ${name}: cluster`,
          message: "the ECS cluster is yours; Airlock runs Fargate services on it; keep Container Insights on (the agents' task-restarts alarms read ECS/ContainerInsights) and do not delete it before the agents",
        },
        { clusterArn: this.clusterArn },
        this,
      );
    } else {
      const cluster = new aws.ecs.Cluster(
        `${name}-cluster`,
        { settings: [{ name: "containerInsights", value: (args.containerInsights ?? true) ? "enabled" : "disabled" }], tags },
        { parent: this },
      );
      new aws.ecs.ClusterCapacityProviders(
        `${name}-cluster`,
        { clusterName: cluster.name, capacityProviders: ["FARGATE"], defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }] },
        { parent: this },
      );
      this.clusterArn = cluster.arn;
      this.clusterName = cluster.name;
    }

    // --- Alerts and shared secret housekeeping ---------------------------------------------
    const channel = new AlertChannel(`${name}-alerts`, { topicName: name, aws: ctx, kmsKeyArn: keyArn, ...(args.alerts ? { targets: args.alerts } : {}), tags }, { parent: this });
    this.alertTopicArn = channel.topicArn;
    taskStoppedRule(`${name}-task-stopped`, { clusterArn: this.clusterArn, topicArn: channel.topicArn, label: `platform ${name}`, tags }, this);
    const rotation = args.agents.some((a) => a.secrets.some((s) => s.rotation.kind === "builtin"));
    // Approval gateways keep their Slack and database credentials as hand-rotated secrets.
    const routes = args.agents.flatMap((model) => {
      const route = args.approvals?.agents[model.name];
      return route !== undefined && !("disabled" in route) ? [{ model, settings: route }] : [];
    });
    const ageMonitor = routes.length > 0 || args.agents.some((a) => a.secrets.some((s) => s.rotation.kind === "max-age"));
    if (rotation || ageMonitor) {
      const logs = secureLogGroup(`${name}-functions-logs`, { logGroupName: `/airlock/${stackLabel()}/platform/${name}`, kmsKeyArn: keyArn, retentionInDays: args.logRetentionDays ?? 90, tags }, this);
      const functions = new SecretFunctions(
        // Short enough that its children's auto-names fit IAM's 64 characters for a 31-character platform name.
        `${name}-secret-fn`,
        { platformName: name, aws: ctx, logGroupName: logs.name, logGroupArn: logs.arn, kmsKeyArn: keyArn, rotation, ageMonitor, tags },
        { parent: this },
      );
      this.rotation = functions.rotation;
      this.ageMonitor = functions.ageMonitor;
    }
    if (routes.length > 0) {
      this.approvalGateway = new ApprovalGateway(
        `${name}-approvals`,
        {
          platformName: name,
          aws: ctx,
          kmsKeyArn: keyArn,
          ...(this.ageMonitor ? { ageMonitor: this.ageMonitor } : {}),
          alarmTopicArn: channel.topicArn,
          routes,
          ...(args.approvals?.credentialMaxAgeDays !== undefined ? { credentialMaxAgeDays: args.approvals.credentialMaxAgeDays } : {}),
          ...(args.approvals?.reservedConcurrency !== undefined ? { reservedConcurrency: args.approvals.reservedConcurrency } : {}),
          ...(args.logRetentionDays !== undefined ? { logRetentionDays: args.logRetentionDays } : {}),
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
   * How `model`'s outward actions are approved on this platform: its route through the gateway, its
   * opt-out, or undefined when it has no outward tool that needs a person. Throws when the model
   * needs approvals the platform was not built with (the model changed since).
   */
  approvalsFor(model: AgentModel): { readonly gateway: ApprovalGateway; readonly settings: ApprovalSettings } | ApprovalsDisabled | undefined {
    const route = this.#approvals[model.name];
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

function prefixFor(vpcCidr: string): number {
  const prefix = Number(vpcCidr.split("/")[1]);
  return Math.min(prefix + 4, 28);
}

function chunk<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * The endpoint policy of each VPC endpoint: only this account's principals may use it (an
 * identity perimeter: a stolen key of another account cannot leave through it), and on the
 * gateway endpoints and Secrets Manager only on this account's resources. The one documented
 * exception: ECR image layers are read from the region's layer bucket, which AWS owns.
 * The size limit of an endpoint policy is 20,480 characters.
 */
export function endpointPolicy(suffix: string, ctx: AwsContext): pulumi.Output<string> {
  const own: StatementInput["Condition"] = { StringEquals: { "aws:PrincipalAccount": ctx.accountId } };
  const ownOnOwn: StatementInput["Condition"] = { StringEquals: { "aws:PrincipalAccount": ctx.accountId, "aws:ResourceAccount": ctx.accountId } };
  switch (suffix) {
    case "s3":
      return policyJson([
        {
          Sid: "EcrImageLayers",
          Effect: "Allow",
          Principal: "*",
          Action: ["s3:GetObject"],
          // ${DNS_FIREWALL_FACTS.ecrLayers.source.url}
          Resource: [pulumi.interpolate`arn:${ctx.partition}:s3:::prod-${ctx.region}-starport-layer-bucket/*`],
        },
        { Sid: "OwnPrincipalsOwnBuckets", Effect: "Allow", Principal: "*", Action: ["s3:*"], Resource: "*", Condition: ownOnOwn },
      ]);
    case "dynamodb":
    case "secretsmanager":
      return policyJson([{ Sid: "OwnPrincipalsOwnResources", Effect: "Allow", Principal: "*", Action: [`${suffix}:*`], Resource: "*", Condition: ownOnOwn }]);
    default:
      return policyJson([{ Sid: "OwnPrincipals", Effect: "Allow", Principal: "*", Action: ["*"], Resource: "*", Condition: own }]);
  }
}
