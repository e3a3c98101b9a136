/**
 * AgentObservability: an agent's log group (KMS, retention, credential masking), alarms on the
 * metrics its tracer writes as EMF lines (error rate, cost, a cost anomaly) and on crash loops,
 * and a dashboard. Alarms notify an AlertChannel (the platform's, or the agent's own). Everything
 * is the agent's in one stack: names carry the stack, and the alarms read `{Stack, Agent}`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AgentModel } from "@airlock/core";
import { EMF_NAMESPACE, METRICS } from "@airlock/trace/constants";
import { ALARM_SIGNALS, COMPONENT_TOKENS, TAGS, type AlarmSignal } from "@airlock/core/contracts";
import type { AwsContext } from "../aws-context.ts";
import { resolveLogRetention, secureLogGroup, type ResolvedLogRetention } from "./secure-log-group.ts";
import { dataProtectionPolicy } from "./data-protection.ts";
import { arnSpec, arnTail, checkedArn, LOG_GROUP_ARN, requirement } from "../interop.ts";
import { stackLabel, stackScopedName } from "../naming.ts";
import {
  agentDimensions,
  costAnomalyQueries,
  errorRateQueries,
  resolveAlarmSettings,
  toolDimensions,
  toolErrorRateQueries,
  type AgentSeries,
  type AlarmSettings,
  type MetricQuery,
  type ResolvedAlarmSettings,
  type RollbackSignal,
} from "./alarms.ts";
import { dashboardBody } from "./dashboard.ts";

/** Pulumi type token of {@link AgentObservability}. */
export const AGENT_OBSERVABILITY_TOKEN = COMPONENT_TOKENS.agentObservability;

/**
 * Arguments of {@link AgentObservability}; {@link AgentDeployment} makes one for its agent. The
 * settings (`alarms`, `logRetentionDays`) are checked here when given raw; AgentDeployment checks
 * them once, in `validateDeploymentArgs`, and passes the resolved values, which are used as they
 * are (see observability/resolved.ts).
 */
export interface AgentObservabilityArgs {
  /** The agent's compiled model. */
  readonly model: AgentModel;
  /** Account, partition and region to deploy into. */
  readonly aws: AwsContext;
  /** The platform key the log group is encrypted with. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Cluster and service the agent runs as (for the crash-loop alarm and dashboard). */
  readonly clusterArn: pulumi.Input<string>;
  /** Name of the ECS cluster the agent's service runs on (its dashboard and crash-loop alarm). */
  readonly clusterName: pulumi.Input<string>;
  /** Name of the agent's ECS service. */
  readonly serviceName: string;
  /**
   * The stack the agent runs in, as physical names and the tracer's `Stack` dimension carry it:
   * the log group, alarm and dashboard names and every metric the alarms read are this stack's.
   * @default - `stackLabel()` of the running Pulumi stack
   */
  readonly stack?: string;
  /**
   * Days of retention of the new log group (one of RETENTION_DAYS), or a retention
   * `resolveLogRetention` checked already. @default 90 (DEFAULT_LOG_RETENTION_DAYS)
   */
  readonly logRetentionDays?: number | ResolvedLogRetention;
  /**
   * An existing log group for the agent's logs (its ARN), instead of a new one. Its retention,
   * encryption and who else may read it are its owner's; Airlock still puts its credential-masking
   * data protection policy on it. @default - a new KMS-encrypted group `/airlock/<stack>/agents/<agent>`
   */
  readonly logGroupArn?: pulumi.Input<string>;
  /**
   * Thresholds, or settings `resolveAlarmSettings` checked already.
   * @default - 10% errors over 2×5 min, $20/hour, a 3σ cost anomaly band (DEFAULT_ALARM_SETTINGS)
   */
  readonly alarms?: AlarmSettings | ResolvedAlarmSettings;
  /** The topic alarms notify. */
  readonly alarmTopicArn: pulumi.Input<string>;
  /** Tags on every taggable child. */
  readonly tags: Record<string, string>;
}

/**
 * AgentObservability: an agent's log group (KMS, retention, credential masking), alarms on the
 * metrics its tracer writes as EMF lines (error rate, cost, a cost anomaly) and on crash loops, and
 * a dashboard. Alarms notify an {@link AlertChannel} (the platform's, or the agent's own). Names
 * carry the stack, and the alarms read `{Stack, Agent}`.
 */
export class AgentObservability extends pulumi.ComponentResource {
  /** Name of the agent's log group (the new one, or the existing `logGroupArn`'s). */
  readonly logGroupName: pulumi.Output<string>;
  /** ARN of the agent's log group. */
  readonly logGroupArn: pulumi.Output<string>;
  /** The error-rate alarm over all of the agent's calls. */
  readonly errorRateAlarmName: pulumi.Output<string>;
  /** Names of the agent's alarms: error rate, cost per hour, cost anomaly, crash loop, then each tool's. */
  readonly alarmNames: pulumi.Output<string[]>;
  /**
   * The alarms `alarms.rollback` makes deployment alarms (by default the error rate and each
   * tool's error rate): the service's `deploymentConfiguration.alarms`. Empty when none is.
   */
  readonly deploymentAlarmNames: pulumi.Output<string[]>;
  /** Name of the agent's CloudWatch dashboard. */
  readonly dashboardName: pulumi.Output<string>;

  constructor(name: string, args: AgentObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked here, before the component registers, unless resolved already (by the AgentDeployment
    // that builds this component): then used as they are.
    const settings = resolveAlarmSettings(args.alarms);
    const retention = resolveLogRetention(args.logRetentionDays, "logRetentionDays").days;
    super(AGENT_OBSERVABILITY_TOKEN, name, {}, opts);
    const { model, tags, aws: ctx } = args;
    const agent = model.name;
    const stack = args.stack ?? stackLabel();
    const series: AgentSeries = { stack, agent };
    // Physical names are unique to the stack (two stacks of one program share an account) and fit
    // CloudWatch's limits: log group names 512 characters, alarm and dashboard names 255.
    const alarmName = (what: string) => stackScopedName(["airlock", agent, what], 255, "-", stack);
    if (args.logGroupArn !== undefined) {
      // The group is its owner's; the ARN IAM names is the group's, without the `:*` of its streams.
      const arn = checkedArn(args.logGroupArn, arnSpec(LOG_GROUP_ARN, "logGroup.logGroupArn"), ctx).apply((a) => a.replace(/:\*$/, ""));
      this.logGroupArn = arn;
      this.logGroupName = arnTail(arn, /^log-group:/);
      new aws.cloudwatch.LogDataProtectionPolicy(
        `${name}-logs-masking`,
        { logGroupName: this.logGroupName, policyDocument: dataProtectionPolicy(`airlock-${stack}-${agent}-masking`) },
        { parent: this },
      );
      requirement(
        `${name}-log-group-required`,
        {
          rule: "AIR-I103",
          subject: `${agent}: logGroup`,
          message: "the agent's log group is yours: its retention, encryption and readers are not Airlock's; Airlock writes the agent's logs to it and puts its credential-masking data protection policy on it (replacing any the group had)",
        },
        { logGroupArn: arn },
        this,
      );
    } else {
      const logs = secureLogGroup(`${name}-logs`, { logGroupName: stackScopedName(["/airlock", "agents", agent], 512, "/", stack), kmsKeyArn: args.kmsKeyArn, retentionInDays: retention, tags }, this);
      this.logGroupName = logs.name;
      this.logGroupArn = logs.arn;
    }
    const actions = { alarmActions: [args.alarmTopicArn], okActions: [args.alarmTopicArn] };
    // Each alarm says what it watches (`airlock:alarm`), so the plan and the runbook can tell them apart.
    const tagged = (signal: AlarmSignal, tool?: string) => ({ ...tags, [TAGS.alarm]: tool === undefined ? signal : `${signal}:${tool}` });
    const rollsBack = (signal: RollbackSignal, what: string) => (settings.rollback[signal] ? ` It is a deployment alarm: a new release that trips it ${what} is rolled back.` : "");

    // --- Alarms -------------------------------------------------------------------------------
    const errorRate = new aws.cloudwatch.MetricAlarm(
      `${name}-error-rate`,
      {
        name: alarmName("error-rate"),
        alarmDescription: `${agent}: more than ${settings.errorRatePercent}% of tool and model calls failed (periods with at least ${settings.minCallsForErrorRate} calls).${rollsBack("errorRate", "while it deploys or bakes")}`,
        metricQueries: errorRateQueries(series, settings).map(toMetricQuery),
        comparisonOperator: "GreaterThanThreshold",
        threshold: settings.errorRatePercent,
        evaluationPeriods: settings.errorRateEvaluationPeriods,
        datapointsToAlarm: settings.errorRateEvaluationPeriods,
        treatMissingData: "notBreaching",
        ...actions,
        tags: tagged(ALARM_SIGNALS.errorRate),
      },
      { parent: this },
    );
    this.errorRateAlarmName = errorRate.name;
    const costPerHour = new aws.cloudwatch.MetricAlarm(
      `${name}-cost-per-hour`,
      {
        name: alarmName("cost-per-hour"),
        alarmDescription: `${agent}: model spend above $${settings.maxCostPerHourUsd} in an hour. Pause the agent (desired count 0) if it is looping.${rollsBack("costPerHour", "within its bake time")}`,
        namespace: EMF_NAMESPACE,
        metricName: METRICS.costUsd,
        dimensions: agentDimensions(series),
        statistic: "Sum",
        period: 3600,
        evaluationPeriods: 1,
        threshold: settings.maxCostPerHourUsd,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        ...actions,
        tags: tagged(ALARM_SIGNALS.costPerHour),
      },
      { parent: this },
    );
    const costAnomaly = new aws.cloudwatch.MetricAlarm(
      `${name}-cost-anomaly`,
      {
        name: alarmName("cost-anomaly"),
        alarmDescription: `${agent}: hourly spend is above the band CloudWatch learned from its history (${settings.costAnomalyBandWidth} standard deviations).${rollsBack("costAnomaly", "within its bake time")}`,
        metricQueries: costAnomalyQueries(series, settings).map(toMetricQuery),
        thresholdMetricId: "cost_band",
        comparisonOperator: "GreaterThanUpperThreshold",
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
        ...actions,
        tags: tagged(ALARM_SIGNALS.costAnomaly),
      },
      { parent: this },
    );
    const crashLoop = new aws.cloudwatch.MetricAlarm(
      `${name}-task-restarts`,
      {
        name: alarmName("task-restarts"),
        alarmDescription: `${agent}: fewer tasks running than desired for 15 minutes; tasks are failing to start or restarting.`,
        metricQueries: [
          { id: "running", returnData: false, metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions: { ClusterName: args.clusterName, ServiceName: args.serviceName }, period: 300, stat: "Minimum" } },
          { id: "desired", returnData: false, metric: { namespace: "ECS/ContainerInsights", metricName: "DesiredTaskCount", dimensions: { ClusterName: args.clusterName, ServiceName: args.serviceName }, period: 300, stat: "Maximum" } },
          { id: "missing", expression: "desired - running", label: "Tasks missing", returnData: true },
        ],
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: "notBreaching",
        ...actions,
        tags: tagged(ALARM_SIGNALS.taskRestarts),
      },
      { parent: this },
    );
    // One alarm per tool of the manifest (its name is the tool's, so a tripped alarm names the tool).
    const toolErrorRates = model.tools.map(
      (t) =>
        new aws.cloudwatch.MetricAlarm(
          `${name}-tool-${t.name}-error-rate`,
          {
            name: alarmName(`tool-${t.name}-error-rate`),
            alarmDescription: `${agent}: more than ${settings.toolErrorRatePercent}% of ${t.name}'s calls failed (periods with at least ${settings.minCallsForToolErrorRate} calls of it).${rollsBack("toolErrorRate", "while it deploys or bakes")}`,
            metricQueries: toolErrorRateQueries(series, t.name, settings).map(toMetricQuery),
            comparisonOperator: "GreaterThanThreshold",
            threshold: settings.toolErrorRatePercent,
            evaluationPeriods: settings.errorRateEvaluationPeriods,
            datapointsToAlarm: settings.errorRateEvaluationPeriods,
            treatMissingData: "notBreaching",
            ...actions,
            tags: tagged(ALARM_SIGNALS.toolErrorRate, t.name),
          },
          { parent: this },
        ),
    );
    const maxCalls = settings.maxCallsPerToolPerHour;
    const toolCalls =
      maxCalls === undefined
        ? []
        : model.tools.map(
            (t) =>
              new aws.cloudwatch.MetricAlarm(
                `${name}-tool-${t.name}-calls`,
                {
                  name: alarmName(`tool-${t.name}-calls`),
                  alarmDescription: `${agent}: ${t.name} was called more than ${maxCalls} times in an hour; it may be looping.${rollsBack("toolCalls", "within its bake time")}`,
                  namespace: EMF_NAMESPACE,
                  metricName: METRICS.calls,
                  dimensions: toolDimensions(series, t.name),
                  statistic: "Sum",
                  period: 3600,
                  evaluationPeriods: 1,
                  threshold: maxCalls,
                  comparisonOperator: "GreaterThanThreshold",
                  treatMissingData: "notBreaching",
                  ...actions,
                  tags: tagged(ALARM_SIGNALS.toolCalls, t.name),
                },
                { parent: this },
              ),
          );
    const alarms = [errorRate, costPerHour, costAnomaly, crashLoop, ...toolErrorRates, ...toolCalls];
    this.alarmNames = pulumi.all(alarms.map((a) => a.name));
    const rollback = settings.rollback;
    const deploymentAlarms = [
      ...(rollback.errorRate ? [errorRate] : []),
      ...(rollback.costPerHour ? [costPerHour] : []),
      ...(rollback.costAnomaly ? [costAnomaly] : []),
      ...(rollback.toolErrorRate ? toolErrorRates : []),
      ...(rollback.toolCalls ? toolCalls : []),
    ];
    this.deploymentAlarmNames = pulumi.all(deploymentAlarms.map((a) => a.name));

    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: stackScopedName(["airlock", agent], 255, "-", stack),
        dashboardBody: pulumi
          .all([this.logGroupName, args.clusterName, ...alarms.map((a) => a.arn)])
          .apply(([logGroupName, clusterName, ...alarmArns]) =>
            dashboardBody({ stack, agent, region: ctx.region, logGroupName: logGroupName as string, clusterName: clusterName as string, serviceName: args.serviceName, alarmArns: alarmArns as string[] }),
          ),
      },
      { parent: this },
    );
    this.dashboardName = dashboard.dashboardName;

    this.registerOutputs({
      logGroupName: this.logGroupName,
      errorRateAlarmName: this.errorRateAlarmName,
      alarmNames: this.alarmNames,
      deploymentAlarmNames: this.deploymentAlarmNames,
      dashboardName: this.dashboardName,
    });
  }
}

function toMetricQuery(q: MetricQuery): aws.types.input.cloudwatch.MetricAlarmMetricQuery {
  return {
    id: q.id,
    returnData: q.returnData,
    ...(q.expression ? { expression: q.expression } : {}),
    ...(q.label ? { label: q.label } : {}),
    ...(q.metric ? { metric: { ...q.metric, dimensions: { ...q.metric.dimensions } } } : {}),
  };
}
