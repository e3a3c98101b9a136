/**
 * EvalGate: GitHub enforces the eval gate and deploys without long-lived AWS keys.
 *
 * - A repository ruleset on the deployed branch: changes arrive by pull request with an approving
 *   review, and the eval job's check (reported by GitHub Actions) must pass; no force-push, no
 *   deletion, no bypass.
 * - A `production` environment whose deployments a named reviewer approves, deployable only from
 *   the deployed branch.
 * - An IAM OIDC provider for GitHub Actions (or an existing one) and a deploy role that only a
 *   workflow job running in that environment of that repository can assume: the trust policy pins
 *   `token.actions.githubusercontent.com:aud` to `sts.amazonaws.com` and `:sub` to
 *   `repo:<owner>/<repo>:environment:production` with `StringEquals`, no wildcards.
 * - The role ARN as an Actions variable (`AIRLOCK_DEPLOY_ROLE_ARN`) for
 *   `aws-actions/configure-aws-credentials`' `role-to-assume`.
 *
 * The GitHub resources use the default `github` provider (or the one passed in `opts.providers`),
 * which must be configured for the repository's owner.
 */
import * as aws from "@pulumi/aws";
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { GITHUB_ACTIONS_APP_ID, GITHUB_MAX_ENVIRONMENT_REVIEWERS, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, githubEnvironmentSubject, sha256 } from "@airlock/core";
import { COMPONENT_TOKENS, GITHUB_VARIABLES, MANAGED_BY, TAGS } from "@airlock/core/contracts";
import { policyJson } from "../policy.ts";
import { roleTag } from "../tags.ts";

/** Pulumi type token of {@link EvalGate}. */
export const EVAL_GATE_TOKEN = COMPONENT_TOKENS.evalGate;
// The OIDC issuer, audience, subject, Actions' app id and reviewer limit are facts with their sources in
// @airlock/core (core/src/aws/github-oidc.ts); re-exported here where they were first defined.
export { GITHUB_ACTIONS_APP_ID, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST };

/** Arguments of {@link EvalGate}. */
export interface EvalGateArgs {
  /** `owner/name` of the repository. The GitHub provider must be configured for `owner`. */
  readonly repository: string;
  /**
   * The branch that is protected and deploys.
   * @default "main"
   */
  readonly branch?: string;
  /**
   * The status check that must pass before a pull request merges: the eval job's name in the workflow.
   * @default "evals"
   */
  readonly evalCheck?: string;
  /**
   * The GitHub App that must report the check, so a check posted by anything else does not count.
   * @default 15368 - GitHub Actions
   */
  readonly evalCheckIntegrationId?: number;
  /**
   * Approving reviews a pull request needs.
   * @default 1
   */
  readonly requiredApprovals?: number;
  /**
   * The deployment environment the deploy job runs in.
   * @default "production"
   */
  readonly environment?: string;
  /** Who approves each deployment: GitHub user ids and team ids (at least one); self-review is refused. */
  readonly reviewers: { readonly users?: readonly number[]; readonly teams?: readonly number[] };
  /**
   * Which branches may deploy to the environment: only `branch`, or any protected branch.
   * @default "branch" - only `branch`
   */
  readonly deploymentBranches?: "branch" | "protected";
  /**
   * The ARN of an existing IAM OIDC provider for token.actions.githubusercontent.com (one per account).
   * @default - a new provider with the audience sts.amazonaws.com
   */
  readonly oidcProviderArn?: pulumi.Input<string>;
  /** The deploy role's permissions as an IAM policy JSON document (what `pulumi up` of the stack needs). */
  readonly deployPolicy?: pulumi.Input<string>;
  /**
   * Customer-managed policy ARNs for the deploy role. AWS-managed AdministratorAccess,
   * PowerUserAccess and `*FullAccess` policies are refused.
   * @default - none; `deployPolicy` or this must grant something
   */
  readonly deployPolicyArns?: readonly string[];
  /**
   * Name of the Actions variable holding the role ARN.
   * @default "AIRLOCK_DEPLOY_ROLE_ARN"
   */
  readonly roleArnVariable?: string;
  /**
   * Longest deploy session, in seconds.
   * @default 3600
   */
  readonly maxSessionDuration?: number;
  /**
   * Tags on the AWS resources, merged over Airlock's.
   * @default - Airlock's tags only
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The settings after defaults, as the component applies them. */
export interface EvalGateSettings {
  /** The repository's owner (from `repository`). */
  readonly owner: string;
  /** The repository's name (from `repository`). */
  readonly repo: string;
  /** See {@link EvalGateArgs.branch}. */
  readonly branch: string;
  /** See {@link EvalGateArgs.evalCheck}. */
  readonly evalCheck: string;
  /** See {@link EvalGateArgs.evalCheckIntegrationId}. */
  readonly evalCheckIntegrationId: number;
  /** See {@link EvalGateArgs.requiredApprovals}. */
  readonly requiredApprovals: number;
  /** See {@link EvalGateArgs.environment}. */
  readonly environment: string;
  /** GitHub user ids that approve deployments (`reviewers.users`). */
  readonly users: readonly number[];
  /** GitHub team ids that approve deployments (`reviewers.teams`). */
  readonly teams: readonly number[];
  /** See {@link EvalGateArgs.deploymentBranches}. */
  readonly deploymentBranches: "branch" | "protected";
  /** See {@link EvalGateArgs.deployPolicyArns}. */
  readonly deployPolicyArns: readonly string[];
  /** See {@link EvalGateArgs.roleArnVariable}. */
  readonly roleArnVariable: string;
  /** See {@link EvalGateArgs.maxSessionDuration}. */
  readonly maxSessionDuration: number;
  /** `repo:<owner>/<repo>:environment:<environment>`: the only OIDC subject the role trusts. */
  readonly subject: string;
}

const REPOSITORY = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;
const BRANCH = /^[A-Za-z0-9._/-]+$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/;
const BROAD_MANAGED = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?(AdministratorAccess|PowerUserAccess|[A-Za-z0-9]*FullAccess[A-Za-z0-9_]*)$/;
const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

/**
 * Checks the arguments and applies the defaults; throws an Error listing every problem, each
 * starting with the field in backticks. Runs before any resource exists.
 */
export function validateEvalGateArgs(args: EvalGateArgs): EvalGateSettings {
  const problems: string[] = [];
  const repo = REPOSITORY.exec(typeof args.repository === "string" ? args.repository : "");
  if (!repo) problems.push(`\`repository\`: "${String(args.repository)}" is not \`owner/name\` of one repository, e.g. "acme/support-agent"`);
  const branch = args.branch ?? "main";
  if (!BRANCH.test(branch) || branch.includes("..") || branch.startsWith("refs/")) {
    problems.push(`\`branch\`: "${branch}" is not a branch name; give the plain name of one branch, e.g. "main" (no patterns)`);
  }
  const evalCheck = args.evalCheck ?? "evals";
  if (evalCheck.trim() === "") problems.push("`evalCheck`: name the eval job's check, e.g. \"evals\" (the job's `name` in the workflow)");
  const integration = args.evalCheckIntegrationId ?? GITHUB_ACTIONS_APP_ID;
  if (!Number.isInteger(integration) || integration < 1) problems.push(`\`evalCheckIntegrationId\`: must be a GitHub App id, not ${String(integration)}`);
  const approvals = args.requiredApprovals ?? 1;
  if (!Number.isInteger(approvals) || approvals < 1 || approvals > 10) {
    problems.push(`\`requiredApprovals\`: must be a whole number from 1 to 10, not ${String(approvals)}; a change that deploys needs at least one review`);
  }
  const environment = args.environment ?? "production";
  if (!ENVIRONMENT.test(environment)) {
    problems.push(`\`environment\`: "${environment}" is not a usable environment name; use letters, digits, \`.\`, \`_\` and \`-\` (it is part of the OIDC subject)`);
  }
  const users = [...(args.reviewers?.users ?? [])];
  const teams = [...(args.reviewers?.teams ?? [])];
  if (users.length + teams.length === 0) {
    problems.push("`reviewers`: name at least one user or team id that approves deployments (`reviewers.users` or `reviewers.teams`); without one a deployment waits for nobody");
  }
  if (users.length + teams.length > GITHUB_MAX_ENVIRONMENT_REVIEWERS) {
    problems.push(`\`reviewers\`: GitHub allows at most ${GITHUB_MAX_ENVIRONMENT_REVIEWERS} users and teams together, got ${users.length + teams.length}`);
  }
  users.forEach((u, i) => {
    if (!Number.isInteger(u) || u < 1) problems.push(`\`reviewers.users[${i}]\`: must be a GitHub user id (a number; \`gh api users/<login> --jq .id\`), not ${JSON.stringify(u)}`);
  });
  teams.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 1) problems.push(`\`reviewers.teams[${i}]\`: must be a GitHub team id (a number; \`gh api orgs/<org>/teams/<slug> --jq .id\`), not ${JSON.stringify(t)}`);
  });
  const deploymentBranches = args.deploymentBranches ?? "branch";
  if (deploymentBranches !== "branch" && deploymentBranches !== "protected") {
    problems.push(`\`deploymentBranches\`: must be "branch" (only \`${branch}\`) or "protected", not ${JSON.stringify(deploymentBranches)}`);
  }
  if (typeof args.oidcProviderArn === "string" && !OIDC_PROVIDER_ARN.test(args.oidcProviderArn)) {
    problems.push(`\`oidcProviderArn\`: "${args.oidcProviderArn}" is not the ARN of a GitHub Actions OIDC provider (arn:aws:iam::<account>:oidc-provider/${GITHUB_OIDC_HOST})`);
  }
  const policyArns = [...(args.deployPolicyArns ?? [])];
  if (args.deployPolicy === undefined && policyArns.length === 0) {
    problems.push("`deployPolicy`: give the deploy role its permissions: an IAM policy JSON document (`deployPolicy`) or customer-managed policy ARNs (`deployPolicyArns`)");
  }
  policyArns.forEach((arn, i) => {
    if (!POLICY_ARN.test(arn)) problems.push(`\`deployPolicyArns[${i}]\`: "${arn}" is not an IAM policy ARN`);
    else if (BROAD_MANAGED.test(arn)) {
      problems.push(`\`deployPolicyArns[${i}]\`: the AWS managed policy ${arn.split("/").pop()} grants far more than a deploy needs; write a policy for the stack's resources instead`);
    }
  });
  if (new Set(policyArns).size !== policyArns.length) problems.push("`deployPolicyArns`: lists the same ARN twice; list each once");
  if (typeof args.deployPolicy === "string") {
    const problem = deployPolicyProblem(args.deployPolicy);
    if (problem) problems.push(`\`deployPolicy\`: ${problem}`);
  }
  const roleArnVariable = args.roleArnVariable ?? GITHUB_VARIABLES.deployRoleArn;
  if (!VARIABLE.test(roleArnVariable) || roleArnVariable.toUpperCase().startsWith("GITHUB_")) {
    problems.push(`\`roleArnVariable\`: "${roleArnVariable}" is not a usable Actions variable name; use letters, digits and \`_\`, not starting with GITHUB_`);
  }
  const maxSessionDuration = args.maxSessionDuration ?? 3600;
  if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200) {
    problems.push(`\`maxSessionDuration\`: must be whole seconds from 3600 to 43200, not ${String(maxSessionDuration)}`);
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  const owner = repo![1]!;
  const name = repo![2]!;
  return {
    owner,
    repo: name,
    branch,
    evalCheck,
    evalCheckIntegrationId: integration,
    requiredApprovals: approvals,
    environment,
    users,
    teams,
    deploymentBranches,
    deployPolicyArns: policyArns,
    roleArnVariable,
    maxSessionDuration,
    subject: githubEnvironmentSubject(owner, name, environment),
  };
}

/** What is wrong with a deploy policy document, or undefined. Refuses JSON errors and `Action: "*"` grants. */
function deployPolicyProblem(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return `is not JSON (${(e as Error).message.split("\n")[0]}); pass an IAM policy document`;
  }
  const statements = (doc as { Statement?: unknown })?.Statement;
  const list = Array.isArray(statements) ? statements : statements !== undefined ? [statements] : [];
  if (list.length === 0) return "has no `Statement`; pass an IAM policy document with at least one statement";
  for (const [i, s] of list.entries()) {
    const st = s as { Effect?: unknown; Action?: unknown };
    const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
    if (st.Effect === "Allow" && actions.some((a) => a === "*" || a === "*:*")) {
      return `Statement[${i}] allows every action (\`"Action": "*"\`); list the services and actions the stack's deploy needs`;
    }
  }
  return undefined;
}

/** The deploy role's trust policy: only GitHub Actions jobs of `subject`, for the STS audience. */
export function deployTrustPolicy(providerArn: pulumi.Input<string>, subject: string): pulumi.Output<string> {
  return policyJson([
    {
      Sid: "GitHubActionsDeployEnvironment",
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: ["sts:AssumeRoleWithWebIdentity"],
      Condition: {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: subject,
        },
      },
    },
  ]);
}

/**
 * EvalGate: GitHub enforces the eval gate and deploys without long-lived AWS keys. A repository
 * ruleset on the deployed branch (pull requests with an approving review, the eval job's check
 * reported by GitHub Actions, no force-push, deletion or bypass); a deployment environment whose
 * deployments a named reviewer approves; an IAM OIDC provider for GitHub Actions (or an existing one)
 * and a deploy role only a workflow job in that environment of that repository can assume; the
 * role ARN as an Actions variable.
 *
 * The GitHub resources use the default `github` provider (or the one in `opts.providers`), which
 * must be configured for the repository's owner.
 */
export class EvalGate extends pulumi.ComponentResource {
  /** The deploy role's ARN; resolves once its permissions are attached. */
  readonly roleArn: pulumi.Output<string>;
  /** The deploy role's name. */
  readonly roleName: pulumi.Output<string>;
  /** The OIDC provider the role trusts. */
  readonly oidcProviderArn: pulumi.Output<string>;
  /** Id of the repository ruleset on the deployed branch. */
  readonly rulesetId: pulumi.Output<number>;
  /** The deployment environment the deploy job runs in. */
  readonly environmentName: string;
  /** The only OIDC subject the role trusts. */
  readonly subject: string;

  constructor(name: string, args: EvalGateArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before anything registers, the component included.
    const s = validateEvalGateArgs(args);
    super(EVAL_GATE_TOKEN, name, {}, opts);
    const tags = { [TAGS.managedBy]: MANAGED_BY, [TAGS.repository]: `${s.owner}/${s.repo}`, ...args.tags };

    const ruleset = new github.RepositoryRuleset(
      `${name}-branch`,
      {
        repository: s.repo,
        name: `airlock-eval-gate-${s.branch}`,
        target: "branch",
        enforcement: "active",
        conditions: { refName: { includes: [`refs/heads/${s.branch}`], excludes: [] } },
        bypassActors: [],
        rules: {
          deletion: true,
          nonFastForward: true,
          pullRequest: {
            requiredApprovingReviewCount: s.requiredApprovals,
            dismissStaleReviewsOnPush: true,
            requireLastPushApproval: true,
          },
          requiredStatusChecks: {
            strictRequiredStatusChecksPolicy: true,
            requiredChecks: [{ context: s.evalCheck, integrationId: s.evalCheckIntegrationId }],
          },
        },
      },
      { parent: this },
    );

    const environment = new github.RepositoryEnvironment(
      `${name}-${s.environment}`,
      {
        repository: s.repo,
        environment: s.environment,
        preventSelfReview: true,
        canAdminsBypass: false,
        reviewers: [{ users: [...s.users], teams: [...s.teams] }],
        deploymentBranchPolicy: { protectedBranches: s.deploymentBranches === "protected", customBranchPolicies: s.deploymentBranches === "branch" },
      },
      { parent: this },
    );
    if (s.deploymentBranches === "branch") {
      new github.RepositoryEnvironmentDeploymentPolicy(
        `${name}-${s.environment}-${s.branch.replace(/[^A-Za-z0-9-]/g, "-")}`,
        { repository: s.repo, environment: environment.environment, branchPattern: s.branch },
        { parent: this },
      );
    }

    const providerArn: pulumi.Output<string> =
      args.oidcProviderArn !== undefined
        ? pulumi.output(args.oidcProviderArn)
        : new aws.iam.OpenIdConnectProvider(
            `${name}-github-oidc`,
            { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: [GITHUB_OIDC_AUDIENCE], tags },
            { parent: this },
          ).arn;

    const role = new aws.iam.Role(
      `${name}-deploy`,
      {
        description: `Deploys ${s.owner}/${s.repo} from GitHub Actions jobs in the ${s.environment} environment`,
        assumeRolePolicy: deployTrustPolicy(providerArn, s.subject),
        maxSessionDuration: s.maxSessionDuration,
        tags: { ...tags, ...roleTag("github-deploy") },
      },
      { parent: this },
    );
    const attached: pulumi.Output<string>[] = [];
    if (args.deployPolicy !== undefined) {
      attached.push(new aws.iam.RolePolicy(`${name}-deploy`, { role: role.name, name: "deploy", policy: args.deployPolicy }, { parent: this }).id);
    }
    for (const arn of s.deployPolicyArns) {
      attached.push(new aws.iam.RolePolicyAttachment(`${name}-deploy-${sha256(arn).slice(0, 8)}`, { role: role.name, policyArn: arn }, { parent: this }).id);
    }
    this.roleArn = pulumi.all([role.arn, ...attached]).apply(([arn]) => arn as string);

    new github.ActionsVariable(`${name}-role-arn`, { repository: s.repo, variableName: s.roleArnVariable, value: this.roleArn }, { parent: this });

    this.roleName = role.name;
    this.oidcProviderArn = providerArn;
    this.rulesetId = ruleset.rulesetId;
    this.environmentName = s.environment;
    this.subject = s.subject;
    this.registerOutputs({
      roleArn: this.roleArn,
      roleName: this.roleName,
      oidcProviderArn: this.oidcProviderArn,
      rulesetId: this.rulesetId,
      environmentName: this.environmentName,
      subject: this.subject,
    });
  }
}
