/**
 * AlertChannel: an encrypted SNS topic that alarms and ECS events publish to, delivered to Slack
 * through AWS Chatbot (a channel that can read, never act) and optionally to email.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../aws-context.ts";
import { policyJson } from "../policy.ts";

export const ALERT_CHANNEL_TOKEN = "airlock:observability:AlertChannel";

/** Where alarms go. */
export interface AlertTargets {
  /** Slack channel for AWS Chatbot (the workspace must be authorised in the Chatbot console once). @default - no Slack delivery */
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  /** Email addresses subscribed to the alarm topic (each confirms by email). @default - none */
  readonly emails?: readonly string[];
}

export interface AlertChannelArgs {
  /** Physical name stem: the topic is `airlock-<topicName>-alarms`. */
  readonly topicName: string;
  readonly aws: AwsContext;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** @default - the topic only */
  readonly targets?: AlertTargets;
  readonly tags: Record<string, string>;
}

/** Pure check of the alert targets. */
export function validateAlerts(alerts: AlertTargets | undefined, field = "alerts"): void {
  for (const [i, e] of (alerts?.emails ?? []).entries()) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)) throw new Error(`\`${field}.emails[${i}]\`: "${e}" is not an email address`);
  }
  const slack = alerts?.slack;
  if (slack && (!/^T[A-Z0-9]{6,}$/.test(slack.workspaceId) || !/^[CG][A-Z0-9]{6,}$/.test(slack.channelId))) {
    throw new Error(`\`${field}.slack\`: give the Slack workspace id (T…) and channel id (C…), as shown in Slack's channel details`);
  }
}

export class AlertChannel extends pulumi.ComponentResource {
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AlertChannelArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ALERT_CHANNEL_TOKEN, name, {}, opts);
    validateAlerts(args.targets);
    const { aws: ctx, tags } = args;
    const topic = new aws.sns.Topic(`${name}-topic`, { name: `airlock-${args.topicName}-alarms`, kmsMasterKeyId: args.kmsKeyArn, tags }, { parent: this });
    new aws.sns.TopicPolicy(
      `${name}-topic`,
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
          { Sid: "DenyWithoutTls", Effect: "Deny", Principal: "*", Action: ["sns:Publish"], Resource: [topic.arn], Condition: { Bool: { "aws:SecureTransport": "false" } } },
        ]),
      },
      { parent: this },
    );
    for (const email of args.targets?.emails ?? []) {
      new aws.sns.TopicSubscription(`${name}-email-${email.replace(/[^a-z0-9]/gi, "-")}`, { topic: topic.arn, protocol: "email", endpoint: email }, { parent: this });
    }
    const slack = args.targets?.slack;
    if (slack) {
      const role = new aws.iam.Role(
        `${name}-chatbot`,
        {
          description: `${args.topicName}: AWS Chatbot posts alarms to Slack; it may do nothing else`,
          assumeRolePolicy: policyJson([{ Sid: "AssumeFromChatbot", Effect: "Allow", Principal: { Service: "chatbot.amazonaws.com" }, Action: ["sts:AssumeRole"] }]),
          tags: { ...tags, "airlock:role": "chatbot" },
        },
        { parent: this },
      );
      new aws.chatbot.SlackChannelConfiguration(
        `${name}-slack`,
        {
          configurationName: `airlock-${args.topicName}`,
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

/** Reports every task of `group` that stops on its own (a crash or a failed start) to `topicArn`. */
export function taskStoppedRule(
  name: string,
  args: { clusterArn: pulumi.Input<string>; group?: string; topicArn: pulumi.Input<string>; label: string; tags: Record<string, string> },
  parent: pulumi.Resource,
): void {
  const rule = new aws.cloudwatch.EventRule(
    name,
    {
      description: `${args.label}: a task stopped without being asked to`,
      eventPattern: pulumi.jsonStringify({
        source: ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        detail: {
          clusterArn: [args.clusterArn],
          ...(args.group ? { group: [args.group] } : {}),
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
