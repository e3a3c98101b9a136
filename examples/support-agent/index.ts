/**
 * The support agent on its own platform. `pulumi up` from the repository root runs this program
 * (Pulumi.yaml `main`); `npm run plan` plans it offline.
 *
 * Stack config (stacks/Pulumi.<stack>.yaml):
 *   airlock-support-agent:releases       map of release id → { image, environment?, description? }
 *   airlock-support-agent:activeRelease  the release the service runs
 *   airlock-support-agent:approvals      Slack channel and approvers for outward actions
 * Release eval reports are paths relative to the project root; in CI the workflow hands the
 * freshly downloaded report of the release it deploys in AIRLOCK_EVAL_RELEASE/AIRLOCK_EVAL_REPORT.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadManifest } from "@airlock/core";
import { fileURLToPath } from "node:url";
import * as aws from "@pulumi/aws";
import { AgentDeployment, AgentPlatform, privateRoutesVia, validateApprovalSettings, validateDeploymentArgs, type ApprovalSettings, type ReleaseSpec } from "@airlock/pulumi";

export default async function program() {
  const config = new pulumi.Config();
  const model = await loadManifest(new URL("./agent.yaml", import.meta.url).pathname);
  const releases = withCiEvalReport(config.getObject<Record<string, ReleaseSpec>>("releases"));
  const activeRelease = config.get("activeRelease");
  const desiredCount = config.getNumber("desiredCount") ?? model.runtime.desiredCount;
  const evalGate = { baseDir: fileURLToPath(new URL("../../", import.meta.url)) };
  const approvals = config.requireObject<ApprovalSettings>("approvals");
  // Everything is validated before the first resource exists: bad config makes nothing.
  validateApprovalSettings(approvals, "approvals");
  validateDeploymentArgs(model, { releases, activeRelease, desiredCount, evalGate }, aws.config.requireRegion());

  const platform = new AgentPlatform("acme-agents", {
    agents: [model],
    approvals: { agents: { [model.name]: approvals } },
    natGateways: pulumi.getStack() === "prod" ? "per-zone" : "one",
    // Internal APIs in private address space are reached over the company's transit gateway.
    privateRoutes: privateRoutesVia([model], { transitGatewayId: config.require("transitGatewayId") }),
  });

  const agent = new AgentDeployment(model.name, { platform, model, releases, activeRelease, desiredCount, evalGate });

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
  };
}

/** In CI, the report the evals job just produced replaces the stack's for the release being deployed. */
function withCiEvalReport(releases: Record<string, ReleaseSpec> | undefined): Record<string, ReleaseSpec> | undefined {
  const id = process.env.AIRLOCK_EVAL_RELEASE;
  const report = process.env.AIRLOCK_EVAL_REPORT;
  if (releases === undefined || id === undefined || report === undefined) return releases;
  if (!(id in releases)) throw new Error(`AIRLOCK_EVAL_RELEASE: "${id}" is not a release in the stack config`);
  return { ...releases, [id]: { ...releases[id], evalReport: report } };
}
