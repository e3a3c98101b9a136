/**
 * The support agent on its own platform. `pulumi up` from the repository root runs this program
 * (Pulumi.yaml `main`); `npm run plan` plans it offline.
 *
 * Stack config (stacks/Pulumi.<stack>.yaml):
 *   airlock-support-agent:releases       map of release id → { image, environment?, description? }
 *   airlock-support-agent:activeRelease  the release the service runs
 *   airlock-support-agent:approvals      Slack channel and approvers for outward actions
 *   airlock-support-agent:anchorRetentionDays  days each approvals audit anchor stays locked (default 400);
 *                                        the dev stack sets 1, since a destroyed stack keeps its anchor key and bucket
 *   airlock-support-agent:github         the GitHub side of the eval gate (EvalGate: the ruleset requiring the
 *                                        evals check and a review, the `production` environment, the OIDC
 *                                        deploy role pinned to it); left out by every stack but the one that
 *                                        deploys from the repository (prod). Needs GITHUB_TOKEN to deploy
 *   airlock-support-agent:buildImage     true: build the agent's image from agent/ (its Dockerfile, for
 *                                        the manifest's architecture) instead of the manifest's digest;
 *                                        a release without `image` runs it. Run
 *                                        `npm run image:context -w @airlock-examples/support-agent`
 *                                        before `pulumi up` (the program writes the release's model
 *                                        and prompt into agent/image/ itself; that step bundles the code)
 * Release eval reports are paths relative to the project root; in CI the workflow hands the
 * freshly downloaded report of the release it deploys in AIRLOCK_EVAL_RELEASE/AIRLOCK_EVAL_REPORT.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadManifest } from "@airlock/core";
import { fileURLToPath } from "node:url";
import * as aws from "@pulumi/aws";
import { loadManifestBuildingImage, writeReleaseFiles } from "./agent/build/image-context.ts";
import {
  AgentDeployment,
  AgentPlatform,
  evalGateFromConfig,
  privateRoutesVia,
  readEvalGateConfig,
  validateApprovalSettings,
  validateDeploymentArgs,
  type ApprovalSettings,
  type EvalGateConfig,
  type ReleaseSpec,
} from "@airlock/pulumi";

export default async function program() {
  const config = new pulumi.Config();
  const manifest = new URL("./agent.yaml", import.meta.url).pathname;
  const buildImage = config.getBoolean("buildImage") ?? false;
  const model = buildImage ? await loadManifestBuildingImage(manifest) : await loadManifest(manifest);
  // The image ships the very model this program deploys (AIRLOCK_MODEL_HASH is its hash).
  if (buildImage) writeReleaseFiles(model);
  const releases = withCiEvalReport(config.getObject<Record<string, ReleaseSpec>>("releases"));
  const activeRelease = config.get("activeRelease");
  const desiredCount = config.getNumber("desiredCount") ?? model.runtime.desiredCount;
  const evalGate = { baseDir: fileURLToPath(new URL("../../", import.meta.url)) };
  const approvals = config.requireObject<ApprovalSettings>("approvals");
  // Everything is validated before the first resource exists: bad config makes nothing.
  validateApprovalSettings(approvals, "approvals");
  const github = readEvalGateConfig(config.getObject("github"), "github");
  validateDeploymentArgs(model, { releases, activeRelease, desiredCount, evalGate }, aws.config.requireRegion());

  const platform = new AgentPlatform("acme-agents", {
    agents: [model],
    approvals: { agents: { [model.name]: approvals }, ...anchorRetention(config) },
    natGateways: pulumi.getStack() === "prod" ? "per-zone" : "one",
    // Internal APIs in private address space are reached over the company's transit gateway.
    privateRoutes: privateRoutesVia([model], { transitGatewayId: config.require("transitGatewayId") }),
  });

  const agent = new AgentDeployment(model.name, { platform, model, releases, activeRelease, desiredCount, evalGate });
  // GitHub enforces the gate before anything reaches this program: the evals check and a review to
  // merge, a reviewer to deploy, and AWS credentials only for jobs in the production environment.
  // The deploy job reads back what ECS did (`airlock deploy verify --wait` after `pulumi up`).
  const gate = github !== undefined ? evalGateFromConfig("eval-gate", withDeployVerify(github, serviceArnOf(platform.clusterArn, agent.serviceName))) : undefined;

  return {
    cluster: platform.clusterName,
    service: agent.serviceName,
    activeRelease: agent.activeRelease,
    activeTaskDefinition: agent.activeTaskDefinitionArn,
    releases: agent.releaseTaskDefinitionArns,
    secrets: agent.secretArns,
    alarmTopic: agent.alarmTopicArn,
    slackInteractivityUrl: platform.approvalGateway?.functionUrl,
    permissionMap: model.permissions,
    deployRoleArn: gate?.roleArn,
  };
}

/** `anchorRetentionDays` from the stack config, when set (the platform checks it: 1..36500). */
function anchorRetention(config: pulumi.Config): { anchorRetentionDays?: number } {
  const days = config.getNumber("anchorRetentionDays");
  return days !== undefined ? { anchorRetentionDays: days } : {};
}

/** A service's ARN in the long format (`…:service/<cluster>/<service>`, the IAM resource type's). */
function serviceArnOf(clusterArn: pulumi.Output<string>, serviceName: pulumi.Output<string>): pulumi.Output<string> {
  return pulumi.all([clusterArn, serviceName]).apply(([cluster, service]) => `${cluster.replace(":cluster/", ":service/")}/${service}`);
}

/**
 * The stack's deploy policy (`github.deployPolicy`, if any) plus what the workflow's `airlock deploy
 * verify` reads: DescribeServices on this agent's service, DescribeTaskDefinition (the revisions'
 * release tags), which takes no resource ARN, on "*" (DEPLOY_VERIFY_PERMISSION_FACTS).
 */
function withDeployVerify(gate: EvalGateConfig, serviceArn: pulumi.Output<string>): EvalGateConfig {
  const given = gate.args.deployPolicy;
  const deployPolicy = pulumi.all([serviceArn, given]).apply(([arn, text]) => {
    const doc: { Statement?: unknown } = text !== undefined ? JSON.parse(text) : { Version: "2012-10-17" };
    const statements = doc.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    return JSON.stringify({
      ...doc,
      Statement: [
        ...statements,
        { Sid: "DeployVerifyService", Effect: "Allow", Action: ["ecs:DescribeServices"], Resource: arn },
        { Sid: "DeployVerifyTaskDefinitions", Effect: "Allow", Action: ["ecs:DescribeTaskDefinition"], Resource: "*" },
      ],
    });
  });
  return { ...gate, args: { ...gate.args, deployPolicy } };
}

/** In CI, the report the evals job just produced replaces the stack's for the release being deployed. */
function withCiEvalReport(releases: Record<string, ReleaseSpec> | undefined): Record<string, ReleaseSpec> | undefined {
  const id = process.env.AIRLOCK_EVAL_RELEASE;
  const report = process.env.AIRLOCK_EVAL_REPORT;
  if (releases === undefined || id === undefined || report === undefined) return releases;
  if (!(id in releases)) throw new Error(`AIRLOCK_EVAL_RELEASE: "${id}" is not a release in the stack config`);
  return { ...releases, [id]: { ...releases[id], evalReport: report } };
}
