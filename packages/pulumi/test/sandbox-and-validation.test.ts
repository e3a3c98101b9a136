import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { recordProgram } from "../src/plan/record.ts";
import { AgentPlatform, privateRoutesVia } from "../src/platform/index.ts";
import { AgentDeployment, validateReleases } from "../src/agent/agent-deployment.ts";
import { all, exampleModel, find, json, modelOf, recordDeployment, TEST_APPROVALS, TEST_TRANSIT_GATEWAY, WIRING_ONLY } from "./harness.ts";
import { actionFacts, actionTakesResource, compile, isRequiredWildcard } from "@airlock/core";
import { SANDBOX_TASK, TASK_ENV } from "@airlock/core/contracts";
import { IamNoWildcardResources } from "../../guardrails/src/rules/iam/IamNoWildcardResources.ts";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const SANDBOX_IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/code-runner@sha256:${"c".repeat(64)}`;

function sandboxManifest() {
  return {
    apiVersion: "airlock/v1",
    agent: {
      name: "data-agent",
      owner: "data@example.com",
      image: { digest: `123456789012.dkr.ecr.us-east-1.amazonaws.com/data-agent@sha256:${"d".repeat(64)}` },
      model: { provider: "bedrock", id: "anthropic.claude-sonnet-4-5-20250929-v1:0" },
    },
    tools: [
      { name: "run_python", description: "Runs analysis code.", access: "write", sandbox: true },
      {
        name: "read_dataset",
        description: "Reads the dataset.",
        access: "read",
        aws: [{ service: "s3", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::datasets/sales.parquet"] }],
      },
    ],
    sandbox: { image: SANDBOX_IMAGE },
  };
}

describe("sandbox for code-executing tools", () => {
  it("lets the agent RunTask on exactly the sandbox task definition in its cluster and pass exactly its roles", async () => {
    const model = await modelOf(sandboxManifest());
    const rec = await recordDeployment(model);
    const policy = json(find(rec, "aws:iam/rolePolicy:RolePolicy", "data-agent-task"), "policy");
    const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
    assert.deepEqual(bySid.SandboxRunTask, {
      Sid: "SandboxRunTask",
      Effect: "Allow",
      Action: ["ecs:RunTask"],
      Resource: ["arn:aws:ecs:us-east-1:123456789012:task-definition/data-agent-test-sandbox:1"],
      Condition: {
        ArnEquals: { "ecs:cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/platform-cluster" },
        NumericEqualsIfExists: { "ecs:task-cpu": "256", "ecs:task-memory": "512" },
        StringEqualsIfExists: { "ecs:enable-execute-command": "false" },
      },
    });
    assert.deepEqual(bySid.SandboxPassRoles, {
      Sid: "SandboxPassRoles",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: ["arn:aws:iam::123456789012:role/data-agent-sandbox-execution", "arn:aws:iam::123456789012:role/data-agent-sandbox-task"],
      Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    });
    assert.deepEqual(bySid.ModelInvokeBedrockProfile.Resource, ["arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"]);
    // What the sandbox runner calls besides RunTask: its tasks, only in the cluster, and its streams, only in the agent's log group
    assert.deepEqual(bySid.SandboxWatchTasks, {
      Sid: "SandboxWatchTasks",
      Effect: "Allow",
      Action: ["ecs:DescribeTasks", "ecs:StopTask"],
      Resource: ["arn:aws:ecs:us-east-1:123456789012:task/platform-cluster/*"],
      Condition: { StringEquals: { "aws:ResourceTag/airlock:agent": "data-agent", "aws:ResourceTag/airlock:sandbox": "true" } },
    });
    // The agent's log group, as its execution role writes it
    const execution = json(find(rec, "aws:iam/rolePolicy:RolePolicy", "data-agent-execution"), "policy");
    const logGroupArn = (execution.Statement.find((st: any) => st.Sid === "WriteOwnLogGroup").Resource[0] as string).replace(/:log-stream:\*$/, "");
    assert.match(logGroupArn, /^arn:aws:logs:us-east-1:123456789012:log-group:\/airlock\//);
    assert.deepEqual(bySid.SandboxReadOutput, { Sid: "SandboxReadOutput", Effect: "Allow", Action: ["logs:GetLogEvents"], Resource: [`${logGroupArn}:log-stream:sandbox/sandbox/*`] });
    // Those two wildcards are the only ones, each one the guardrails accept (REQUIRED_WILDCARDS), and AIR-G002 passes the policy
    const wild = policy.Statement.flatMap((st: any) => st.Resource.filter((r: string) => r.includes("*")).flatMap((r: string) => st.Action.map((a: string) => [a, r])));
    assert.deepEqual(wild.map(([a]: string[]) => a), ["ecs:TagResource", "ecs:DescribeTasks", "ecs:StopTask", "logs:GetLogEvents"]);
    for (const [a, r] of wild) assert.ok(isRequiredWildcard(a, r), `${a} on ${r}`);
    assert.ok(!JSON.stringify(policy.Statement.map((st: any) => st.Action)).includes("*"));
    assert.deepEqual(await IamNoWildcardResources.check("aws:iam/rolePolicy:RolePolicy", { policy: JSON.stringify(policy) }), { status: "compliant" });
    // Each action acts on the resource type it is given, per the IAM dataset
    for (const st of policy.Statement.filter((x: any) => x.Sid.startsWith("Sandbox"))) {
      for (const a of st.Action) for (const r of st.Resource) assert.ok(await actionTakesResource((await actionFacts(a))!, r), `${a} does not act on ${r}`);
    }
  });

  it("tells the agent's task where the sandbox writes its output (AIRLOCK_SANDBOX_LOG_GROUP), and names the sandbox's container and stream prefix as the runner reads them", async () => {
    const rec = await recordDeployment(await modelOf(sandboxManifest()));
    const [agent] = json(find(rec, "aws:ecs/taskDefinition:TaskDefinition", "data-agent-release-current"), "containerDefinitions");
    const env = Object.fromEntries(agent.environment.map((e: any) => [e.name, e.value]));
    assert.equal(env[TASK_ENV.sandboxLogGroup], find(rec, "aws:cloudwatch/logGroup:LogGroup", "data-agent-observability-logs").inputs.name);
    const [container] = json(find(rec, "aws:ecs/taskDefinition:TaskDefinition", "data-agent-sandbox"), "containerDefinitions");
    assert.equal(container.name, SANDBOX_TASK.container);
    assert.equal(container.logConfiguration.options["awslogs-group"], env[TASK_ENV.sandboxLogGroup]);
    assert.equal(container.logConfiguration.options["awslogs-stream-prefix"], SANDBOX_TASK.streamPrefix);
  });

  it("gives the sandbox no policy, no secrets and no egress beyond the endpoints it needs to start", async () => {
    const rec = await recordDeployment(await modelOf(sandboxManifest()));
    assert.equal(rec.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "data-agent-sandbox-task").length, 0);
    const sg = find(rec, "aws:ec2/securityGroup:SecurityGroup", "data-agent-sandbox");
    assert.deepEqual(sg.inputs.ingress, []);
    const egress = sg.inputs.egress as any[];
    assert.deepEqual(egress.map((r) => r.description), [
      "HTTPS to the AWS interface endpoints",
      "HTTPS to the s3 gateway endpoint",
      "DNS to the VPC resolver (filtered by the DNS firewall)",
      "DNS over TCP to the VPC resolver",
    ]);
    const [container] = json(find(rec, "aws:ecs/taskDefinition:TaskDefinition", "data-agent-sandbox"), "containerDefinitions");
    assert.deepEqual(container.secrets, []);
    assert.equal(container.readonlyRootFilesystem, true);
    assert.deepEqual(container.linuxParameters.capabilities.drop, ["ALL"]);
    const [agent] = json(find(rec, "aws:ecs/taskDefinition:TaskDefinition", "data-agent-release-current"), "containerDefinitions");
    const env = Object.fromEntries(agent.environment.map((e: any) => [e.name, e.value]));
    assert.equal(env.AIRLOCK_SANDBOX_SUBNETS, "platform-isolated-us-east-1a-id,platform-isolated-us-east-1b-id");
    assert.equal(env.AIRLOCK_SANDBOX_SECURITY_GROUP, "data-agent-sandbox-id");
    // Isolated subnets route nowhere but the VPC.
    assert.equal(find(rec, "aws:ec2/routeTable:RouteTable", "platform-isolated-rt").inputs.routes, undefined);
  });
});

describe("bad deployment arguments", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["an unknown active release", { releases: { v1: {} }, activeRelease: "v9" }, '`activeRelease`: "v9" is not a declared release; declared: v1'],
    ["several releases and no active one", { releases: { v1: {}, v2: {} } }, "`activeRelease`: there are 2 releases (v1, v2); say which one the service runs"],
    [
      "an image by tag",
      { releases: { v1: { image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent:latest" } } },
      '`releases.v1.image`: "123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent:latest" is not pinned by digest; use <repository>@sha256:<digest> (tags move)',
    ],
    [
      "an image outside ECR",
      { releases: { v1: { image: `docker.io/library/agent@sha256:${"e".repeat(64)}` } } },
      `\`releases.v1.image\`: "docker.io/library/agent@sha256:${"e".repeat(64)}" is not an ECR image by digest; agents pull only from ECR through the VPC endpoint (<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<digest>)`,
    ],
    [
      "a credential in release environment",
      { releases: { v1: { environment: { SLACK_HOOK: "https://hooks.slack.com/services/T0000000/B0000000/abcdefghijklmnopqrstuvwx" } } } },
      "`releases.v1.environment.SLACK_HOOK`: the value looks like a credential; put it in Secrets Manager and declare it under `secrets` in the manifest",
    ],
    ["a secret's variable set in plain environment", { releases: { v1: { environment: { GITHUB_TOKEN: "x" } } } }, "`releases.v1.environment.GITHUB_TOKEN`: GITHUB_TOKEN is a secret's variable; secrets come from Secrets Manager only"],
    ["a bad release id", { releases: { "V 1": {} } }, "`releases.V 1`: release ids are lowercase letters, digits, `.` and `-` (at most 31 characters), e.g. `v2` or `2026-11-25.1`"],
    ["a misspelt release field", { releases: { v1: { imgae: "x" } } }, "`releases.v1.imgae`: unknown field; a release has `image`, `environment`, `description`, `bad`, `evalReport`, `evalQuarantine`, `modelHash`"],
  ];
  for (const [what, args, message] of cases) {
    it(`rejects ${what} before any resource exists`, async () => {
      const model = await exampleModel();
      assert.throws(() => validateReleases(model, args, "us-east-1"), { message });
      let registered = -1;
      await assert.rejects(
        recordProgram({
          project: "airlock-test",
          stack: "test",
          program: () => {
            validateReleases(model, args, "us-east-1");
            registered = 0;
            const platform = new AgentPlatform("platform", { agents: [model], approvals: { agents: { [model.name]: TEST_APPROVALS } }, privateRoutes: privateRoutesVia([model], { transitGatewayId: TEST_TRANSIT_GATEWAY }) });
            new AgentDeployment(model.name, { platform, model, evalGate: WIRING_ONLY, ...args });
          },
        }),
        { message },
      );
      assert.equal(registered, -1, "nothing after validation ran");
    });
  }

  it("refuses an agent the platform was not built for", async () => {
    const model = await exampleModel();
    const other = await modelOf(sandboxManifest());
    await assert.rejects(
      recordProgram({
        project: "airlock-test",
        stack: "test",
        program: () => {
          const platform = new AgentPlatform("platform", { agents: [other] });
          new AgentDeployment(model.name, { platform, model, evalGate: WIRING_ONLY });
        },
      }),
      { message: "`platform`: agent `support-agent` is not in platform `platform`'s `agents`; add its compiled model there so its hosts and endpoints are allowed" },
    );
  });

  it("refuses a platform with the same agent twice or a bad domain", async () => {
    const model = await exampleModel();
    await assert.rejects(
      recordProgram({ project: "airlock-test", stack: "test", program: () => new AgentPlatform("p", { agents: [model, model] }) }),
      { message: "`agents[1]`: agent `support-agent` is listed twice; agent names must be unique on a platform" },
    );
    await assert.rejects(
      recordProgram({ project: "airlock-test", stack: "test", program: () =>
          new AgentPlatform("p", {
            agents: [model],
            approvals: { agents: { [model.name]: TEST_APPROVALS } },
            privateRoutes: privateRoutesVia([model], { transitGatewayId: TEST_TRANSIT_GATEWAY }),
            extraAllowedDomains: ["https://x.com"],
          }),
      }),
      { message: '`extraAllowedDomains`: "https://x.com" is not a DNS name such as api.example.com' },
    );
  });
});

describe("AgentPlatform on an existing network", () => {
  it("creates no VPC and attaches endpoints and the DNS firewall to the given one", async () => {
    const model = await exampleModel();
    const rec = await recordDeployment(model, {
      platform: { network: { vpcId: "vpc-0abc", vpcCidr: "10.9.0.0/16", privateSubnetIds: ["subnet-a", "subnet-b"], privateRouteTableIds: ["rtb-a", "rtb-b"] } },
    });
    assert.equal(all(rec, "aws:ec2/vpc:Vpc").length, 0);
    assert.equal(all(rec, "aws:ec2/natGateway:NatGateway").length, 0);
    assert.equal(find(rec, "aws:route53/resolverFirewallConfig:ResolverFirewallConfig", "platform-dns").inputs.resourceId, "vpc-0abc");
    assert.deepEqual(find(rec, "aws:ec2/vpcEndpoint:VpcEndpoint", "platform-dynamodb").inputs.routeTableIds, ["rtb-a", "rtb-b"]);
    const sg = find(rec, "aws:ec2/securityGroup:SecurityGroup", "support-agent-agent");
    assert.ok((sg.inputs.egress as any[]).some((r) => r.protocol === "udp" && r.cidrBlocks[0] === "10.9.0.2/32"));
  });
});

describe("an image built from the manifest's context", () => {
  it("builds and pushes to an immutable, scanned, KMS-encrypted ECR repository and runs the image by its digest", async () => {
    const manifest = {
      apiVersion: "airlock/v1",
      agent: {
        name: "build-agent",
        owner: "team@example.com",
        image: { build: { context: "./app", dockerfile: "Dockerfile.agent" } },
        model: { provider: "bedrock", id: "anthropic.claude-sonnet-4-5-20250929-v1:0" },
      },
      tools: [{ name: "read_orders", description: "Reads orders.", access: "read", aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"] }] }],
    };
    // The manifest's directory holds the context; the Dockerfile (relative to the context) prepares /tmp.
    const manifestDir = mkdtempSync(join(tmpdir(), "airlock-build-"));
    mkdirSync(join(manifestDir, "app"));
    writeFileSync(join(manifestDir, "app", "Dockerfile.agent"), 'FROM node:22-slim\nRUN mkdir -p /tmp && chown 10001:10001 /tmp\nUSER 10001:10001\nVOLUME ["/tmp"]\n');
    const rec = await recordDeployment(await compile(manifest, { baseDir: manifestDir }));
    const repo = find(rec, "aws:ecr/repository:Repository", "build-agent-image");
    assert.deepEqual([repo.inputs.name, repo.inputs.imageTagMutability, repo.inputs.imageScanningConfiguration, repo.inputs.encryptionConfigurations], [
      "airlock/test/build-agent",
      "IMMUTABLE",
      { scanOnPush: true },
      [{ encryptionType: "KMS" }],
    ]);
    const image = find(rec, "docker:index/image:Image", "build-agent-image");
    // The context is relative to the manifest and the Dockerfile to the context, both written
    // relative to where Pulumi runs (the provider reads a relative `dockerfile` from there too).
    assert.deepEqual(image.inputs.build, {
      context: relative(process.cwd(), join(manifestDir, "app")),
      dockerfile: relative(process.cwd(), join(manifestDir, "app", "Dockerfile.agent")),
      platform: "linux/arm64",
    });
    // The registry credentials are secret, so the whole registry block is: it never reaches a plan.
    assert.equal(image.inputs.registry, "[secret]");
    const [container] = json(find(rec, "aws:ecs/taskDefinition:TaskDefinition", "build-agent-release-current"), "containerDefinitions");
    assert.equal(container.image, `123456789012.dkr.ecr.us-east-1.amazonaws.com/airlock/test/build-agent@sha256:${"0".repeat(64)}`);
    const exec = json(find(rec, "aws:iam/rolePolicy:RolePolicy", "build-agent-execution"), "policy");
    assert.deepEqual(exec.Statement.find((s: any) => s.Sid === "PullAgentImage").Resource, ["arn:aws:ecr:us-east-1:123456789012:repository/airlock/test/build-agent"]);
  });
});

describe("the Sandbox component", () => {
  it("is a child of the deployment, holds the sandbox's resources, and aliases each to where the deployment made it before", async () => {
    const model = await modelOf(sandboxManifest());
    const rec = await recordDeployment(model);
    const deployment = find(rec, "airlock:agent:AgentDeployment", "data-agent");
    const sandbox = find(rec, "airlock:agent:Sandbox", "data-agent-sandbox");
    assert.equal(sandbox.parent, deployment.urn);
    const children = rec.resources.filter((r) => r.parent === sandbox.urn);
    assert.deepEqual(children.map((r) => `${r.type} ${r.name}`).sort(), [
      "aws:ec2/securityGroup:SecurityGroup data-agent-sandbox",
      "aws:ecs/taskDefinition:TaskDefinition data-agent-sandbox",
      "aws:iam/role:Role data-agent-sandbox-execution",
      "aws:iam/role:Role data-agent-sandbox-task",
      "aws:iam/rolePolicy:RolePolicy data-agent-sandbox-execution",
    ]);
    for (const r of children) {
      // The URN it had as the deployment's own child, so a stack deployed before keeps it.
      assert.deepEqual(r.aliases, [`${deployment.urn.replace(/::data-agent$/, "")}$${r.type}::${r.name}`], r.name);
    }
    // Nothing else carries an alias.
    assert.deepEqual(rec.resources.filter((r) => r.aliases !== undefined && r.parent !== sandbox.urn), []);
  });
});
