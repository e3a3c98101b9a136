/**
 * The sandbox for code-executing tools: a separate Fargate task in the isolated subnets with its
 * own security group (no ingress; egress only to the AWS endpoints it needs to start), a task role
 * with no policy at all, and an execution role that only pulls its image and writes its logs.
 *
 * `Sandbox` is a child component of the AgentDeployment (`airlock:agent:Sandbox`). Its resources
 * were once the deployment's own children: each carries an alias to that parent, so a stack
 * deployed before keeps them (Pulumi moves them under the component instead of replacing them;
 * "The `parent` resource option: `{ parent: oldParent }`", per
 * https://www.pulumi.com/docs/iac/operations/stack-management/refactoring-with-aliases/).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SANDBOX_LOG_STREAMS, sanitizeSecurityGroupDescription, type AgentModel } from "@airlock/core";
import { COMPONENT_TOKENS, SANDBOX_ENV, SANDBOX_TASK, TAGS } from "@airlock/core/contracts";
import type { AgentPlatform } from "../platform/agent-platform.ts";
import { policyJson, type StatementInput } from "../policy.ts";
import { ECS_TASKS_SERVICE, ecrPullStatements, ecrRepositoryArn, serviceTrustPolicy } from "../iam/index.ts";
import { stackScopedName } from "../naming.ts";
import { roleTag } from "../tags.ts";
import { fargateTaskDefinition, hardenedContainer, parseEcrImage } from "./container.ts";
import { endpointEgressRules } from "./egress.ts";

/** Name of the container in the sandbox task definition (code-executing tools): the runner's RunTask overrides name it. */
export const SANDBOX_CONTAINER = SANDBOX_TASK.container;

/** What the agent's task role needs to start the sandbox: its task definition and the two roles it passes. */
export interface SandboxRefs {
  readonly taskDefinitionArn: pulumi.Output<string>;
  readonly taskRoleArn: pulumi.Output<string>;
  readonly executionRoleArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  /** The agent's log group, where the sandbox's container writes (the runner reads a run's output there). */
  readonly logGroupName: pulumi.Output<string>;
  readonly logGroupArn: pulumi.Output<string>;
}

/**
 * The sandbox's execution role statements: pull exactly its image's repository, and write only the
 * sandbox's own streams of the agent's log group (`<group>:log-stream:<prefix>/<container>/*`, where
 * the awslogs driver puts each task's stream and the runner reads it back). The agent may pass this
 * role (RunTask passes it), so a task given it as its task role too must gain nothing the
 * sandbox's stdout does not already reach: not the agent's own streams, whose JSON lines feed its
 * metrics and alarms.
 */
export function sandboxExecutionStatements(repositoryArn: pulumi.Input<string>, logGroupArn: pulumi.Input<string>): StatementInput[] {
  return [
    ...ecrPullStatements("PullSandboxImage", [repositoryArn]),
    { Sid: "WriteSandboxStreams", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [pulumi.interpolate`${logGroupArn}${SANDBOX_LOG_STREAMS}`] },
  ];
}

/** The image the sandbox runs and the repository its execution role pulls from. */
export interface SandboxImageRef {
  readonly image: pulumi.Input<string>;
  readonly repositoryArn: pulumi.Input<string>;
}

/**
 * The sandbox's image: the manifest's digest and its repository, or the image the deployment built
 * from the agent's Dockerfile's target (`sandbox.image.build`, its repoDigest and repository).
 */
export function sandboxImageRef(spec: NonNullable<AgentModel["sandbox"]>, partition: pulumi.Input<string>, built: SandboxImageRef | undefined): SandboxImageRef {
  if (typeof spec.image === "string") return { image: spec.image, repositoryArn: ecrRepositoryArn(partition, parseEcrImage(spec.image)!) };
  if (built === undefined) throw new Error(`unreachable: \`sandbox.image.build\` (target ${spec.image.build.target}) without the image the deployment builds`);
  return built;
}

/** The sandbox's one container: hardened, no secrets, marked `AIRLOCK_SANDBOX`, running `image`. */
export function sandboxContainer(model: AgentModel, image: string, logGroupName: string, region: string): Record<string, unknown> {
  return hardenedContainer({
    name: SANDBOX_CONTAINER,
    image,
    user: model.runtime.user,
    environment: { [SANDBOX_ENV.agent]: model.name, [SANDBOX_ENV.sandbox]: "true" },
    secrets: {},
    logGroupName,
    region,
    // Each task's stream is `<prefix>/<container>/<task id>`, where the runner reads its output.
    streamPrefix: SANDBOX_TASK.streamPrefix,
  });
}

/** The inputs of {@link Sandbox}. */
export interface SandboxArgs {
  /** The agent's compiled model; it must have a `sandbox`. */
  readonly model: AgentModel;
  readonly platform: AgentPlatform;
  /** The agent's log group: the sandbox writes its logs there. */
  readonly logGroupName: pulumi.Output<string>;
  readonly logGroupArn: pulumi.Output<string>;
  readonly tags: Record<string, string>;
  /** The sandbox's image when the deployment builds it (`sandbox.image.build`). @default - the manifest's `sandbox.image` digest */
  readonly builtImage?: SandboxImageRef;
}

/**
 * The sandbox of an agent with code-executing tools, as a child component of its deployment (the
 * resources are named `${name}-sandbox…`, where `name` is the deployment's name).
 */
export class Sandbox extends pulumi.ComponentResource implements SandboxRefs {
  readonly taskDefinitionArn: pulumi.Output<string>;
  readonly taskRoleArn: pulumi.Output<string>;
  readonly executionRoleArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;
  readonly logGroupArn: pulumi.Output<string>;

  /** `deployment` is the AgentDeployment the sandbox belongs to (its parent). */
  constructor(name: string, args: SandboxArgs, deployment: pulumi.Resource) {
    super(COMPONENT_TOKENS.sandbox, `${name}-sandbox`, {}, { parent: deployment });
    const { model, platform, tags } = args;
    const spec = model.sandbox!;
    const ctx = platform.aws;
    const image = sandboxImageRef(spec, ctx.partition, args.builtImage);
    // Made by the deployment itself before this component existed: the alias keeps them in place.
    const opts: pulumi.CustomResourceOptions = { parent: this, aliases: [{ parent: deployment }] };
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sandbox`,
      {
        vpcId: platform.vpcId,
        description: sanitizeSecurityGroupDescription(`${model.name} sandbox: no ingress; egress only to the AWS endpoints it needs to start`),
        ingress: [],
        egress: endpointEgressRules(platform, ["s3"]),
        tags: { ...tags, Name: `${model.name}-sandbox` },
      },
      opts,
    );
    // The sandbox's own task role holds no policy: sandboxed code gets no AWS access at all.
    const taskRole = new aws.iam.Role(
      `${name}-sandbox-task`,
      { description: `${model.name} sandbox: no permissions`, assumeRolePolicy: serviceTrustPolicy(ECS_TASKS_SERVICE, ctx.accountId), tags: { ...tags, ...roleTag("sandbox-task") } },
      opts,
    );
    const executionRole = new aws.iam.Role(
      `${name}-sandbox-execution`,
      { description: `${model.name} sandbox: pull the image, write logs`, assumeRolePolicy: serviceTrustPolicy(ECS_TASKS_SERVICE, ctx.accountId), tags: { ...tags, ...roleTag("sandbox-execution") } },
      opts,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-sandbox-execution`,
      { role: executionRole.name, policy: policyJson(sandboxExecutionStatements(image.repositoryArn, args.logGroupArn)) },
      opts,
    );
    const td = fargateTaskDefinition(
      `${name}-sandbox`,
      {
        family: stackScopedName([model.name, "sandbox"], 255),
        containerDefinitions: pulumi.all([args.logGroupName, image.image]).apply(([lg, ref]) => JSON.stringify([sandboxContainer(model, ref, lg, ctx.region)])),
        cpu: spec.cpu,
        memory: spec.memory,
        architecture: model.runtime.architecture,
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        tags: { ...tags, [TAGS.sandbox]: "true" },
      },
      { ...opts, dependsOn: [policy] },
    );
    this.taskDefinitionArn = td.arn;
    this.taskRoleArn = taskRole.arn;
    this.executionRoleArn = executionRole.arn;
    this.securityGroupId = sg.id;
    this.logGroupName = args.logGroupName;
    this.logGroupArn = args.logGroupArn;
    this.registerOutputs({ taskDefinitionArn: td.arn, securityGroupId: sg.id });
  }
}
