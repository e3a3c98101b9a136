/**
 * An agent on what a team already has: its VPC and private subnets, its ECS cluster, its KMS key,
 * its log group and the vendor secret it already keeps in Secrets Manager, all in eu-west-1 through
 * an explicit AWS provider. Here they are made in the same program so that it plans on its own; in
 * a real account they come from another stack (`pulumi.StackReference`) or `aws.*.get*` lookups,
 * and reach Airlock the same way: as Outputs.
 *
 * `airlock plan examples/bring-your-own` plans it offline. Each bring-your-own option adds an
 * info finding (AIR-I1xx) saying what stays the team's: the key policy statements to add, the
 * secret's value and rotation, the cluster's Container Insights.
 *
 * Stack config `airlock-bring-your-own:github` (optional): the GitHub side of the eval gate
 * (EvalGate), its AWS resources (the OIDC provider, the deploy role) through the same explicit
 * provider; `{ repository, reviewers, oidcProviderArn?, deployPolicyArns | deployPolicy, … }`. A team
 * whose account already trusts GitHub Actions gives that provider's ARN as `oidcProviderArn` (IAM
 * has one provider per URL in an account: creating a second fails with EntityAlreadyExists).
 * Stack config `airlock-bring-your-own:anchorRetentionDays` (optional): days each approvals audit
 * anchor stays locked (default 400); the dev stack sets 1, since a destroyed stack keeps its anchor
 * key and bucket.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { fileURLToPath } from "node:url";
import { loadManifest } from "@airlock/core";
import {
  AgentDeployment,
  AgentPlatform,
  evalGateFromConfig,
  readEvalGateConfig,
  requiredKeyPolicy,
  validateApprovalSettings,
  validateDeploymentArgs,
  type ApprovalSettings,
  type ReleaseSpec,
} from "@airlock/pulumi";

export default async function program() {
  const config = new pulumi.Config();
  const approvals = config.requireObject<ApprovalSettings>("approvals");
  const anchorRetentionDays = config.getNumber("anchorRetentionDays");
  validateApprovalSettings(approvals, "approvals");
  const github = readEvalGateConfig(config.getObject("github"), "github");
  const model = await loadManifest(fileURLToPath(new URL("./agent.yaml", import.meta.url)));
  const releases = config.requireObject<Record<string, ReleaseSpec>>("releases");
  const activeRelease = config.require("activeRelease");
  // Eval reports are paths relative to this project's directory.
  const evalGate = { baseDir: fileURLToPath(new URL("./", import.meta.url)) };
  validateDeploymentArgs(model, { releases, activeRelease, evalGate }, "eu-west-1");

  const provider = new aws.Provider("eu-west-1", { region: "eu-west-1" });
  const opts = { provider };

  // --- What the team already has --------------------------------------------------------------
  // A VPC whose private subnets reach the internet through a NAT gateway (the agent calls the
  // model's API; the platform's security groups and DNS firewall narrow that to its allowlist).
  const vpc = new aws.ec2.Vpc("team", { cidrBlock: "10.40.0.0/16", enableDnsHostnames: true, enableDnsSupport: true }, opts);
  const igw = new aws.ec2.InternetGateway("team", { vpcId: vpc.id }, opts);
  const publicSubnet = new aws.ec2.Subnet("team-public", { vpcId: vpc.id, availabilityZone: "eu-west-1a", cidrBlock: "10.40.100.0/24" }, opts);
  const publicRoutes = new aws.ec2.RouteTable("team-public", { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] }, opts);
  new aws.ec2.RouteTableAssociation("team-public", { subnetId: publicSubnet.id, routeTableId: publicRoutes.id }, opts);
  const natIp = new aws.ec2.Eip("team-nat", { domain: "vpc" }, { ...opts, dependsOn: [igw] });
  const nat = new aws.ec2.NatGateway("team", { subnetId: publicSubnet.id, allocationId: natIp.id }, { ...opts, dependsOn: [igw] });
  const zones = ["eu-west-1a", "eu-west-1b"];
  const subnets = zones.map((az, i) => new aws.ec2.Subnet(`team-private-${az}`, { vpcId: vpc.id, availabilityZone: az, cidrBlock: `10.40.${i}.0/24` }, opts));
  const routeTables = zones.map((az) => new aws.ec2.RouteTable(`team-private-${az}`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }] }, opts));
  zones.forEach((az, i) => new aws.ec2.RouteTableAssociation(`team-private-${az}`, { subnetId: subnets[i]!.id, routeTableId: routeTables[i]!.id }, opts));
  const cluster = new aws.ecs.Cluster("team", { settings: [{ name: "containerInsights", value: "enabled" }] }, opts);

  // The team's key, and its policy: the statements Airlock needs (account administration included)
  // for the platform's log groups, secrets and topics and for the team's own log group the agent
  // writes to; a team with statements of its own merges them into this document.
  const key = new aws.kms.Key("team", { description: "The team's key", enableKeyRotation: true }, opts);
  const account = aws.getCallerIdentityOutput({}, opts);
  const logGroupName = "/team/helpdesk-agent";
  const keyPolicy = new aws.kms.KeyPolicy(
    "team",
    { keyId: key.keyId, policy: requiredKeyPolicy({ region: "eu-west-1", accountId: account.accountId, logGroupArns: [pulumi.interpolate`arn:aws:logs:eu-west-1:${account.accountId}:log-group:${logGroupName}`] }) },
    opts,
  );
  // Everything that encrypts with the key waits for its policy: the ARN the platform gets resolves after it.
  const keyArn = pulumi.all([key.arn, keyPolicy.id]).apply(([arn]) => arn);
  const logGroup = new aws.cloudwatch.LogGroup("helpdesk-agent", { name: logGroupName, retentionInDays: 365, kmsKeyId: keyArn }, opts);
  const vendorSecret = new aws.secretsmanager.Secret("anthropic", { name: "team/anthropic-api-key", kmsKeyId: keyArn }, opts);

  // --- Airlock on top of it ---------------------------------------------------------------------
  const platform = new AgentPlatform(
    "helpdesk",
    {
      agents: [model],
      region: "eu-west-1",
      network: {
        vpcId: vpc.id,
        vpcCidr: "10.40.0.0/16",
        // One Output<string[]>, as awsx.ec2.Vpc's privateSubnetIds is.
        privateSubnetIds: pulumi.all(subnets.map((s) => s.id)),
        // One route per table, so the tables are a list (each entry may be an Output).
        privateRouteTableIds: routeTables.map((t) => t.id),
      },
      cluster: { clusterArn: cluster.arn },
      kmsKey: { keyArn },
      approvals: { agents: { [model.name]: approvals }, ...(anchorRetentionDays !== undefined ? { anchorRetentionDays } : {}) },
    },
    opts,
  );

  const agent = new AgentDeployment(model.name, {
    platform,
    model,
    logGroup: { logGroupArn: logGroup.arn },
    existingSecrets: { "anthropic-api-key": { secretArn: vendorSecret.arn, kmsKeyArn: keyArn } },
    releases,
    activeRelease,
    evalGate,
  });

  // --- What stays the team's (the plan's AIR-I notes say so) -----------------------------------
  // The vendor key is rotated by hand: the team's own monitor publishes DaysSinceRotation per
  // secret, and this alarm tells the platform's alert channel when the key gets old (or when the
  // monitor stops reporting).
  new aws.cloudwatch.MetricAlarm(
    "anthropic-key-age",
    {
      namespace: "Team/Secrets",
      metricName: "DaysSinceRotation",
      dimensions: { SecretName: vendorSecret.name },
      statistic: "Maximum",
      period: 86400,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 90,
      treatMissingData: "breaching",
      alarmDescription: "The team's Claude API key is older than 90 days, or its age is no longer reported: rotate it in the vendor console and put the new value in Secrets Manager.",
      alarmActions: [platform.alertTopicArn],
    },
    opts,
  );

  // The GitHub side of the gate; its IAM resources on the team's provider like everything else here.
  const gate = github !== undefined ? evalGateFromConfig("eval-gate", github, { aws: provider }) : undefined;

  return { service: agent.serviceName, deployRoleArn: gate?.roleArn };
}
