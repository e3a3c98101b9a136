/**
 * The `github` block of a stack's config: the GitHub side of the eval gate (`EvalGate`), which a
 * stack may leave out. Read and checked before any resource exists, with errors naming the config
 * key (`github.reviewers`, …) and the fix.
 *
 * ```yaml
 * config:
 *   my-project:github:
 *     repository: acme/support-agent
 *     reviewers: { users: [1234567], teams: [89] }
 *     deployPolicyArns: [arn:aws:iam::123456789012:policy/support-agent-deploy]
 * ```
 *
 * Only one stack of a repository declares it: the ruleset, the environment and the Actions
 * variable are the repository's. The IAM OIDC provider for token.actions.githubusercontent.com is
 * one per AWS account, not per repository or stack: in an account that already has one (made by
 * another stack, another repository's gate or any tool), give its ARN as `oidcProviderArn`, or the
 * create fails with EntityAlreadyExists ("Provider with url … already exists").
 */
import * as github from "@pulumi/github";
import type * as pulumi from "@pulumi/pulumi";
import { EvalGate, validateEvalGateArgs, type EvalGateArgs, type EvalGateSettings } from "./eval-gate.ts";

/** The fields the `github` block takes: those of {@link EvalGateArgs} that a stack file can hold. */
export const EVAL_GATE_CONFIG_FIELDS = [
  "repository",
  "branch",
  "evalCheck",
  "evalCheckIntegrationId",
  "requiredApprovals",
  "environment",
  "reviewers",
  "deploymentBranches",
  "oidcProviderArn",
  "deployPolicy",
  "deployPolicyArns",
  "roleArnVariable",
  "maxSessionDuration",
] as const;

/** The `github` block checked: the component's arguments and the settings they come to. */
export interface EvalGateConfig {
  /** What {@link EvalGate} takes; `deployPolicy` as JSON text even when the stack file gave an object. */
  readonly args: EvalGateArgs;
  /** The same after defaults (owner and name, branch, environment, the OIDC subject, …). */
  readonly settings: EvalGateSettings;
}

/**
 * Reads a stack's `github` block (`config.getObject("github")`). Undefined when the stack leaves it
 * out; otherwise the checked arguments, or an Error listing every problem, each starting with the
 * config key in backticks (`` `github.reviewers` ``). `deployPolicy` may be a YAML object (the
 * policy document) or its JSON text.
 */
export function readEvalGateConfig(raw: unknown, key = "github"): EvalGateConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`\`${key}\`: give an object with the repository, e.g. \`{ repository: acme/support-agent, reviewers: { users: [1234567] }, deployPolicyArns: [...] }\`, or leave the key out`);
  }
  const block = raw as Record<string, unknown>;
  const known: readonly string[] = EVAL_GATE_CONFIG_FIELDS;
  const unknown = Object.keys(block).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new Error(unknown.map((k) => `\`${key}.${k}\`: unknown field; the block takes ${EVAL_GATE_CONFIG_FIELDS.map((f) => `\`${f}\``).join(", ")}`).join("\n"));
  }
  const problems: string[] = [];
  const policy = block.deployPolicy;
  let deployPolicy: string | undefined;
  if (typeof policy === "string") deployPolicy = policy;
  else if (policy !== undefined && policy !== null && typeof policy === "object" && !Array.isArray(policy)) deployPolicy = JSON.stringify(policy);
  else if (policy !== undefined) problems.push(`\`${key}.deployPolicy\`: must be an IAM policy document (an object with \`Statement\`) or its JSON text, not ${JSON.stringify(policy)}`);
  const arns = block.deployPolicyArns;
  if (arns !== undefined && !(Array.isArray(arns) && arns.every((a) => typeof a === "string"))) {
    problems.push(`\`${key}.deployPolicyArns\`: must be a list of IAM policy ARNs, not ${JSON.stringify(arns)}`);
  }
  const reviewers = block.reviewers;
  if (reviewers !== undefined && (reviewers === null || typeof reviewers !== "object" || Array.isArray(reviewers))) {
    problems.push(`\`${key}.reviewers\`: must be \`{ users: [<user id>...], teams: [<team id>...] }\`, not ${JSON.stringify(reviewers)}`);
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  const args = { ...block, ...(deployPolicy !== undefined ? { deployPolicy } : {}) } as unknown as EvalGateArgs;
  try {
    return { args, settings: validateEvalGateArgs(args) };
  } catch (e) {
    // The component names its arguments (`reviewers`); a stack's reader wants the config key.
    throw new Error((e as Error).message.split("\n").map((line) => line.replace(/^`([^`]+)`/, `\`${key}.$1\``)).join("\n"));
  }
}

/** Options of {@link evalGateFromConfig}. */
export interface EvalGateFromConfigOptions {
  /** The AWS provider the gate's OIDC provider and deploy role are made with. @default - the default AWS provider */
  readonly aws?: pulumi.ProviderResource;
}

/**
 * The `EvalGate` a checked `github` block declares, with a GitHub provider for the repository's
 * owner (`${name}-github`; its token is the `GITHUB_TOKEN` environment variable or `github:token`,
 * with administration, environments and variables write access to the repository).
 */
export function evalGateFromConfig(name: string, config: EvalGateConfig, options: EvalGateFromConfigOptions = {}): EvalGate {
  const provider = new github.Provider(`${name}-github`, { owner: config.settings.owner });
  return new EvalGate(name, config.args, { providers: { github: provider, ...(options.aws !== undefined ? { aws: options.aws } : {}) } });
}
