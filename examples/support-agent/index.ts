/**
 * The support agent on its own platform. `pulumi up` from the repository root runs this program
 * (Pulumi.yaml `main`); `npm run plan` plans it offline.
 *
 * Stack config (stacks/Pulumi.<stack>.yaml):
 *   airlock-support-agent:releases       map of release id → { image, environment?, description? }
 *   airlock-support-agent:activeRelease  the release the service runs
 */
import * as pulumi from "@pulumi/pulumi";
import { loadManifest } from "@airlock/core";
import * as aws from "@pulumi/aws";
import { AgentDeployment, AgentPlatform, validateDeploymentArgs, type ReleaseSpec } from "@airlock/pulumi";

export default async function program() {
  const config = new pulumi.Config();
  const model = await loadManifest(new URL("./agent.yaml", import.meta.url).pathname);
  const releases = config.getObject<Record<string, ReleaseSpec>>("releases");
  const activeRelease = config.get("activeRelease");
  const desiredCount = config.getNumber("desiredCount") ?? model.runtime.desiredCount;
  // Everything is validated before the first resource exists: bad config makes nothing.
  validateDeploymentArgs(model, { releases, activeRelease, desiredCount }, aws.config.requireRegion());

  const platform = new AgentPlatform("acme-agents", {
    agents: [model],
    natGateways: pulumi.getStack() === "prod" ? "per-zone" : "one",
  });

  const agent = new AgentDeployment(model.name, { platform, model, releases, activeRelease, desiredCount });

  return {
    cluster: platform.clusterName,
    service: agent.serviceName,
    activeRelease: agent.activeRelease,
    activeTaskDefinition: agent.activeTaskDefinitionArn,
    releases: agent.releaseTaskDefinitionArns,
    secrets: agent.secretArns,
    alarmTopic: agent.alarmTopicArn,
    permissionMap: model.permissions,
  };
}
