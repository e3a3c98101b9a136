/**
 * AgentDeployment: one agent on an AgentPlatform. The task role holds exactly the compiled
 * statements; the execution role reads exactly this agent's secrets; every release is a retained
 * task definition revision and the service runs the active one, in private subnets with no public
 * IP, no ingress and egress only to the allowlist. Code-executing tools run in a separate sandbox
 * task with no route out of the VPC.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bedrockInvokeResources, sanitizeTagValue, type AgentModel } from "@airlock/core";
import { COMPONENT_TOKENS, optOutValue, TAGS } from "@airlock/core/contracts";
import type { AgentPlatform } from "../platform/agent-platform.ts";
import { policyJson } from "../policy.ts";
import { ECS_TASKS_SERVICE, ecrPullStatements, logStatement, RoleStatements, serviceTrustPolicy, updateServiceStatement } from "../iam/index.ts";
import { agentTags, roleTag } from "../tags.ts";
import { AgentSecrets } from "../secrets/agent-secrets.ts";
import { AgentObservability } from "../observability/agent-observability.ts";
import { AlertChannel, taskStoppedRule, type AlertTargets } from "../observability/alert-channel.ts";
import type { AlarmSettings } from "../observability/alarms.ts";
import { recordAgentModel } from "../registry.ts";
import { stackLabel, stackScopedName } from "../naming.ts";
import { pendingApprovalsAlarm } from "../approvals/approval-gateway.ts";
import { agentSecurityGroup } from "./egress.ts";
import { existingSecretNotes, runtimeSecretKeys, type ExistingLogGroup, type ExistingSecret } from "./existing.ts";
import { buildImage, releaseImages } from "./image.ts";
import { evalGateTag, type ReleaseEvalGate, type ReleaseSpec } from "./releases.ts";
import { Sandbox } from "./sandbox.ts";
import { agentEnvironment, releaseTaskDefinitions } from "./task-definitions.ts";
import { taskRoleStatements, taskRoleTags } from "./task-role.ts";
import { validateDeploymentArgs } from "./validation.ts";

// The pure checks and builders a program may use around the component, where they were before.
export { validateDeploymentArgs, type CheckedDeployment, type DeploymentChecks } from "./validation.ts";
export { checkActiveReleaseEvals, evalGateTag, validateReleases, type ReleaseArgs, type ReleaseEvalGate, type ReleaseSpec } from "./releases.ts";
export { AWS_MANAGED_SECRETS_KEY, type ExistingLogGroup, type ExistingSecret } from "./existing.ts";
export { taskPolicySizeBound, taskRoleTags, WILDCARD_REASON_TAG_PREFIX, wildcardReasonTags } from "./task-role.ts";
export { AGENT_CONTAINER } from "./task-definitions.ts";
export { SANDBOX_CONTAINER } from "./sandbox.ts";
export { dockerfileOf, ecrRepositoryName } from "./image.ts";
export { agentEgressRules } from "./egress.ts";

/** Pulumi type token of {@link AgentDeployment}. */
export const AGENT_DEPLOYMENT_TOKEN = COMPONENT_TOKENS.agentDeployment;

/** Arguments of {@link AgentDeployment}. */
export interface AgentDeploymentArgs {
  /** The platform the agent runs on; it must have been built with this agent's model among its `agents`. */
  readonly platform: AgentPlatform;
  /** The agent's compiled model (`await compile(manifest)` or `await loadManifest("agent.yaml")`). */
  readonly model: AgentModel;
  /**
   * Releases to keep, by id. Each keeps its own task definition revision (never deleted), so a
   * rollback only moves the service's pointer.
   * @default - one release `current` running the manifest's image
   */
  readonly releases?: Readonly<Record<string, ReleaseSpec>>;
  /** The release the service runs. @default - the only release; required when there are several */
  readonly activeRelease?: string;
  /** Tasks to run. @default - the manifest's `agent.runtime.desiredCount` */
  readonly desiredCount?: number;
  /** Agent log retention in days (of the group Airlock makes; not with `logGroup`). @default 90 */
  readonly logRetentionDays?: number;
  /** Write the agent's logs to an existing log group. @default - a new KMS-encrypted group `/airlock/<stack>/agents/<agent>` */
  readonly logGroup?: ExistingLogGroup;
  /**
   * Out-of-band secrets that exist already, by the manifest's secret name (see ExistingSecret for
   * what stays yours). @default - none: Airlock makes every secret of the manifest
   */
  readonly existingSecrets?: Readonly<Record<string, ExistingSecret>>;
  /**
   * Alarm thresholds, and which alarms roll a release back (`rollback`).
   * @default - 10% errors over 2×5 min overall and per tool (both roll back), $20/hour, a 3σ cost anomaly band
   */
  readonly alarms?: AlarmSettings;
  /** The agent's own alert channel (Slack through AWS Chatbot, email). @default - the platform's channel */
  readonly alerts?: AlertTargets;
  /**
   * Opt-out: no deployment alarms at all (no automatic rollback of a release that trips an alarm;
   * `alarms.rollback` picks which alarms roll back otherwise). @default false
   */
  readonly disableAlarmRollback?: boolean;
  /** The eval gate on the active release. @default - on, with a 90% pass rate and no regression */
  readonly evalGate?: ReleaseEvalGate;
  /** Tags merged into every taggable child. @default - agent, owner, managed-by */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Writable directories on the agent's read-only root filesystem, each its own bind mount (a plain
   * list: it decides the task's volumes). On Fargate a bind mount is owned by root with mode 0755
   * unless the image declares the path as a `VOLUME` and, before that, makes it the agent user's
   * (`RUN mkdir -p /tmp && chown 10001:10001 /tmp` … `VOLUME ["/tmp"]`). When Airlock builds the
   * image (`agent.image.build`) the plan checks the Dockerfile's final stage for exactly that; an
   * image given by digest cannot be read offline and must do the same.
   * @default ["/tmp"]
   */
  readonly scratchPaths?: readonly string[];
  /**
   * Roles besides the agent's that must read a generated secret's value, by secret name: the
   * service that accepts the token Airlock generates (the billing API checking the agent's
   * token). Each secret's resource policy lets them read it; each still needs `kms:Decrypt` on the
   * platform key through Secrets Manager in its own IAM policy. After a rotation the platform's
   * rotation function redeploys this agent's service (so running tasks pick up the new value), and
   * may update exactly that service.
   * @default - only the agent (and the platform's functions) read any value
   */
  readonly secretConsumers?: Readonly<Record<string, pulumi.Input<string>[]>>;
}

/**
 * The service's `deploymentConfiguration.alarms`: the deployment alarms the settings picked, used
 * and rolling back; with none picked (or `enabled` false) the error-rate alarm is named, since ECS
 * takes one name at least, and the method is off.
 */
function deploymentAlarms(observability: AgentObservability, enabled: boolean): aws.types.input.ecs.ServiceAlarms {
  return pulumi.all([observability.deploymentAlarmNames, observability.errorRateAlarmName]).apply(([names, errorRate]) => {
    const on = enabled && names.length > 0;
    return { alarmNames: on ? names : [errorRate], enable: on, rollback: on };
  });
}

/**
 * The options of an AgentDeployment of `platform`: on the platform's AWS provider unless they name
 * another (`provider`, `providers.aws`, or a parent with one), so an agent deploys where its platform does.
 */
export function onPlatformProvider(platform: AgentPlatform, opts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions | undefined {
  const provider = platform.getProvider("aws::");
  if (provider === undefined) return opts;
  const isAws = (p: pulumi.ProviderResource | undefined) => p !== undefined && (p as unknown as { getPackage(): string }).getPackage() === "aws";
  const given = opts?.providers;
  const named = Array.isArray(given) ? given.some(isAws) : given !== undefined && (given as Record<string, pulumi.ProviderResource>).aws !== undefined;
  if (isAws(opts?.provider) || named || opts?.parent?.getProvider("aws::") !== undefined) return opts;
  const providers = Array.isArray(given) ? [...given, provider] : { ...(given as Record<string, pulumi.ProviderResource> | undefined), aws: provider };
  return { ...opts, providers };
}

/**
 * AgentDeployment: one agent on an {@link AgentPlatform}. The task role holds exactly the compiled
 * statements; the execution role reads exactly this agent's secrets; every release is a retained
 * task definition revision and the service runs the active one, in private subnets with no public
 * IP, no ingress and egress only to the allowlist. Code-executing tools run in a separate sandbox
 * task with no route out of the VPC.
 *
 * Arguments are validated before any resource is created.
 *
 * @example
 * ```ts
 * const model = await loadManifest("agent.yaml");
 * const platform = new AgentPlatform("agents", { agents: [model] });
 * new AgentDeployment(model.name, { platform, model });
 * ```
 */
export class AgentDeployment extends pulumi.ComponentResource {
  /** Name of the ECS service (unique to the stack). */
  readonly serviceName: pulumi.Output<string>;
  /** ARN of the ECS service. */
  readonly serviceArn: pulumi.Output<string>;
  /** ARN of the task role (the agent's tools); resolves only once its policies are attached. */
  readonly taskRoleArn: pulumi.Output<string>;
  /**
   * ARN of the execution role (image pull, logs, the agent's secrets); resolves only once its policies are attached.
   */
  readonly executionRoleArn: pulumi.Output<string>;
  /** The agent's security group: no ingress, egress only to the allowlist. */
  readonly securityGroupId: pulumi.Output<string>;
  /** Task definition ARN (with revision) of each release. */
  readonly releaseTaskDefinitionArns: Readonly<Record<string, pulumi.Output<string>>>;
  /** Id of the release the service runs. */
  readonly activeRelease: string;
  /** Task definition ARN (with revision) of the active release. */
  readonly activeTaskDefinitionArn: pulumi.Output<string>;
  /** ARN of each of the agent's secrets, by the manifest's secret name. */
  readonly secretArns: Readonly<Record<string, pulumi.Output<string>>>;
  /** The log group the agent's logs go to (Airlock's, or the existing `logGroup`). */
  readonly logGroupName: pulumi.Output<string>;
  /** The SNS topic the agent's alarms notify: its own `alerts` channel, else the platform's. */
  readonly alarmTopicArn: pulumi.Output<string>;
  /** Task definition ARN of the sandbox, when the manifest has one. */
  readonly sandboxTaskDefinitionArn?: pulumi.Output<string>;
  /** The agent's compiled model. */
  readonly model: AgentModel;

  constructor(name: string, args: AgentDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component registers: bad arguments leave nothing behind.
    args.platform.assertHosts(args.model);
    // The settings the inner components take (alarms, alerts, retention) come back resolved: they
    // are handed on as they are and checked nowhere else.
    const { releases, active, bedrock, scratchPaths, alarms, alerts, logRetention } = validateDeploymentArgs(args.model, args, args.platform.aws.region);
    const tags = agentTags(args.model, { ...args.platform.tags, ...args.tags });
    const roleTags = taskRoleTags(args.model, tags);
    super(AGENT_DEPLOYMENT_TOKEN, name, {}, onPlatformProvider(args.platform, opts));
    const { model, platform } = args;
    const ctx = platform.aws;
    // Physical names are unique to the stack, so dev and prod of one program share an account.
    const stack = stackLabel();
    const serviceName = stackScopedName([model.name], 255, "-", stack);
    this.model = model;
    this.activeRelease = active;
    recordAgentModel(model);

    let alarmTopicArn = platform.alertTopicArn;
    if (alerts) {
      const channel = new AlertChannel(`${name}-alerts`, { topicName: model.name, aws: ctx, kmsKeyArn: platform.kmsKeyArn, targets: alerts, tags }, { parent: this });
      taskStoppedRule(`${name}-task-stopped`, { clusterArn: platform.clusterArn, group: `service:${serviceName}`, topicArn: channel.topicArn, label: model.name, tags }, this);
      alarmTopicArn = channel.topicArn;
    }
    this.alarmTopicArn = alarmTopicArn;

    const observability = new AgentObservability(
      `${name}-observability`,
      {
        model,
        aws: ctx,
        kmsKeyArn: platform.kmsKeyArn,
        clusterArn: platform.clusterArn,
        clusterName: platform.clusterName,
        serviceName,
        stack,
        logRetentionDays: logRetention,
        ...(args.logGroup !== undefined ? { logGroupArn: args.logGroup.logGroupArn } : {}),
        alarms,
        alarmTopicArn,
        tags,
      },
      { parent: this },
    );
    this.logGroupName = observability.logGroupName;

    // --- Roles (policies attach below, once the resources they name exist) -------------------
    const taskRole = new aws.iam.Role(
      `${name}-task`,
      { description: `${model.name}: what the agent's tools may do`, assumeRolePolicy: serviceTrustPolicy(ECS_TASKS_SERVICE, ctx.accountId), maxSessionDuration: 3600, tags: roleTags },
      { parent: this },
    );
    const executionRole = new aws.iam.Role(
      `${name}-execution`,
      { description: `${model.name}: pull the image, write logs, read the agent's secrets`, assumeRolePolicy: serviceTrustPolicy(ECS_TASKS_SERVICE, ctx.accountId), tags: { ...tags, ...roleTag("execution") } },
      { parent: this },
    );

    const rotated = model.secrets.some((s) => s.rotation.kind === "builtin" || s.rotation.kind === "lambda");
    const secrets = new AgentSecrets(
      `${name}-secrets`,
      {
        model,
        aws: ctx,
        kmsKeyArn: platform.kmsKeyArn,
        readerRoleArns: [executionRole.arn],
        ...(args.secretConsumers !== undefined ? { consumers: args.secretConsumers } : {}),
        ...(args.existingSecrets !== undefined ? { existing: Object.fromEntries(Object.entries(args.existingSecrets).map(([k, v]) => [k, v.secretArn])) } : {}),
        // The service is named before it exists, so the tag does not wait for it.
        ...(rotated ? { redeploy: { clusterName: platform.clusterName, serviceName } } : {}),
        ...(platform.rotation ? { rotation: platform.rotation } : {}),
        ...(platform.ageMonitor ? { ageMonitor: platform.ageMonitor } : {}),
        alarmTopicArn,
        tags,
      },
      { parent: this },
    );
    this.secretArns = secrets.arns;
    // After rotating one of this agent's generated values the platform's function redeploys its
    // service; its role may update exactly this service (the ARN is known before the service is).
    if (platform.rotation && model.secrets.some((s) => s.rotation.kind === "builtin")) {
      const statement = updateServiceStatement("RedeployAfterRotation", ctx, platform.clusterName, serviceName);
      new aws.iam.RolePolicy(`${name}-rotation-redeploy`, { role: platform.rotation.roleName, policy: policyJson([statement]) }, { parent: this });
    }
    const runtimeSecrets = model.secrets.filter((s) => s.consumers.length > 0);
    const secretKeys = runtimeSecretKeys(model, args.existingSecrets, platform.kmsKeyArn, ctx);
    existingSecretNotes(name, { model, existingSecrets: args.existingSecrets, secretArns: secrets.arns, platformKeyArn: platform.kmsKeyArn, readerRoleArn: executionRole.arn }, this);

    // --- Image: by digest, or built from the manifest's context and pushed to ECR --------------
    const builtImage = model.image.kind === "build" ? buildImage(name, model, releases, tags, this) : undefined;
    const { imageOf, repositoryArns } = releaseImages(model, releases, builtImage, ctx.partition);

    // --- Network: no ingress, egress only to the allowlist --------------------------------
    const sg = agentSecurityGroup(name, model, platform, tags, this);
    this.securityGroupId = sg.id;

    // --- Human approvals: this agent's alias of the platform's gateway ---------------------
    // The gateway knows the agent by the alias it is invoked through, and this role may invoke
    // only this alias: the agent cannot ask, or read decisions, as another agent.
    const route = platform.approvalsFor(model);
    const approvalAlias =
      route !== undefined && "gateway" in route
        ? new aws.lambda.Alias(
            `${name}-approvals`,
            {
              name: model.name,
              description: `${model.name}: its approval requests (its task role is the only Airlock role granted invoke on this alias)`,
              functionName: route.gateway.functionName,
              functionVersion: route.gateway.functionVersion,
            },
            { parent: this },
          )
        : undefined;
    if (route !== undefined && "gateway" in route) {
      // The route's settings were resolved by the platform: its alarm minutes are filled.
      pendingApprovalsAlarm(`${name}-approvals-pending`, { agent: model.name, minutes: route.settings.pendingAlarmMinutes, alarmTopicArn, tags }, this);
    }

    // --- Sandbox for code-executing tools --------------------------------------------------
    const sandbox = model.sandbox
      ? new Sandbox(name, { model, platform, logGroupName: observability.logGroupName, logGroupArn: observability.logGroupArn, tags, ...(builtImage?.sandbox ? { builtImage: builtImage.sandbox } : {}) }, this)
      : undefined;
    this.sandboxTaskDefinitionArn = sandbox?.taskDefinitionArn;

    // --- Policies --------------------------------------------------------------------------
    // The inference profile, and the model in every Region it routes to (see taskStatements).
    const grant = bedrock !== undefined ? pulumi.all([ctx.partition, ctx.accountId]).apply(([partition, account]) => bedrockInvokeResources(model.model.id, ctx.region, partition, account)) : undefined;
    const taskStatements = taskRoleStatements(model, {
      ...(grant ? { bedrock: { inferenceProfileArn: grant.inferenceProfileArn, foundationModelArns: grant.apply((g) => [...g.foundationModelArns]) } } : {}),
      ...(approvalAlias ? { approvalAliasArn: approvalAlias.arn } : {}),
      ...(sandbox ? { sandbox: { ...sandbox, clusterArn: platform.clusterArn } } : {}),
    });
    const policies: pulumi.Resource[] = [];
    if (taskStatements.length > 0) {
      policies.push(new aws.iam.RolePolicy(`${name}-task`, { role: taskRole.name, policy: policyJson(taskStatements) }, { parent: this }));
    }
    const execution = new RoleStatements(...ecrPullStatements("PullAgentImage", repositoryArns), logStatement(observability.logGroupArn));
    if (runtimeSecrets.length > 0) secrets.grantRead(execution, runtimeSecrets.map((s) => s.name), { sid: "ReadAgentSecrets", kmsKeyArns: secretKeys });
    policies.push(new aws.iam.RolePolicy(`${name}-execution`, { role: executionRole.name, policy: policyJson(execution.statements) }, { parent: this }));
    // Role outputs resolve only once their policies are attached.
    this.taskRoleArn = pulumi.all([taskRole.arn, ...policies.map((p) => p.urn)]).apply(([a]) => a as string);
    this.executionRoleArn = pulumi.all([executionRole.arn, ...policies.map((p) => p.urn)]).apply(([a]) => a as string);

    // --- One retained task definition per release ------------------------------------------
    const environment = agentEnvironment(model, {
      stack,
      ...(bedrock !== undefined ? { bedrock } : {}),
      ...(approvalAlias ? { approvalAliasArn: approvalAlias.arn } : {}),
      ...(sandbox ? { sandbox: { clusterArn: platform.clusterArn, taskDefinitionArn: sandbox.taskDefinitionArn, subnetIds: platform.isolatedSubnetIds, securityGroupId: sandbox.securityGroupId, logGroupName: sandbox.logGroupName } } : {}),
    });
    const secretRefs: Record<string, pulumi.Output<string>> = Object.fromEntries(runtimeSecrets.map((s) => [s.envName, secrets.arns[s.name]!]));
    this.releaseTaskDefinitionArns = releaseTaskDefinitions(
      name,
      {
        model,
        releases,
        imageOf,
        environment,
        secretRefs,
        logGroupName: observability.logGroupName,
        region: ctx.region,
        stack,
        scratchPaths,
        executionRoleArn: this.executionRoleArn,
        taskRoleArn: this.taskRoleArn,
        tags,
      },
      this,
    );
    this.activeTaskDefinitionArn = this.releaseTaskDefinitionArns[active]!;

    // --- The service ------------------------------------------------------------------------
    const service = new aws.ecs.Service(
      `${name}-service`,
      {
        name: serviceName,
        cluster: platform.clusterArn,
        taskDefinition: this.activeTaskDefinitionArn,
        desiredCount: args.desiredCount ?? model.runtime.desiredCount,
        launchType: "FARGATE",
        platformVersion: "LATEST",
        networkConfiguration: { subnets: platform.privateSubnetIds, securityGroups: [sg.id], assignPublicIp: false },
        deploymentCircuitBreaker: { enable: true, rollback: true },
        // The deployment alarms `alarms.rollback` picks (by default the error rate and each tool's);
        // with none, or `disableAlarmRollback`, the error-rate alarm is named but not used.
        alarms: deploymentAlarms(observability, !(args.disableAlarmRollback ?? false)),
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        enableExecuteCommand: false,
        enableEcsManagedTags: true,
        propagateTags: "SERVICE",
        // Nothing here may depend on the active release: a rollback moves only taskDefinition.
        tags: {
          ...tags,
          // Opt-out reasons are free text: written as values every service accepts.
          [TAGS.evalGate]: evalGateTag(args.evalGate, releases[active]),
          [TAGS.approvals]: route === undefined ? "none needed" : "disabled" in route ? sanitizeTagValue(optOutValue(route.disabled)) : "gateway",
        },
      },
      { parent: this },
    );
    this.serviceName = service.name;
    this.serviceArn = service.arn;

    this.registerOutputs({
      serviceName: this.serviceName,
      taskRoleArn: this.taskRoleArn,
      executionRoleArn: this.executionRoleArn,
      securityGroupId: this.securityGroupId,
      releaseTaskDefinitionArns: this.releaseTaskDefinitionArns,
      activeRelease: this.activeRelease,
      secretArns: this.secretArns,
      logGroupName: this.logGroupName,
      alarmTopicArn: this.alarmTopicArn,
      sandboxTaskDefinitionArn: this.sandboxTaskDefinitionArn,
      permissions: model.permissions,
    });
  }
}
