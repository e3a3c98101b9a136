/**
 * Every pure check of an AgentDeployment's arguments, run before any resource exists (a program
 * can run them before creating the platform, so bad config makes nothing).
 */
import { checkModelPlacement, resolveBedrockModel, type AgentModel, type EvalGateResult, type ResolvedBedrockModel } from "@airlock/core";
import { validateTags } from "../tags.ts";
import { checkRoleArn } from "../iam/index.ts";
import { resolveAlertTargets, type ResolvedAlertTargets } from "../observability/alert-channel.ts";
import { checkAlarmRollbackOptOut, resolveAlarmSettings, type ResolvedAlarmSettings } from "../observability/alarms.ts";
import { resolveLogRetention, type ResolvedLogRetention } from "../observability/secure-log-group.ts";
import type { AgentDeploymentArgs } from "./agent-deployment.ts";
import { DEFAULT_SCRATCH_PATHS, validateScratchPaths } from "./container.ts";
import { checkExistingResources } from "./existing.ts";
import { checkBuiltImage } from "./image.ts";
import { checkActiveReleaseEvals, validateReleases, type ReleaseArgs, type ReleaseSpec } from "./releases.ts";
import { checkTaskPolicySize } from "./task-role.ts";

/** Everything `validateDeploymentArgs` checks. */
export type DeploymentChecks = ReleaseArgs &
  Pick<AgentDeploymentArgs, "alarms" | "disableAlarmRollback" | "alerts" | "logRetentionDays" | "evalGate" | "scratchPaths" | "secretConsumers" | "tags" | "logGroup" | "existingSecrets">;

/** What `validateDeploymentArgs` resolved: the settings AgentDeployment builds from (and hands its inner components as they are). */
export interface CheckedDeployment {
  readonly releases: Record<string, ReleaseSpec>;
  readonly active: string;
  readonly gate: EvalGateResult | undefined;
  readonly bedrock: ResolvedBedrockModel | undefined;
  readonly scratchPaths: string[];
  /** The alarm thresholds, defaults filled (for AgentObservability). */
  readonly alarms: ResolvedAlarmSettings;
  /** The agent's own alert targets (for its AlertChannel); undefined: it uses the platform's channel. */
  readonly alerts: ResolvedAlertTargets | undefined;
  /** The retention of the agent's log group, default filled (for AgentObservability). */
  readonly logRetention: ResolvedLogRetention;
}

/**
 * All pure checks of an AgentDeployment's arguments. The component runs them before creating
 * anything; a program can run them before creating the platform, so bad config makes nothing.
 * Each setting an inner component takes (alarms, alerts, log retention) is resolved here, once.
 */
export function validateDeploymentArgs(model: AgentModel, args: DeploymentChecks, region: string): CheckedDeployment {
  const result = validateReleases(model, args, region);
  validateTags(args.tags);
  const scratchPaths = validateScratchPaths(args.scratchPaths ?? DEFAULT_SCRATCH_PATHS);
  if (model.image.kind === "build") checkBuiltImage(model, scratchPaths);
  checkSecretConsumers(model, args.secretConsumers);
  checkExistingResources(model, args, region);
  // A Bedrock model is called through an inference profile Airlock knows the routing of.
  const bedrock = model.model.provider === "bedrock" ? resolveBedrockModel(model.model.id, region) : undefined;
  // Every grant in the platform's Region and partition: the agent reaches AWS only through its VPC endpoints.
  checkModelPlacement(model, region);
  checkTaskPolicySize(model, region);
  const alarms = resolveAlarmSettings(args.alarms);
  checkAlarmRollbackOptOut(args.alarms, args.disableAlarmRollback);
  const alerts = args.alerts ? resolveAlertTargets(args.alerts) : undefined;
  const logRetention = resolveLogRetention(args.logRetentionDays, "logRetentionDays");
  rejectMovedApprovals(args);
  const gate = checkActiveReleaseEvals(model, result.releases, result.active, args.evalGate);
  return { ...result, gate, bedrock, scratchPaths, alarms, alerts, logRetention };
}

/** `secretConsumers` names generated secrets of the agent, each with role ARNs (checked here when they are plain strings). */
function checkSecretConsumers(model: AgentModel, consumers: AgentDeploymentArgs["secretConsumers"]): void {
  if (consumers === undefined) return;
  if (consumers === null || typeof consumers !== "object" || Array.isArray(consumers)) {
    throw new Error("`secretConsumers`: give a map of generated secret name → list of IAM role ARNs that may read its value");
  }
  const generated = model.secrets.filter((s) => s.source === "generated").map((s) => s.name);
  const listed = generated.length > 0 ? `its generated secrets are ${generated.join(", ")}` : "it has no generated secrets";
  for (const [name, roles] of Object.entries(consumers)) {
    const secret = model.secrets.find((s) => s.name === name);
    if (secret === undefined) throw new Error(`\`secretConsumers.${name}\`: agent \`${model.name}\` has no secret named \`${name}\`; ${listed}`);
    if (secret.source !== "generated") {
      throw new Error(
        `\`secretConsumers.${name}\`: \`${name}\` is not a value Airlock generates (source ${secret.source}): its issuer already knows it; only a generated secret has a consumer that must read it from Secrets Manager (${generated.length > 0 ? `its generated secrets: ${generated.join(", ")}` : "it has no generated secrets"})`,
      );
    }
    if (!Array.isArray(roles) || roles.length === 0) throw new Error(`\`secretConsumers.${name}\`: give a non-empty list of IAM role ARNs that may read the value`);
    roles.forEach((role, i) => {
      if (typeof role === "string") checkRoleArn(role, `secretConsumers.${name}[${i}]`);
    });
  }
}

/** Approvals moved to the platform (one gateway for all agents); say so to a caller still passing them here. */
function rejectMovedApprovals(args: object): void {
  if ("approvals" in args && (args as { approvals?: unknown }).approvals !== undefined) {
    throw new Error("`approvals`: approvals are set on the platform now (one gateway for all its agents); move this to the AgentPlatform's `approvals.agents.<agent name>`");
  }
}
