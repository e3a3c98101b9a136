/**
 * AgentObservability: an agent's log group (KMS, retention, credential masking), the metrics its
 * tracer writes as EMF lines, alarms on error rate, cost and crash loops, an SNS topic delivered
 * to Slack through AWS Chatbot (and optionally email), and a dashboard.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AgentModel } from "@airlock/core";
import type { AwsContext } from "../aws-context.ts";
import { policyJson } from "../policy.ts";
import { checkRetention, secureLogGroup } from "./secure-log-group.ts";
import { costAnomalyQueries, errorRateQueries, resolveAlarmSettings, type AlarmSettings, type MetricQuery } from "./alarms.ts";
import { dashboardBody } from "./dashboard.ts";

export const AGENT_OBSERVABILITY_TOKEN = "airlock:observability:AgentObservability";

/** Where alarms go. */
export interface AlertTargets {
  /** Slack channel for AWS Chatbot (the workspace must be authorised in the Chatbot console once). @default - no Slack delivery */
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  /** Email addresses subscribed to the alarm topic (each confirms by email). @default - none */
  readonly emails?: readonly string[];
}

export interface AgentObservabilityArgs {
  readonly model: AgentModel;
  readonly aws: AwsContext;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Cluster and service the agent runs as (for the crash-loop alarm and dashboard). */
  readonly clusterArn: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  readonly serviceName: string;
  /** @default 90 */
  readonly logRetentionDays?: number;
  /** Thresholds. @default - 10% errors over 2×5 min, $20/hour, a 3σ cost anomaly band */
  readonly alarms?: AlarmSettings;
  /** @default - the topic only (subscribe to it yourself) */
  readonly alerts?: AlertTargets;
  readonly tags: Record<string, string>;
}

export class AgentObservability extends pulumi.ComponentResource {
  readonly logGroupName: pulumi.Output<string>;
  readonly logGroupArn: pulumi.Output<string>;
  readonly alarmTopicArn: pulumi.Output<string>;
  /** The error-rate alarm: also the service's deployment alarm (a release that trips it rolls back). */
  readonly errorRateAlarmName: pulumi.Output<string>;
  readonly alarmNames: pulumi.Output<string[]>;
  readonly dashboardName: pulumi.Output<string>;

  constructor(name: string, args: AgentObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AGENT_OBSERVABILITY_TOKEN, name, {}, opts);
    const { model, tags, aws: ctx } = args;
    const agent = model.name;
    const settings = resolveAlarmSettings(args.alarms);
    const retention = args.logRetentionDays ?? 90;
    checkRetention(retention, "logRetentionDays");
    validateAlerts(args.alerts);
    const slack = args.alerts?.slack;

    const logs = secureLogGroup(`${name}-logs`, { logGroupName: `/airlock/${agent}/agent`, kmsKeyArn: args.kmsKeyArn, retentionInDays: retention, tags }, this);
    this.logGroupName = logs.name;
    this.logGroupArn = logs.arn;

    // --- Alarm topic -------------------------------------------------------------------------
    const topic = new aws.sns.Topic(`${name}-alarms`, { name: `airlock-${agent}-alarms`, kmsMasterKeyId: args.kmsKeyArn, tags }, { parent: this });
    new aws.sns.TopicPolicy(
      `${name}-alarms`,
      {
        arn: topic.arn,
        policy: policyJson([
          {
            Sid: "AlarmsAndEventsPublish",
            Effect: "Allow",
            Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
            Action: ["sns:Publish"],
            Resource: [topic.arn],
            Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
          },
          {
            Sid: "DenyWithoutTls",
            Effect: "Deny",
            Principal: "*",
            Action: ["sns:Publish"],
            Resource: [topic.arn],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ]),
      },
      { parent: this },
    );
    this.alarmTopicArn = topic.arn;
    for (const email of args.alerts?.emails ?? []) {
      new aws.sns.TopicSubscription(`${name}-email-${email.replace(/[^a-z0-9]/gi, "-")}`, { topic: topic.arn, protocol: "email", endpoint: email }, { parent: this });
    }
    if (slack) {
      const chatbotRole = new aws.iam.Role(
        `${name}-chatbot`,
        {
          description: `${agent}: AWS Chatbot posts alarms to Slack; it may do nothing else`,
          assumeRolePolicy: policyJson([{ Sid: "AssumeFromChatbot", Effect: "Allow", Principal: { Service: "chatbot.amazonaws.com" }, Action: ["sts:AssumeRole"] }]),
          tags: { ...tags, "airlock:role": "chatbot" },
        },
        { parent: this },
      );
      new aws.chatbot.SlackChannelConfiguration(
        `${name}-slack`,
        {
          configurationName: `airlock-${agent}`,
          slackTeamId: slack.workspaceId,
          slackChannelId: slack.channelId,
          iamRoleArn: chatbotRole.arn,
          // Nobody can run commands from the channel: the guardrail denies every action.
          guardrailPolicyArns: [pulumi.interpolate`arn:${ctx.partition}:iam::aws:policy/AWSDenyAll`],
          snsTopicArns: [topic.arn],
          loggingLevel: "ERROR",
          tags,
        },
        { parent: this },
      );
    }
    const actions = { alarmActions: [topic.arn], okActions: [topic.arn] };

    // --- Alarms -------------------------------------------------------------------------------
    const errorRate = new aws.cloudwatch.MetricAlarm(
      `${name}-error-rate`,
      {
        name: `airlock-${agent}-error-rate`,
        alarmDescription: `${agent}: more than ${settings.errorRatePercent}% of tool and model calls failed (periods with at least ${settings.minCallsForErrorRate} calls). It is the service's deployment alarm: a new release that trips it is rolled back.`,
        metricQueries: errorRateQueries(agent, settings).map(toMetricQuery),
        comparisonOperator: "GreaterThanThreshold",
        threshold: settings.errorRatePercent,
        evaluationPeriods: settings.errorRateEvaluationPeriods,
        datapointsToAlarm: settings.errorRateEvaluationPeriods,
        treatMissingData: "notBreaching",
        ...actions,
        tags,
      },
      { parent: this },
    );
    this.errorRateAlarmName = errorRate.name;
    const costPerHour = new aws.cloudwatch.MetricAlarm(
      `${name}-cost-per-hour`,
      {
        name: `airlock-${agent}-cost-per-hour`,
        alarmDescription: `${agent}: model spend above $${settings.maxCostPerHourUsd} in an hour. Pause the agent (desired count 0) if it is looping.`,
        namespace: "Airlock/Agents",
        metricName: "CostUsd",
        dimensions: { Agent: agent },
        statistic: "Sum",
        period: 3600,
        evaluationPeriods: 1,
        threshold: settings.maxCostPerHourUsd,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        ...actions,
        tags,
      },
      { parent: this },
    );
    const costAnomaly = new aws.cloudwatch.MetricAlarm(
      `${name}-cost-anomaly`,
      {
        name: `airlock-${agent}-cost-anomaly`,
        alarmDescription: `${agent}: hourly spend is above the band CloudWatch learned from its history (${settings.costAnomalyBandWidth} standard deviations).`,
        metricQueries: costAnomalyQueries(agent, settings).map(toMetricQuery),
        thresholdMetricId: "cost_band",
        comparisonOperator: "GreaterThanUpperThreshold",
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
        ...actions,
        tags,
      },
      { parent: this },
    );
    const crashLoop = new aws.cloudwatch.MetricAlarm(
      `${name}-task-restarts`,
      {
        name: `airlock-${agent}-task-restarts`,
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
        tags,
      },
      { parent: this },
    );
    // Every task that stops on its own (crash, failed start) is reported as it happens.
    const stopped = new aws.cloudwatch.EventRule(
      `${name}-task-stopped`,
      {
        name: `airlock-${agent}-task-stopped`,
        description: `${agent}: a task stopped without being asked to`,
        eventPattern: pulumi.jsonStringify({
          source: ["aws.ecs"],
          "detail-type": ["ECS Task State Change"],
          detail: { clusterArn: [args.clusterArn], group: [`service:${args.serviceName}`], lastStatus: ["STOPPED"], stopCode: ["EssentialContainerExited", "TaskFailedToStart"] },
        }),
        tags,
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-task-stopped`,
      {
        rule: stopped.name,
        arn: topic.arn,
        inputTransformer: {
          inputPaths: { task: "$.detail.taskArn", reason: "$.detail.stoppedReason", code: "$.detail.stopCode", definition: "$.detail.taskDefinitionArn" },
          inputTemplate: `"${agent}: task <task> (<definition>) stopped: <code> — <reason>"`,
        },
      },
      { parent: this },
    );
    const alarms = [errorRate, costPerHour, costAnomaly, crashLoop];
    this.alarmNames = pulumi.all(alarms.map((a) => a.name));

    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: `airlock-${agent}`,
        dashboardBody: pulumi
          .all([logs.name, args.clusterName, ...alarms.map((a) => a.arn)])
          .apply(([logGroupName, clusterName, ...alarmArns]) =>
            dashboardBody({ agent, region: ctx.region, logGroupName: logGroupName as string, clusterName: clusterName as string, serviceName: args.serviceName, alarmArns: alarmArns as string[] }),
          ),
      },
      { parent: this },
    );
    this.dashboardName = dashboard.dashboardName;

    this.registerOutputs({
      logGroupName: this.logGroupName,
      alarmTopicArn: this.alarmTopicArn,
      errorRateAlarmName: this.errorRateAlarmName,
      alarmNames: this.alarmNames,
      dashboardName: this.dashboardName,
    });
  }
}

/** Pure check of the alert targets. */
export function validateAlerts(alerts: AlertTargets | undefined): void {
  for (const [i, e] of (alerts?.emails ?? []).entries()) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)) throw new Error(`\`alerts.emails[${i}]\`: "${e}" is not an email address`);
  }
  const slack = alerts?.slack;
  if (slack && (!/^T[A-Z0-9]{6,}$/.test(slack.workspaceId) || !/^[CG][A-Z0-9]{6,}$/.test(slack.channelId))) {
    throw new Error("`alerts.slack`: give the Slack workspace id (T…) and channel id (C…), as shown in Slack's channel details");
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
