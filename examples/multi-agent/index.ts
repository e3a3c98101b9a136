/**
 * Three agents on one AgentPlatform: they share the VPC, the endpoints, the DNS firewall, the ECS
 * cluster and the KMS key, and each gets its own least-privilege task role, security group,
 * secrets, logs, alarms and releases.
 *
 *   research-agent    reads only; runs its analysis code in the sandbox task
 *   billing-agent     refunds money: `billing.refund` is always-approve, class money
 *   newsletter-agent  mails every subscriber of a segment: `newsletter.send` is always-approve,
 *                     class mass-communication
 *
 * `airlock plan examples/multi-agent` plans it offline; `pulumi up` from this directory deploys it.
 *
 * Stack config (stacks/Pulumi.<stack>.yaml):
 *   airlock-multi-agent:agents   map of agent name → { activeRelease, desiredCount?, releases, approvals? }
 *                                (releases: id → { image, description?, evalReport, environment?, bad? };
 *                                 approvals: { slack: { channelId, approverIds }, pendingAlarmMinutes? },
 *                                 required for agents with outward tools that need a person)
 *   airlock-multi-agent:anchorRetentionDays  optional: days each approvals audit anchor stays locked
 *                                (default 400); the dev stack sets 1, since a destroyed stack keeps its
 *                                anchor key and bucket
 *   airlock-multi-agent:github   optional: the GitHub side of the platform's eval gate (EvalGate: the
 *                                ruleset requiring the evals check and a review, the `production`
 *                                environment, the OIDC deploy role pinned to it), declared by the one
 *                                stack that deploys from the repository; `{ repository, reviewers,
 *                                deployPolicyArns | deployPolicy, … }`
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { fileURLToPath } from "node:url";
import { loadManifest, type AgentModel } from "@airlock/core";
import {
  AgentDeployment,
  AgentPlatform,
  evalGateFromConfig,
  privateRoutesVia,
  readEvalGateConfig,
  validateApprovalSettings,
  validateDeploymentArgs,
  type ApprovalSettings,
  type ReleaseSpec,
} from "@airlock/pulumi";

/** The agents of this platform, by the directory that holds each one's agent.yaml. */
const AGENT_DIRS = ["research", "billing", "newsletter"] as const;

interface AgentConfig {
  readonly activeRelease?: string;
  readonly desiredCount?: number;
  readonly releases?: Record<string, ReleaseSpec>;
  readonly approvals?: ApprovalSettings;
}

const AGENT_CONFIG_FIELDS = ["activeRelease", "desiredCount", "releases", "approvals"];

export default async function program() {
  const config = new pulumi.Config();
  const region = aws.config.requireRegion();
  const models: AgentModel[] = [];
  for (const dir of AGENT_DIRS) models.push(await loadManifest(fileURLToPath(new URL(`./${dir}/agent.yaml`, import.meta.url))));
  const agentsConfig = readAgentsConfig(config.requireObject<Record<string, unknown>>("agents"), models);
  const evalGate = { baseDir: fileURLToPath(new URL("./", import.meta.url)) };
  const github = readEvalGateConfig(config.getObject("github"), "github");

  // Every agent's config is validated before the first resource exists: one bad release of one
  // agent makes nothing at all, not a platform with two of three agents.
  for (const model of models) {
    const c = agentsConfig[model.name]!;
    validateDeploymentArgs(model, { releases: c.releases, activeRelease: c.activeRelease, desiredCount: c.desiredCount, evalGate }, region);
  }

  // One approval gateway (one Slack app, one audit database) serves every agent's route.
  const approvals: Record<string, ApprovalSettings> = {};
  for (const model of models) {
    const route = agentsConfig[model.name]!.approvals;
    if (route === undefined) continue;
    validateApprovalSettings(route, `agents.${model.name}.approvals`); // errors name the stack config's path
    approvals[model.name] = route;
  }
  const anchorRetentionDays = config.getNumber("anchorRetentionDays");
  const platform = new AgentPlatform("acme-agents", {
    agents: models,
    approvals: { agents: approvals, ...(anchorRetentionDays !== undefined ? { anchorRetentionDays } : {}) },
    natGateways: pulumi.getStack() === "prod" ? "per-zone" : "one",
    // Internal APIs in private address space are reached over the company's transit gateway.
    privateRoutes: privateRoutesVia(models, { transitGatewayId: config.require("transitGatewayId") }),
  });

  const agents = models.map((model) => {
    const c = agentsConfig[model.name]!;
    return new AgentDeployment(model.name, {
      platform,
      model,
      releases: c.releases,
      activeRelease: c.activeRelease,
      desiredCount: c.desiredCount ?? model.runtime.desiredCount,
      evalGate,
    });
  });

  // One gate for the platform's repository: every agent's release merges and deploys through it.
  const gate = github !== undefined ? evalGateFromConfig("eval-gate", github) : undefined;

  return {
    cluster: platform.clusterName,
    deployRoleArn: gate?.roleArn,
    slackInteractivityUrl: platform.approvalGateway?.functionUrl,
    allowedDomains: platform.allowedDomains,
    agents: Object.fromEntries(
      agents.map((a) => [
        a.model.name,
        {
          service: a.serviceName,
          activeRelease: a.activeRelease,
          activeTaskDefinition: a.activeTaskDefinitionArn,
          alarmTopic: a.alarmTopicArn,
          permissionMap: a.model.permissions,
        },
      ]),
    ),
  };
}

/** Checks `agents` names exactly the platform's agents, each with known fields. */
function readAgentsConfig(raw: Record<string, unknown>, models: readonly AgentModel[]): Record<string, AgentConfig> {
  const names = models.map((m) => m.name);
  for (const name of Object.keys(raw)) {
    if (!names.includes(name)) throw new Error(`\`agents.${name}\`: no agent of this platform is called \`${name}\`; the agents are ${names.join(", ")}`);
  }
  const out: Record<string, AgentConfig> = {};
  for (const name of names) {
    const c = raw[name];
    if (c === undefined || c === null || typeof c !== "object" || Array.isArray(c)) {
      throw new Error(`\`agents.${name}\`: give the agent's \`releases\` and \`activeRelease\` in the stack config`);
    }
    const unknown = Object.keys(c).filter((k) => !AGENT_CONFIG_FIELDS.includes(k));
    if (unknown.length > 0) throw new Error(`\`agents.${name}.${unknown[0]}\`: unknown field; an agent's config has ${AGENT_CONFIG_FIELDS.map((f) => `\`${f}\``).join(", ")}`);
    out[name] = c as AgentConfig;
  }
  return out;
}
