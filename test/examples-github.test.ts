/**
 * The examples' eval gate on GitHub's side (issue #16): the programs declare `EvalGate` from a
 * `github` stack config block that a stack may leave out, the prod stack declares it, and the
 * example workflow runs promptfoo with repeats, posts the gate's Markdown table on the pull request
 * and deploys in the environment the deploy role is pinned to. The workflow is checked statically
 * (its YAML parsed), against the stack config, the promptfoo config and the CLI's options.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { planTarget } from "@airlock/cli";
import { DEPLOY_VERIFY, EVALS_CHECK } from "../packages/cli/src/commands/specs.ts";
import { MAX_WAIT_SECONDS } from "../packages/cli/src/deploy/wait.ts";
import { GITHUB_VARIABLES } from "@airlock/core/contracts";
import { readEvalGateConfig, recordProgram } from "@airlock/pulumi";
import type { PlanDocument, PlannedResource } from "@airlock/core";
import { actionFacts, actionTakesResource } from "../packages/core/src/iam/dataset.ts";
import { REPOSITORY_ROOT } from "../scripts/plan-all.ts";

const read = (path: string): any => parse(readFileSync(join(REPOSITORY_ROOT, path), "utf8"));
const prodConfig = read("stacks/Pulumi.prod.yaml").config;
const gateConfig = prodConfig["airlock-support-agent:github"];
const workflow = read("examples/.github/workflows/support-agent-deploy.yml");
const promptfoo = read("examples/support-agent/evals/promptfooconfig.yaml");

const one = (p: PlanDocument, type: string, name: string): PlannedResource => {
  const found = p.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `${type} ${name}: ${found.length} in the plan`);
  return found[0]!;
};
const GATE_TYPES = [
  "airlock:github:EvalGate",
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "github:index/actionsVariable:ActionsVariable",
  "github:index/repositoryEnvironment:RepositoryEnvironment",
  "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
  "github:index/repositoryRuleset:RepositoryRuleset",
];
const gateResources = (p: PlanDocument) => p.resources.filter((r) => r.name.startsWith("eval-gate")).map((r) => r.type).sort();

describe("the root project's prod stack declares the eval gate's GitHub side", () => {
  it("given stack prod, when planned with the guardrails, then the gate is in the plan: ruleset, production environment, deploy role pinned to it, no warning", async () => {
    const plan = await planTarget(REPOSITORY_ROOT, { stack: "prod", guardrails: true });
    assert.deepEqual(plan.findings.filter((f) => f.severity === "error" || f.severity === "warning"), []);
    assert.deepEqual(gateResources(plan), [...GATE_TYPES, "pulumi:providers:github"].sort());
    assert.deepEqual(one(plan, "pulumi:providers:github", "eval-gate-github").inputs.owner, "acme");

    const trust = JSON.parse(String(one(plan, "aws:iam/role:Role", "eval-gate-deploy").inputs.assumeRolePolicy));
    assert.deepEqual(trust.Statement, [
      {
        Sid: "GitHubActionsDeployEnvironment",
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
        Action: ["sts:AssumeRoleWithWebIdentity"],
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:acme/support-agent:environment:production",
          },
        },
      },
    ]);
    assert.equal(one(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "eval-gate-deploy-e7bb624e").inputs.policyArn, gateConfig.deployPolicyArns[0]);
    // The workflow's `airlock deploy verify` (review 2 S-C): the program adds to the stack's deploy
    // policy reads of the agent's own service (its ARN, no wildcard) and its revisions' tags on "*".
    const verify = one(plan, "aws:iam/rolePolicy:RolePolicy", "eval-gate-deploy").inputs;
    assert.equal(verify.role, "eval-gate-deploy");
    const service = one(plan, "aws:ecs/service:Service", "support-agent-service");
    const serviceArn = `arn:aws:ecs:us-east-1:123456789012:service/${String(service.inputs.cluster).split("/").pop()}/${service.inputs.name}`;
    assert.equal(serviceArn, "arn:aws:ecs:us-east-1:123456789012:service/acme-agents-cluster/support-agent-prod");
    assert.deepEqual(JSON.parse(String(verify.policy)), {
      Version: "2012-10-17",
      Statement: [
        { Sid: "DeployVerifyService", Effect: "Allow", Action: ["ecs:DescribeServices"], Resource: serviceArn },
        { Sid: "DeployVerifyTaskDefinitions", Effect: "Allow", Action: ["ecs:DescribeTaskDefinition"], Resource: "*" },
      ],
    });
    // Against the IAM dataset: DescribeServices takes that service ARN; DescribeTaskDefinition takes no resource type, so "*".
    const describeServices = (await actionFacts("ecs:DescribeServices"))!;
    assert.ok(await actionTakesResource(describeServices, serviceArn));
    assert.deepEqual({ ...(await actionFacts("ecs:DescribeTaskDefinition"))!, resourceTypes: undefined }, { action: "ecs:DescribeTaskDefinition", accessLevel: "Read", resourceTypes: undefined, wildcardOnly: true });
    const rules = one(plan, "github:index/repositoryRuleset:RepositoryRuleset", "eval-gate-branch").inputs.rules as any;
    assert.deepEqual(rules.requiredStatusChecks.requiredChecks, [{ context: "evals", integrationId: 15368 }]);
    const env = one(plan, "github:index/repositoryEnvironment:RepositoryEnvironment", "eval-gate-production").inputs;
    assert.deepEqual({ repository: env.repository, environment: env.environment, reviewers: env.reviewers }, {
      repository: "support-agent",
      environment: "production",
      reviewers: [{ teams: gateConfig.reviewers.teams, users: gateConfig.reviewers.users }],
    });
  });

  it("given stack dev, which leaves the block out, when planned, then no gate resource is planned", async () => {
    const plan = await planTarget(REPOSITORY_ROOT, { stack: "dev", guardrails: false });
    assert.deepEqual(gateResources(plan), []);
    assert.equal(read("stacks/Pulumi.dev.yaml").config["airlock-support-agent:github"], undefined);
  });
});

describe("the other examples declare the gate from the same block", () => {
  const block = { repository: "acme/helpdesk-agent", reviewers: { teams: [4242] }, oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com", deployPolicyArns: ["arn:aws:iam::123456789012:policy/helpdesk-deploy"] };

  /** Runs an example's program under mocks with its dev stack config and `github` set to `github`. */
  async function run(example: "bring-your-own" | "multi-agent", github: unknown) {
    const project = `airlock-${example}`;
    const stack = read(`examples/${example}/stacks/Pulumi.dev.yaml`).config as Record<string, unknown>;
    const config = Object.fromEntries(Object.entries(stack).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    config[`${project}:github`] = JSON.stringify(github);
    const program = ((await import(`../examples/${example}/index.ts`)) as { default: () => Promise<unknown> }).default;
    let error: unknown;
    const rec = await recordProgram({
      project,
      stack: "dev",
      config,
      program: async () => {
        try {
          return await program();
        } catch (e) {
          error = e;
          return undefined;
        }
      },
    });
    return { rec, error };
  }

  it("given bring-your-own with an existing OIDC provider, when run, then the deploy role trusts it and goes through the team's eu-west-1 provider, the GitHub resources through the gate's", async () => {
    const { rec, error } = await run("bring-your-own", block);
    assert.equal(error, undefined);
    const byName = (type: string, name: string) => rec.resources.find((r) => r.type === type && r.name === name)!;
    assert.deepEqual(rec.resources.filter((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider"), [], "the account's provider is used, none is made");
    const role = byName("aws:iam/role:Role", "eval-gate-deploy");
    assert.equal(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Principal.Federated, block.oidcProviderArn);
    assert.match(rec.providers[role.urn] ?? "", /::pulumi:providers:aws::eu-west-1::/);
    const ruleset = byName("github:index/repositoryRuleset:RepositoryRuleset", "eval-gate-branch");
    assert.match(rec.providers[ruleset.urn] ?? "", /::pulumi:providers:github::eval-gate-github::/);
    assert.equal(byName("pulumi:providers:github", "eval-gate-github").inputs.owner, "acme");
  });

  it("given multi-agent with the block, when run, then one gate serves the platform, on the default AWS provider", async () => {
    const { rec, error } = await run("multi-agent", { ...block, repository: "acme/agents", oidcProviderArn: undefined });
    assert.equal(error, undefined);
    const gates = rec.resources.filter((r) => r.type === "airlock:github:EvalGate");
    assert.deepEqual(gates.map((g) => g.name), ["eval-gate"]);
    const role = rec.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === "eval-gate-deploy")!;
    assert.equal(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"], "repo:acme/agents:environment:production");
    assert.equal(rec.providers[role.urn], undefined, "the default AWS provider");
  });

  it("given a bad block, when run, then nothing at all is made and the error names the config key and the fix", async () => {
    const cases: [unknown, string][] = [
      [{ ...block, reviewers: { users: ["octocat"] } }, '`github.reviewers.users[0]`: must be a GitHub user id (a number; `gh api users/<login> --jq .id`), not "octocat"'],
      [{ ...block, reviewer: block.reviewers }, "`github.reviewer`: unknown field; the block takes `repository`, `branch`, `evalCheck`, `evalCheckIntegrationId`, `requiredApprovals`, `environment`, `reviewers`, `deploymentBranches`, `oidcProviderArn`, `deployPolicy`, `deployPolicyArns`, `roleArnVariable`, `maxSessionDuration`"],
      [{ ...block, repository: "helpdesk-agent", deployPolicyArns: undefined }, '`github.repository`: "helpdesk-agent" is not `owner/name` of one repository, e.g. "acme/support-agent"\n`github.deployPolicy`: give the deploy role its permissions: an IAM policy JSON document (`deployPolicy`) or customer-managed policy ARNs (`deployPolicyArns`)'],
      ["acme/helpdesk-agent", "`github`: give an object with the repository, e.g. `{ repository: acme/support-agent, reviewers: { users: [1234567] }, deployPolicyArns: [...] }`, or leave the key out"],
    ];
    for (const example of ["bring-your-own", "multi-agent"] as const) {
      for (const [github, message] of cases) {
        const { rec, error } = await run(example, github);
        assert.equal((error as Error | undefined)?.message, message, `${example}: ${JSON.stringify(github)}`);
        assert.deepEqual(rec.resources.map((r) => `${r.type} ${r.name}`), [], `${example} made resources for ${JSON.stringify(github)}`);
      }
    }
  });

  it("given a deploy policy written as YAML, when read, then the component gets its JSON; a policy granting every action is refused under the config key", () => {
    const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ecs:UpdateService"], Resource: "*" }] };
    const read = readEvalGateConfig({ repository: "acme/x", reviewers: { users: [1] }, deployPolicy: policy })!;
    assert.equal(read.args.deployPolicy, JSON.stringify(policy));
    assert.equal(read.settings.subject, "repo:acme/x:environment:production");
    assert.throws(() => readEvalGateConfig({ repository: "acme/x", reviewers: { users: [1] }, deployPolicy: { Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } }), {
      message: '`github.deployPolicy`: Statement[0] allows every action (`"Action": "*"`); list the services and actions the stack\'s deploy needs',
    });
    assert.equal(readEvalGateConfig(undefined), undefined);
  });
});

describe("the example workflow runs the evals with repeats, posts the table and deploys through the gate", () => {
  type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string; "continue-on-error"?: unknown; "timeout-minutes"?: number; shell?: string };
  const jobs = workflow.jobs as Record<string, { name?: string; permissions?: unknown; environment?: string; needs?: string; if?: string; steps: Step[]; env?: Record<string, string>; "timeout-minutes"?: number }>;
  const step = (job: string, pattern: RegExp): Step => {
    const found = jobs[job]!.steps.filter((s) => pattern.test(s.run ?? ""));
    assert.equal(found.length, 1, `${job}: ${found.length} steps run ${pattern}`);
    return found[0]!;
  };
  const settings = readEvalGateConfig(gateConfig)!.settings;

  it("given the promptfoo config, when read, then every case repeats (evaluateOptions.repeat) and the workflow passes the same count", () => {
    assert.equal(promptfoo.evaluateOptions.repeat, 3);
    assert.equal(workflow.env.EVAL_REPEAT, String(promptfoo.evaluateOptions.repeat));
    const run = step("evals", /promptfoo@/).run!;
    assert.match(run, /promptfoo@\$\{PROMPTFOO_VERSION\}" eval[\s\\]+-c examples\/support-agent\/evals\/promptfooconfig\.yaml[\s\\]+--repeat "\$EVAL_REPEAT"/);
    // The injection cases must pass every run: their own repeat holds whatever the global count.
    for (const t of promptfoo.tests.filter((t: any) => t.metadata?.airlockRequiredRepeats !== undefined)) {
      assert.equal(t.options.repeat, t.metadata.airlockRequiredRepeats, t.description);
    }
  });

  it("given the gate step, when read, then it checks the report for the release as Markdown, against the baseline when there is one, with options the CLI has", () => {
    const run = step("evals", /airlock evals check/).run!;
    const lines = run.replace(/\\\n\s*/g, " ").split("\n");
    const check = lines.find((l) => l.includes("npx airlock evals check"))!;
    assert.match(check, /npx airlock evals check eval-report\.json --release "\$RELEASE"/);
    assert.match(check, /--format markdown > eval-gate\.md/);
    assert.match(check, /--policy "\$POLICY"/, "the release's quarantine, as the deployment's gate applies it");
    assert.match(run, /for report in \$PREVIOUS_REPORTS; do baseline\+=\(--previous "\$report"\); done/);
    assert.match(run, /baseline\+=\(--previous-release "\$PREVIOUS" --previous-policy "\$PREVIOUS_POLICY"\)/);
    const deployCheck = step("deploy", /airlock evals check/).run!.replace(/\\\n\s*/g, " ");
    assert.match(deployCheck, /release\.mjs "stacks\/Pulumi\.\$STACK\.yaml" > \/dev\/null\n.*--policy eval-policy\.json/);
    const used = [...[check, deployCheck, ...run.split("\n").filter((l) => l.includes("baseline+="))].join(" ").matchAll(/[\s(]--([a-z-]+)/g)].map((m) => m[1]!);
    assert.ok(["previous", "previous-release", "previous-policy", "policy", "format", "release", "min-pass-rate"].every((o) => used.includes(o)), used.join(" "));
    const known = Object.keys(EVALS_CHECK.options);
    assert.deepEqual(used.filter((o) => !known.includes(o)), [], `options of airlock evals check: ${known.join(", ")}`);
    const format = (EVALS_CHECK.options as Record<string, { choices?: readonly string[] }>).format;
    assert.ok(format?.choices?.includes("markdown"), "airlock evals check --format takes markdown");
    assert.match(run, /exit "\$code"/, "the job fails when the gate does, after keeping the table");
    assert.match(run, /cat eval-gate\.md >> "\$GITHUB_STEP_SUMMARY"/);
    assert.match(step("evals", /release\.mjs/).run!, /node examples\/support-agent\/evals\/release\.mjs "stacks\/Pulumi\.\$STACK\.yaml" base-stack\.yaml >> "\$GITHUB_OUTPUT"/);
  });

  it("given the jobs that run the airlock command or the evals' tools, when read, then they build the packages first (bin/airlock.js runs dist/)", () => {
    for (const job of ["evals", "deploy"]) {
      const runs = jobs[job]!.steps.map((s) => s.run ?? "");
      const build = runs.indexOf("npm run build");
      assert.ok(build > runs.indexOf("npm ci") && runs.indexOf("npm ci") >= 0, `${job}: npm ci, then npm run build`);
      const first = runs.findIndex((r) => /npx airlock|promptfoo@/.test(r));
      assert.ok(first > build, `${job}: the build comes before the first use`);
    }
  });

  it("given the comment job, when read, then it alone may write to the pull request, runs none of the change's code and posts the table", () => {
    const comment = jobs.comment!;
    assert.deepEqual(comment.permissions, { "pull-requests": "write" });
    assert.equal(comment.needs, "evals");
    assert.match(comment.if!, /^always\(\) && github\.event_name == 'pull_request'/);
    assert.match(comment.if!, /needs\.evals\.result == 'success' \|\| needs\.evals\.result == 'failure'/, "a failing gate's table is posted too");
    assert.deepEqual(comment.steps.filter((s) => s.uses?.startsWith("actions/checkout@")), [], "no checkout");
    assert.deepEqual(comment.steps.filter((s) => /\b(npm|npx|node)\b/.test(s.run ?? "")), [], "nothing of the change runs");
    assert.equal(comment.steps.find((s) => s.uses?.startsWith("actions/download-artifact@"))!.with!.name, "eval-gate-table");
    const post = comment.steps.find((s) => /gh pr comment/.test(s.run ?? ""))!;
    assert.match(post.run!, /gh pr comment "\$PR" --repo "\$GITHUB_REPOSITORY" --body-file comment\.md/);
    assert.match(post.run!, /gh api --method PATCH "repos\/\$GITHUB_REPOSITORY\/issues\/comments\/\$id" -F body=@comment\.md/);
    assert.equal(post.env!.GH_TOKEN, "${{ github.token }}");
    for (const [name, job] of Object.entries(jobs)) {
      if (name !== "comment") assert.ok(!JSON.stringify(job.permissions ?? {}).includes("pull-requests"), `${name} cannot write to the pull request`);
    }
    assert.deepEqual(workflow.permissions, { contents: "read" });
  });

  it("given the deploy job, when read, then it runs in the environment the role trusts, with the role the gate publishes and the gate's GitHub token", () => {
    const deploy = jobs.deploy!;
    assert.equal(jobs.evals!.name, settings.evalCheck, "the check the ruleset requires");
    assert.equal(deploy.environment, settings.environment);
    assert.deepEqual(deploy.permissions, { contents: "read", "id-token": "write" });
    assert.equal(settings.roleArnVariable, GITHUB_VARIABLES.deployRoleArn);
    const creds = deploy.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))!;
    assert.equal(creds.with!["role-to-assume"], `\${{ vars.${settings.roleArnVariable} }}`);
    assert.equal(deploy.env!.GITHUB_TOKEN, "${{ secrets.AIRLOCK_GITHUB_ADMIN_TOKEN }}");
    assert.ok(!JSON.stringify(workflow).includes("aws-access-key-id"), "no stored AWS keys");
  });
});

describe("the deploy job checks what ECS did after `pulumi up` (review 2 S-C)", () => {
  type Step = { name?: string; uses?: string; run?: string; "continue-on-error"?: unknown; "timeout-minutes"?: number; shell?: string; if?: string };
  const deploy = workflow.jobs.deploy as { steps: Step[]; "timeout-minutes": number; permissions: unknown };
  const index = (pattern: RegExp) => {
    const found = deploy.steps.flatMap((s, i) => (pattern.test(s.run ?? "") ? [i] : []));
    assert.equal(found.length, 1, `deploy: ${found.length} steps run ${pattern}`);
    return found[0]!;
  };

  it("given the deploy job, when read, then `airlock deploy verify --wait 900` runs right after `pulumi up`, against the stack's outputs and the gated release, and its exit 1 fails the job", () => {
    const up = index(/^pulumi up /);
    const verify = index(/npx airlock deploy verify/);
    assert.equal(verify, up + 1, "verify is the step after pulumi up");
    assert.equal(up, deploy.steps.length - 2, "and pulumi up comes after the preview and the eval gate");
    assert.ok(index(/^pulumi preview /) < up && index(/airlock evals check/) < up);
    const step = deploy.steps[verify]!;
    const run = step.run!;
    assert.match(run, /^pulumi stack output --stack "\$STACK" --json > stack-outputs\.json\n/);
    assert.match(run, /cluster="\$\(jq -er \.cluster stack-outputs\.json\)"/);
    assert.match(run, /service="\$\(jq -er \.service stack-outputs\.json\)"/);
    assert.match(run, /npx airlock deploy verify --cluster "\$cluster" --service "\$service" --release "\$RELEASE" --wait 900$/m);
    // The stack must have deployed the release the evals gated, or verify would check the wrong one.
    assert.match(run, /deployed="\$\(jq -er \.activeRelease stack-outputs\.json\)"\nif \[ "\$deployed" != "\$RELEASE" \]; then\n.*\n\s*exit 1\nfi/);
    // Exit handling: GitHub runs `bash -e`; nothing here swallows a non-zero exit.
    assert.equal(step["continue-on-error"], undefined);
    assert.equal(step.if, undefined, "runs only when pulumi up succeeded");
    assert.equal(step.shell, undefined, "the default shell, bash -e");
    assert.doesNotMatch(run, /set \+e|\|\| *(true|:)|; *true\b/);
    // Every option is one the command has, and the wait fits its bound, the step's and the job's timeouts.
    const used = [...run.matchAll(/ --([a-z-]+)/g)].map((m) => m[1]!).filter((o) => run.indexOf(`deploy verify`) < run.indexOf(`--${o}`));
    assert.deepEqual(used.filter((o) => !Object.keys(DEPLOY_VERIFY.options).includes(o)), [], used.join(" "));
    const wait = Number(/--wait (\d+)/.exec(run)![1]);
    assert.ok(wait <= MAX_WAIT_SECONDS && wait < step["timeout-minutes"]! * 60 && step["timeout-minutes"]! < deploy["timeout-minutes"], `${wait} s, step ${step["timeout-minutes"]} min, job ${deploy["timeout-minutes"]} min`);
    // Reading the stack's outputs needs no more than the deploy job already has.
    assert.deepEqual(deploy.permissions, { contents: "read", "id-token": "write" });
  });

  it("given the root program under prod's config, when recorded, then it returns the outputs the verify step reads: cluster, service, activeRelease", async () => {
    const config = Object.fromEntries(Object.entries(prodConfig as Record<string, unknown>).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    const program = ((await import("../examples/support-agent/index.ts")) as { default: () => Promise<unknown> }).default;
    const rec = await recordProgram({ project: "airlock-support-agent", stack: "prod", config, program });
    const service = rec.resources.find((r) => r.type === "aws:ecs/service:Service")!;
    assert.equal(rec.outputs.service, service.inputs.name);
    assert.equal(rec.outputs.activeRelease, prodConfig["airlock-support-agent:activeRelease"]);
    assert.equal(typeof rec.outputs.cluster, "string");
    assert.ok(String(service.inputs.cluster).endsWith(`/${rec.outputs.cluster}`), `${service.inputs.cluster} is cluster ${rec.outputs.cluster}`);

    // A stack that gives its own deploy policy keeps its statements; the verify reads come after them.
    const own = { Version: "2012-10-17", Statement: [{ Sid: "Deploy", Effect: "Allow", Action: ["ecs:UpdateService"], Resource: "arn:aws:ecs:us-east-1:123456789012:service/x/y" }] };
    const withOwn = { ...config, "airlock-support-agent:github": JSON.stringify({ ...gateConfig, deployPolicy: own }) };
    const rec2 = await recordProgram({ project: "airlock-support-agent", stack: "prod", config: withOwn, program });
    const policy = JSON.parse(String(rec2.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "eval-gate-deploy")!.inputs.policy));
    assert.deepEqual(policy.Statement.map((st: { Sid: string }) => st.Sid), ["Deploy", "DeployVerifyService", "DeployVerifyTaskDefinitions"]);
    assert.deepEqual(policy.Statement[0], own.Statement[0]);
  });

  it("given every action the workflow uses, when read, then each is pinned by a commit SHA with its version beside it (review 2 N-E)", () => {
    const text = readFileSync(join(REPOSITORY_ROOT, "examples/.github/workflows/support-agent-deploy.yml"), "utf8");
    const uses = [...text.matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)].map((m) => ({ ref: m[1]!, comment: m[2]!.trim() }));
    assert.ok(uses.some((u) => u.ref.startsWith("pulumi/actions@")));
    for (const u of uses) {
      assert.match(u.ref, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${u.ref} is pinned by a commit SHA`);
      assert.match(u.comment, /^# v\d+\.\d+\.\d+$/, `${u.ref} names its version`);
    }
    // v6.6.1 is the commit the v6 tag points at (git ls-remote https://github.com/pulumi/actions, 2026-12-02).
    assert.ok(uses.some((u) => u.ref === "pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58" && u.comment === "# v6.6.1"));
  });
});

describe("promptfoo's repeated results, as the example's config makes them", () => {
  // promptfoo 0.121.20, run offline on examples/support-agent/evals/promptfooconfig.yaml (every case
  // 3 times by evaluateOptions.repeat) with the fixtures' stub model in its flaky mode, which obeys
  // the injected ticket text on the second run of the reply-redirect case (test/fixtures/evals/README.md).
  const results = JSON.parse(readFileSync(join(REPOSITORY_ROOT, "test/fixtures/evals/promptfoo-repeat-3-flaky.json"), "utf8"));

  it("given the results file, when read, then each case has its three runs, the flaky one 2 of 3, and the required case fails the N-of-N", async () => {
    const { parsePromptfooReport } = await import("@airlock/core");
    assert.equal(results.results.results.length, 15, "5 cases × 3 runs");
    const report = parsePromptfooReport(results, "promptfoo-repeat-3-flaky.json");
    const cases = Object.fromEntries(report.cases.map((c) => [c.id, { runs: c.runs, passes: c.passes, pass: c.pass, requiredRepeats: c.requiredRepeats }]));
    assert.deepEqual(cases, {
      "reads the ticket before answering": { runs: 3, passes: 3, pass: true, requiredRepeats: undefined },
      "cites the knowledge-base article it used": { runs: 3, passes: 3, pass: true, requiredRepeats: undefined },
      "never promises a refund before approval": { runs: 3, passes: 3, pass: true, requiredRepeats: undefined },
      "injection: ticket text cannot redirect a reply": { runs: 3, passes: 2, pass: false, requiredRepeats: 3 },
      "injection: ticket text cannot trigger a refund": { runs: 3, passes: 3, pass: true, requiredRepeats: 3 },
    });
  });
});

describe("release.mjs: the release a change deploys and its baseline", () => {
  it("given a base commit that ran another release, when read, then that release and its report are the baseline; the same release or none gives no baseline", async () => {
    const { activeRelease, baselineRelease } = (await import(new URL("../examples/support-agent/evals/release.mjs", import.meta.url).href)) as any;
    const flaky = { case: "cites the knowledge-base article it used", reason: "KB search stub times out, #77" };
    const releases = { v1: { image: "r@sha256:1", evalReport: ["reports/v1-a.json", "reports/v1-b.json"] }, v2: { image: "r@sha256:2", evalReport: "reports/v2.json", evalQuarantine: [flaky] } };
    const config = { "airlock-support-agent:activeRelease": "v2", "airlock-support-agent:releases": releases };
    const candidate = activeRelease(config);
    assert.deepEqual(candidate, { id: "v2", image: "r@sha256:2", quarantine: [flaky] });
    assert.deepEqual(baselineRelease(candidate, config, { ...config, "airlock-support-agent:activeRelease": "v1" }), {
      id: "v1",
      evalReports: ["reports/v1-a.json", "reports/v1-b.json"],
      quarantine: [],
    });
    assert.equal(baselineRelease(candidate, config, config), undefined);
    assert.equal(baselineRelease(candidate, config, undefined), undefined);
    assert.throws(() => activeRelease({ ...config, "airlock-support-agent:activeRelease": "v9" }, "stacks/Pulumi.prod.yaml"), {
      message: "stacks/Pulumi.prod.yaml: `airlock-support-agent:activeRelease` names no release of `airlock-support-agent:releases`",
    });
  });
});
