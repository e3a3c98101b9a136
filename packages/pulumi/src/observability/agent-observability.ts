/**
 * AgentObservability: an agent's log group (KMS, retention, credential masking) and the SNS topic
 * its alarms notify.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AgentModel } from "@airlock/core";
import { checkRetention, secureLogGroup } from "./secure-log-group.ts";

export const AGENT_OBSERVABILITY_TOKEN = "airlock:observability:AgentObservability";

export interface AgentObservabilityArgs {
  readonly model: AgentModel;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** @default 90 */
  readonly logRetentionDays?: number;
  readonly tags: Record<string, string>;
}

export class AgentObservability extends pulumi.ComponentResource {
  readonly logGroupName: pulumi.Output<string>;
  readonly logGroupArn: pulumi.Output<string>;
  readonly alarmTopicArn: pulumi.Output<string>;

  constructor(name: string, args: AgentObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AGENT_OBSERVABILITY_TOKEN, name, {}, opts);
    const retention = args.logRetentionDays ?? 90;
    checkRetention(retention, "logRetentionDays");
    const logs = secureLogGroup(`${name}-logs`, { logGroupName: `/airlock/${args.model.name}/agent`, kmsKeyArn: args.kmsKeyArn, retentionInDays: retention, tags: args.tags }, this);
    this.logGroupName = logs.name;
    this.logGroupArn = logs.arn;
    const topic = new aws.sns.Topic(`${name}-alarms`, { name: `airlock-${args.model.name}-alarms`, kmsMasterKeyId: args.kmsKeyArn, tags: args.tags }, { parent: this });
    this.alarmTopicArn = topic.arn;
    this.registerOutputs({ logGroupName: this.logGroupName, alarmTopicArn: this.alarmTopicArn });
  }
}
