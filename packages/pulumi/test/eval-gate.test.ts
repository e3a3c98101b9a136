import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { recordProgram, type Recording } from "../src/plan/record.ts";
import { EvalGate, validateEvalGateArgs, type EvalGateArgs } from "../src/github/index.ts";
import { all, find, json } from "./harness.ts";

const DEPLOY_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: "Ecs", Effect: "Allow", Action: ["ecs:RegisterTaskDefinition", "ecs:UpdateService"], Resource: "*" }],
});
const BASE: EvalGateArgs = { repository: "acme/support-agent", reviewers: { users: [1234567], teams: [89] }, deployPolicy: DEPLOY_POLICY };

async function record(args: Partial<EvalGateArgs> = {}): Promise<{ rec: Recording; outputs: Record<string, unknown> }> {
  const rec = await recordProgram({
    project: "airlock-test",
    stack: "test",
    program: () => {
      const gate = new EvalGate("gate", { ...BASE, ...args });
      return { roleArn: gate.roleArn, subject: gate.subject, environment: gate.environmentName };
    },
  });
  return { rec, outputs: rec.outputs };
}

describe("EvalGate: the deploy role trusts only the repository's production environment", () => {
  it("given the defaults, when recorded, then the trust policy pins aud and sub with StringEquals and no wildcard", async () => {
    const { rec } = await record();
    const role = find(rec, "aws:iam/role:Role", "gate-deploy");
    const provider = find(rec, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "gate-github-oidc");
    assert.equal(provider.inputs.url, "https://token.actions.githubusercontent.com");
    assert.deepEqual(provider.inputs.clientIdLists, ["sts.amazonaws.com"]);
    const trust = json(role, "assumeRolePolicy");
    assert.equal(trust.Statement.length, 1);
    const [statement] = trust.Statement;
    assert.equal(statement.Principal.Federated, "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com");
    assert.deepEqual(
      { ...statement, Principal: undefined },
      {
        Sid: "GitHubActionsDeployEnvironment",
        Effect: "Allow",
        Principal: undefined,
        Action: ["sts:AssumeRoleWithWebIdentity"],
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:acme/support-agent:environment:production",
          },
        },
      },
    );
    assert.ok(!JSON.stringify(trust).includes("*"), "no wildcard anywhere in the trust policy");
    assert.ok(!("StringLike" in statement.Condition));
    assert.equal(role.inputs.maxSessionDuration, 3600);
    assert.equal((role.inputs.tags as Record<string, string>)["airlock:role"], "github-deploy");
  });

  it("given an existing provider ARN and another environment, when recorded, then no provider is created and the trust names both exactly", async () => {
    const existing = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
    const { rec, outputs } = await record({ oidcProviderArn: existing, environment: "prod-eu" });
    assert.deepEqual(all(rec, "aws:iam/openIdConnectProvider:OpenIdConnectProvider"), []);
    const trust = json(find(rec, "aws:iam/role:Role", "gate-deploy"), "assumeRolePolicy");
    assert.deepEqual(trust.Statement[0].Principal, { Federated: existing });
    assert.equal(trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"], "repo:acme/support-agent:environment:prod-eu");
    assert.equal(outputs.subject, "repo:acme/support-agent:environment:prod-eu");
  });

  it("given a deploy policy and customer-managed ARNs, when recorded, then each is attached and the role ARN variable waits for them", async () => {
    const arn = "arn:aws:iam::123456789012:policy/pulumi-state-access";
    const { rec, outputs } = await record({ deployPolicyArns: [arn] });
    const inline = find(rec, "aws:iam/rolePolicy:RolePolicy", "gate-deploy");
    assert.equal(inline.inputs.policy, DEPLOY_POLICY);
    const attachments = all(rec, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    assert.deepEqual(attachments.map((a) => a.inputs.policyArn), [arn]);
    assert.match(attachments[0]!.name, /^gate-deploy-[0-9a-f]{8}$/);
    const variable = find(rec, "github:index/actionsVariable:ActionsVariable", "gate-role-arn");
    assert.deepEqual(
      { repository: variable.inputs.repository, variableName: variable.inputs.variableName, value: variable.inputs.value },
      { repository: "support-agent", variableName: "AIRLOCK_DEPLOY_ROLE_ARN", value: outputs.roleArn },
    );
    assert.match(String(outputs.roleArn), /^arn:aws:iam::123456789012:role\//);
  });
});

describe("EvalGate: GitHub enforces the eval check and reviews", () => {
  it("given the defaults, when recorded, then the ruleset on main requires the evals check from GitHub Actions and one review", async () => {
    const { rec } = await record();
    const ruleset = find(rec, "github:index/repositoryRuleset:RepositoryRuleset", "gate-branch");
    assert.equal(ruleset.inputs.repository, "support-agent");
    assert.equal(ruleset.inputs.target, "branch");
    assert.equal(ruleset.inputs.enforcement, "active");
    assert.deepEqual(ruleset.inputs.bypassActors, []);
    assert.deepEqual(ruleset.inputs.conditions, { refName: { excludes: [], includes: ["refs/heads/main"] } });
    assert.deepEqual(ruleset.inputs.rules, {
      deletion: true,
      nonFastForward: true,
      pullRequest: { dismissStaleReviewsOnPush: true, requireLastPushApproval: true, requiredApprovingReviewCount: 1 },
      requiredStatusChecks: { requiredChecks: [{ context: "evals", integrationId: 15368 }], strictRequiredStatusChecksPolicy: true },
    });
  });

  it("given the defaults, when recorded, then production needs the named reviewers and deploys only from main", async () => {
    const { rec } = await record();
    const env = find(rec, "github:index/repositoryEnvironment:RepositoryEnvironment", "gate-production");
    assert.deepEqual(
      {
        repository: env.inputs.repository,
        environment: env.inputs.environment,
        reviewers: env.inputs.reviewers,
        preventSelfReview: env.inputs.preventSelfReview,
        canAdminsBypass: env.inputs.canAdminsBypass,
        deploymentBranchPolicy: env.inputs.deploymentBranchPolicy,
      },
      {
        repository: "support-agent",
        environment: "production",
        reviewers: [{ teams: [89], users: [1234567] }],
        preventSelfReview: true,
        canAdminsBypass: false,
        deploymentBranchPolicy: { customBranchPolicies: true, protectedBranches: false },
      },
    );
    const policy = find(rec, "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy", "gate-production-main");
    assert.deepEqual({ repository: policy.inputs.repository, environment: policy.inputs.environment, branchPattern: policy.inputs.branchPattern }, {
      repository: "support-agent",
      environment: "production",
      branchPattern: "main",
    });
  });

  it("given deploymentBranches protected, another check name and two approvals, when recorded, then they are what GitHub gets", async () => {
    const { rec } = await record({ deploymentBranches: "protected", evalCheck: "support-agent evals", requiredApprovals: 2, branch: "release" });
    const env = find(rec, "github:index/repositoryEnvironment:RepositoryEnvironment", "gate-production");
    assert.deepEqual(env.inputs.deploymentBranchPolicy, { customBranchPolicies: false, protectedBranches: true });
    assert.deepEqual(all(rec, "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"), []);
    const rules = find(rec, "github:index/repositoryRuleset:RepositoryRuleset", "gate-branch").inputs.rules as any;
    assert.deepEqual(rules.requiredStatusChecks.requiredChecks, [{ context: "support-agent evals", integrationId: 15368 }]);
    assert.equal(rules.pullRequest.requiredApprovingReviewCount, 2);
  });

  it("given the component, when recorded, then every child is parented to it", async () => {
    const { rec } = await record();
    const component = find(rec, "airlock:github:EvalGate", "gate");
    const children = rec.resources.filter((r) => r.urn !== component.urn);
    assert.deepEqual(children.map((r) => r.type).sort(), [
      "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
      "aws:iam/role:Role",
      "aws:iam/rolePolicy:RolePolicy",
      "github:index/actionsVariable:ActionsVariable",
      "github:index/repositoryEnvironment:RepositoryEnvironment",
      "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
      "github:index/repositoryRuleset:RepositoryRuleset",
    ]);
    for (const child of children) assert.equal(child.parent, component.urn, `${child.type} ${child.name}`);
  });
});

describe("EvalGate: arguments are checked before anything is created", () => {
  const bad: [string, Partial<EvalGateArgs>, string][] = [
    ["a repository without owner", { repository: "support-agent" }, '`repository`: "support-agent" is not `owner/name` of one repository, e.g. "acme/support-agent"'],
    ["no reviewers", { reviewers: {} }, "`reviewers`: name at least one user or team id that approves deployments (`reviewers.users` or `reviewers.teams`); without one a deployment waits for nobody"],
    ["a login instead of a user id", { reviewers: { users: ["octocat" as unknown as number] } }, '`reviewers.users[0]`: must be a GitHub user id (a number; `gh api users/<login> --jq .id`), not "octocat"'],
    ["no permissions", { deployPolicy: undefined }, "`deployPolicy`: give the deploy role its permissions: an IAM policy JSON document (`deployPolicy`) or customer-managed policy ARNs (`deployPolicyArns`)"],
    ["AdministratorAccess", { deployPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] }, "`deployPolicyArns[0]`: the AWS managed policy AdministratorAccess grants far more than a deploy needs; write a policy for the stack's resources instead"],
    ["a policy allowing every action", { deployPolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) }, '`deployPolicy`: Statement[0] allows every action (`"Action": "*"`); list the services and actions the stack\'s deploy needs'],
    ["zero approvals", { requiredApprovals: 0 }, "`requiredApprovals`: must be a whole number from 1 to 10, not 0; a change that deploys needs at least one review"],
    ["a branch pattern", { branch: "release/*" }, '`branch`: "release/*" is not a branch name; give the plain name of one branch, e.g. "main" (no patterns)'],
    ["an environment with a colon", { environment: "prod:eu" }, '`environment`: "prod:eu" is not a usable environment name; use letters, digits, `.`, `_` and `-` (it is part of the OIDC subject)'],
    ["a provider ARN for another issuer", { oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" }, '`oidcProviderArn`: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" is not the ARN of a GitHub Actions OIDC provider (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com)'],
    ["a GITHUB_ variable", { roleArnVariable: "GITHUB_ROLE" }, '`roleArnVariable`: "GITHUB_ROLE" is not a usable Actions variable name; use letters, digits and `_`, not starting with GITHUB_'],
  ];
  for (const [what, args, message] of bad) {
    it(`given ${what}, when validated, then the error names the field and the fix`, () => {
      assert.throws(() => validateEvalGateArgs({ ...BASE, ...args }), { message });
    });
  }

  it("given two problems, when validated, then both are listed", () => {
    assert.throws(() => validateEvalGateArgs({ ...BASE, repository: "x", requiredApprovals: 11 }), {
      message: '`repository`: "x" is not `owner/name` of one repository, e.g. "acme/support-agent"\n`requiredApprovals`: must be a whole number from 1 to 10, not 11; a change that deploys needs at least one review',
    });
  });

  it("given bad arguments, when the component is constructed, then it throws before registering anything, itself included", async () => {
    const registered: string[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (r: pulumi.runtime.MockResourceArgs) => {
          registered.push(`${r.type} ${r.name}`);
          return { id: `${r.name}-id`, state: r.inputs };
        },
        call: () => ({}),
      },
      "airlock-test",
      "test",
      false,
    );
    assert.throws(() => new EvalGate("gate", { ...BASE, reviewers: {} }), /^Error: `reviewers`: name at least one user or team id/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(registered.length, 0, `registered: ${registered.join(", ")}`);
    new EvalGate("gate", BASE);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(registered.includes("airlock:github:EvalGate gate"), "the same mocks do see a valid component");
  });
});

describe("the example workflow matches what EvalGate enforces", () => {
  const workflow = parseYaml(readFileSync(new URL("../../../examples/.github/workflows/support-agent-deploy.yml", import.meta.url), "utf8"));
  const settings = validateEvalGateArgs(BASE);
  const steps = (job: string): { uses?: string; run?: string; with?: Record<string, string> }[] => workflow.jobs[job].steps;

  it("given the workflow, when read, then its eval job reports the check the ruleset requires, on every pull request to the branch", () => {
    assert.equal(workflow.jobs.evals.name, settings.evalCheck);
    assert.deepEqual(workflow.on.pull_request, { branches: [settings.branch] }, "no path filter: a required check must report on every pull request");
    assert.deepEqual(workflow.permissions, { contents: "read" });
  });

  it("given the workflow, when read, then the evals run, the report is uploaded and the gate is checked", () => {
    const runs = steps("evals").map((s) => s.run ?? s.uses ?? "");
    assert.ok(runs.some((r) => /airlock evals fingerprint .*--format env >> "\$GITHUB_ENV"/.test(r)));
    assert.ok(runs.some((r) => /promptfoo@\$\{PROMPTFOO_VERSION\}" eval[\s\\]+-c examples\/support-agent\/evals\/promptfooconfig.yaml[\s\\]+--repeat "\$EVAL_REPEAT"[\s\\]+-o eval-report.json/.test(r)));
    const upload = steps("evals").find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
    assert.equal(upload.with!.path, "eval-report.json");
    assert.ok(runs.some((r) => /npx airlock evals check eval-report.json/.test(r)));
  });

  it("given the workflow, when read, then only the deploy job gets an OIDC token, in the production environment, for the role in the Actions variable", () => {
    const deploy = workflow.jobs.deploy;
    assert.equal(deploy.environment, settings.environment);
    assert.deepEqual(deploy.permissions, { contents: "read", "id-token": "write" });
    assert.equal(workflow.jobs.evals.permissions, undefined);
    assert.deepEqual(deploy.needs, "evals");
    const creds = steps("deploy").find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))!;
    assert.equal(creds.with!["role-to-assume"], `\${{ vars.${settings.roleArnVariable} }}`);
    assert.ok(!JSON.stringify(workflow).includes("aws-access-key-id"), "no stored AWS keys");
    const runs = steps("deploy").map((s) => s.run ?? "");
    const preview = runs.findIndex((r) => r.startsWith("pulumi preview"));
    const up = runs.findIndex((r) => r.startsWith("pulumi up"));
    const gate = runs.findIndex((r) => r.includes("npx airlock evals check"));
    assert.ok(gate >= 0 && gate < preview && preview < up, "gate, then preview, then up");
  });
});
