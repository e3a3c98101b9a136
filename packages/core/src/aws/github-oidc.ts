/**
 * GitHub Actions deploying to AWS without stored keys, and the GitHub side of the eval gate: the
 * OIDC issuer and audience an IAM OIDC provider for GitHub Actions takes, the subject a job that
 * runs in a deployment environment presents (`repo:<owner>/<repo>:environment:<name>`), the trust
 * policy conditions that pin a role to it, and the limits of an environment's required reviewers.
 * `EvalGate` (`@airlock/pulumi`, `github/eval-gate.ts`) builds its resources from these.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

const GITHUB_OIDC_AWS_PAGE = "https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws";

export const GITHUB_OIDC_FACTS = {
  /** The IAM OIDC provider's URL and audience (client id) for `aws-actions/configure-aws-credentials`. */
  provider: {
    url: GITHUB_OIDC_AWS_PAGE,
    quote: 'For the provider URL: Use https://token.actions.githubusercontent.com - For the "Audience": Use sts.amazonaws.com if you are using the official action.',
    checked: FACTS_CHECKED,
  },
  /** A trust policy without a `sub` condition lets any repository's workflow assume the role. */
  subjectCondition: {
    url: GITHUB_OIDC_AWS_PAGE,
    quote:
      "AWS Identity and Access Management (IAM) recommends that users evaluate the IAM condition key, token.actions.githubusercontent.com:sub, in the trust policy of any role that trusts GitHub's OIDC identity provider (IdP). Evaluating this condition key in the role trust policy limits which GitHub actions are able to assume the role.",
    checked: FACTS_CHECKED,
  },
  /** A job that references an environment presents the environment's subject, not the branch's. */
  environmentSubject: {
    // Read in the page's source (github/docs pull request 28058, "Example subject claims"), which
    // the OIDC reference page publishes.
    url: "https://docs.github.com/en/actions/reference/security/oidc",
    quote:
      "You can configure a subject that filters for a specific environment name. In this example, the workflow run must have originated from a job that has an environment named `Production`, in a repository named `octo-repo` that is owned by the `octo-org` organization: Syntax: `repo:<orgName/repoName>:environment:<environmentName>` Example: `repo:octo-org/octo-repo:environment:Production`",
    checked: FACTS_CHECKED,
  },
  /** `ForAllValues:` is true for a missing claim: the trust policy compares with `StringEquals`. */
  noForAllValues: {
    url: "https://github.com/aws-actions/configure-aws-credentials#claims-and-scoping-permissions",
    quote:
      "Avoid `ForAllValues:` in `Allow` statements. These operators return true when the claim is absent or misspelled, which can lead to uninended access. Instead, use `StringEquals` or `StringLike` operators to check for specific claim values.",
    checked: FACTS_CHECKED,
    // Read in a mirror of the action's README (commit c993d61, 2026-05-14), not on github.com itself.
    verified: false,
  },
  /** An environment's required reviewers: at most six users and teams, any one approves. */
  environmentReviewers: {
    url: "https://docs.github.com/en/rest/deployments/environments#create-or-update-an-environment",
    quote:
      "The people or teams that may review jobs that reference the environment. You can list up to six users or teams as reviewers. The reviewers must have at least read access to the repository. Only one of the required reviewers needs to approve the job for it to proceed.",
    checked: FACTS_CHECKED,
  },
  /** The GitHub App id of GitHub Actions, the `integration_id` a ruleset's required check takes. */
  actionsAppId: {
    url: "https://github.com/integrations/terraform-provider-github/pull/2474",
    quote: "do you think it'd be worth adding the value for GitHub Actions directly into the docs? I think it's a global value of `15368` for everyone. gh api -H \"Accept: application/vnd.github+json\" -H \"X-GitHub-Api-Version: 2022-11-28\" /apps/github-actions",
    checked: FACTS_CHECKED,
    // A provider maintainer's comment, confirmed by the app's own API (`gh api /apps/github-actions`);
    // no GitHub documentation page gives the number.
    verified: false,
  },
  /** A workflow job reports a check named by its `name:`: the context a ruleset requires. */
  jobNameIsCheck: {
    url: "https://github.com/github/docs/issues/41757",
    quote: "A workflow's job-level name key can be used to add a status check in a ruleset.",
    checked: FACTS_CHECKED,
    // A docs issue asking for this to be documented; not on a docs page yet.
    verified: false,
  },
} as const satisfies Record<string, FactSource>;

/** GitHub Actions' OIDC issuer host: the IAM provider's URL is `https://` + this, its condition keys `<host>:aud` and `<host>:sub`. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience `aws-actions/configure-aws-credentials` requests, the IAM provider's one client id. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";
/** The GitHub App id of GitHub Actions: a required check with it counts only when a workflow run reports it. */
export const GITHUB_ACTIONS_APP_ID = 15368;
/** Users and teams together that an environment may require as reviewers. */
export const GITHUB_MAX_ENVIRONMENT_REVIEWERS = 6;

/** The OIDC subject of a job of `owner/repo` that runs in deployment environment `environment`. */
export function githubEnvironmentSubject(owner: string, repo: string, environment: string): string {
  return `repo:${owner}/${repo}:environment:${environment}`;
}
