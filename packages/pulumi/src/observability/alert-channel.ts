/**
 * AlertChannel: an encrypted SNS topic that alarms and ECS events publish to, delivered to Slack
 * through AWS Chatbot (a channel that can read, never act) and optionally to email.
 *
 * Publishers (the topic policy): CloudWatch alarms of this account, and EventBridge only for the
 * one task-stopped rule that targets the topic ("For EventBridge event bus rule targets, the value
 * of aws:SourceArn must be the rule ARN",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html).
 * The topic is encrypted with the platform key, whose key policy must let both services use it
 * (kms:GenerateDataKey and kms:Decrypt, https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
 * Physical names (topic, rule, Chatbot configuration) are unique to the stack.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TOKENS, TAGS, type RoleKind } from "@airlock/core/contracts";
import type { AwsContext } from "../aws-context.ts";
import { fitName, stackScopedName } from "../naming.ts";
import { policyJson } from "../policy.ts";
import { isResolved, markResolved } from "./resolved.ts";

/** Pulumi type token of {@link AlertChannel}. */
export const ALERT_CHANNEL_TOKEN = COMPONENT_TOKENS.alertChannel;

/** Where alarms go. */
export interface AlertTargets {
  /** Slack channel for AWS Chatbot (the workspace must be authorised in the Chatbot console once). @default - no Slack delivery */
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  /** Email addresses subscribed to the alarm topic (each confirms by email). @default - none */
  readonly emails?: readonly string[];
}

/** SNS's longest topic name. */
const TOPIC_NAME_MAX = 256;
/** EventBridge's longest rule name. */
const RULE_NAME_MAX = 64;
/** AWS Chatbot's longest configuration name. */
const CHATBOT_NAME_MAX = 128;

/**
 * The physical name of the task-stopped rule that publishes to the topic named `topicName`: a
 * function of the topic's name, so the topic's policy can name exactly the rule's ARN.
 */
export function taskStoppedRuleName(topicName: string): string {
  return fitName(`${topicName.replace(/-alarms$/, "")}-task-stopped`, RULE_NAME_MAX);
}

/** Arguments of {@link AlertChannel}. */
export interface AlertChannelArgs {
  /** Physical name stem: the topic is `airlock-<stack>-<topicName>-alarms`. */
  readonly topicName: string;
  /** Account, partition and region to deploy into. */
  readonly aws: AwsContext;
  /** The platform key the topic is encrypted with (its key policy must let CloudWatch and EventBridge use it). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * Where alarms go: targets checked here, or {@link ResolvedAlertTargets} checked already (what
   * AgentPlatform and AgentDeployment pass, from {@link resolveAlertTargets}). @default - the topic only
   */
  readonly targets?: AlertTargets | ResolvedAlertTargets;
  /** Tags on every taggable child. */
  readonly tags: Record<string, string>;
}

declare const resolvedTargets: unique symbol;

/**
 * {@link AlertTargets} checked, as copies (`emails` empty when none were given): what
 * {@link resolveAlertTargets} returns and AlertChannel takes as it is.
 */
export interface ResolvedAlertTargets {
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  readonly emails: readonly string[];
  /** @internal */
  readonly [resolvedTargets]: true;
}

const KIND = "alert targets";

/**
 * The one check of alert targets: each email an address, the Slack ids of the right shape. Given
 * targets it returned before, it returns them as they are (see observability/resolved.ts).
 *
 * @param alerts - the caller's targets (or resolved ones); none: the topic only
 * @param field - the argument's name, for the messages
 * @throws Error naming the field (`alerts.emails[<i>]`, `alerts.slack`) when a target is malformed
 */
export function resolveAlertTargets(alerts: AlertTargets | ResolvedAlertTargets | undefined, field = "alerts"): ResolvedAlertTargets {
  if (isResolved<ResolvedAlertTargets>(alerts, KIND)) return alerts;
  const given = alerts?.emails ?? [];
  for (const [i, e] of given.entries()) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)) throw new Error(`\`${field}.emails[${i}]\`: "${e}" is not an email address`);
  }
  const slack = alerts?.slack;
  if (slack && (!/^T[A-Z0-9]{6,}$/.test(slack.workspaceId) || !/^[CG][A-Z0-9]{6,}$/.test(slack.channelId))) {
    throw new Error(`\`${field}.slack\`: give the Slack workspace id (T…) and channel id (C…), as shown in Slack's channel details`);
  }
  const targets = { ...(slack ? { slack: Object.freeze({ workspaceId: slack.workspaceId, channelId: slack.channelId }) } : {}), emails: Object.freeze([...given]) };
  return markResolved(targets, KIND) as ResolvedAlertTargets;
}

/** Pure check of the alert targets ({@link resolveAlertTargets}, its result dropped). */
export function validateAlerts(alerts: AlertTargets | undefined, field = "alerts"): void {
  resolveAlertTargets(alerts, field);
}

/**
 * AlertChannel: an encrypted SNS topic that alarms and ECS events publish to, delivered to Slack
 * through AWS Chatbot (a channel that can read, never act) and optionally to email. Only CloudWatch
 * alarms of this account, and EventBridge for the one task-stopped rule that targets the topic, may
 * publish. Physical names are unique to the stack.
 */
export class AlertChannel extends pulumi.ComponentResource {
  /** ARN of the SNS topic alarms publish to. */
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AlertChannelArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked here, before the component registers, unless resolved already (by the platform or the
    // deployment that builds this channel): then used as they are.
    const targets = resolveAlertTargets(args.targets);
    super(ALERT_CHANNEL_TOKEN, name, {}, opts);
    const { aws: ctx, tags } = args;
    const topicName = stackScopedName(["airlock", args.topicName, "alarms"], TOPIC_NAME_MAX);
    const topic = new aws.sns.Topic(`${name}-topic`, { name: topicName, kmsMasterKeyId: args.kmsKeyArn, tags }, { parent: this });
    // The one EventBridge rule that may publish here (taskStoppedRule names it from the topic).
    const ruleArn = pulumi.interpolate`arn:${ctx.partition}:events:${ctx.region}:${ctx.accountId}:rule/${taskStoppedRuleName(topicName)}`;
    new aws.sns.TopicPolicy(
      `${name}-topic`,
      {
        arn: topic.arn,
        policy: policyJson([
          {
            Sid: "AlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["sns:Publish"],
            Resource: [topic.arn],
            Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
          },
          {
            Sid: "TaskStoppedRulePublishes",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: ["sns:Publish"],
            Resource: [topic.arn],
            Condition: { ArnEquals: { "aws:SourceArn": ruleArn }, StringEquals: { "aws:SourceAccount": ctx.accountId } },
          },
          { Sid: "DenyWithoutTls", Effect: "Deny", Principal: "*", Action: ["sns:Publish"], Resource: [topic.arn], Condition: { Bool: { "aws:SecureTransport": "false" } } },
        ]),
      },
      { parent: this },
    );
    for (const email of targets.emails) {
      new aws.sns.TopicSubscription(`${name}-email-${email.replace(/[^a-z0-9]/gi, "-")}`, { topic: topic.arn, protocol: "email", endpoint: email }, { parent: this });
    }
    const slack = targets.slack;
    if (slack) {
      const role = new aws.iam.Role(
        `${name}-chatbot`,
        {
          description: `${args.topicName}: AWS Chatbot posts alarms to Slack; it may do nothing else`,
          assumeRolePolicy: policyJson([{ Sid: "AssumeFromChatbot", Effect: "Allow", Principal: { Service: "chatbot.amazonaws.com" }, Action: ["sts:AssumeRole"] }]),
          tags: { ...tags, [TAGS.role]: "chatbot" satisfies RoleKind },
        },
        { parent: this },
      );
      new aws.chatbot.SlackChannelConfiguration(
        `${name}-slack`,
        {
          configurationName: stackScopedName(["airlock", args.topicName], CHATBOT_NAME_MAX),
          slackTeamId: slack.workspaceId,
          slackChannelId: slack.channelId,
          iamRoleArn: role.arn,
          // Nobody can run commands from the channel: the guardrail denies every action.
          guardrailPolicyArns: [pulumi.interpolate`arn:${ctx.partition}:iam::aws:policy/AWSDenyAll`],
          snsTopicArns: [topic.arn],
          loggingLevel: "ERROR",
          tags,
        },
        { parent: this },
      );
    }
    this.topicArn = topic.arn;
    this.registerOutputs({ topicArn: this.topicArn });
  }
}

/**
 * Reports every service task of the cluster that stops on its own (a crash or a failed start) to
 * `topicArn`: the tasks of `group` (`service:<service name>`), else of every service. Tasks
 * started with RunTask (group `family:<family>`: the sandbox tasks agents start on purpose) never
 * page. One such rule per topic: its name derives from the topic's, which the topic's policy
 * (AlertChannel) lets publish.
 */
export function taskStoppedRule(
  name: string,
  args: { clusterArn: pulumi.Input<string>; group?: string; topicArn: pulumi.Input<string>; label: string; tags: Record<string, string> },
  parent: pulumi.Resource,
): void {
  const rule = new aws.cloudwatch.EventRule(
    name,
    {
      name: pulumi.output(args.topicArn).apply((arn) => taskStoppedRuleName(arn.slice(arn.lastIndexOf(":") + 1))),
      description: `${args.label}: a task stopped without being asked to`,
      eventPattern: pulumi.jsonStringify({
        source: ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        detail: {
          clusterArn: [args.clusterArn],
          // ECS sets `group` to `service:<name>` for a service's tasks, `family:<family>` for RunTask.
          group: args.group ? [args.group] : [{ prefix: "service:" }],
          lastStatus: ["STOPPED"],
          stopCode: ["EssentialContainerExited", "TaskFailedToStart"],
        },
      }),
      tags: args.tags,
    },
    { parent },
  );
  new aws.cloudwatch.EventTarget(
    name,
    {
      rule: rule.name,
      arn: args.topicArn,
      inputTransformer: {
        inputPaths: { group: "$.detail.group", task: "$.detail.taskArn", reason: "$.detail.stoppedReason", code: "$.detail.stopCode", definition: "$.detail.taskDefinitionArn" },
        inputTemplate: `"${args.label}: <group> task <task> (<definition>) stopped: <code> — <reason>"`,
      },
    },
    { parent },
  );
}
