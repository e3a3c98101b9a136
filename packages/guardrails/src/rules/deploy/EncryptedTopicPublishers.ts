/**
 * An SNS topic encrypted with a KMS key (`kmsMasterKeyId`) that AWS services publish to: EventBridge
 * (an `aws.cloudwatch.EventTarget` whose `arn` is the topic) and CloudWatch alarms (a
 * `MetricAlarm` or `CompositeAlarm` whose `alarmActions`, `okActions` or
 * `insufficientDataActions` name it). When the key is in the stack, its policy (`policy`, or an
 * `aws.kms.KeyPolicy`) must allow each publishing service principal (`events.amazonaws.com`,
 * `cloudwatch.amazonaws.com`) `kms:GenerateDataKey*` (or `kms:GenerateDataKey`) and `kms:Decrypt`;
 * a key without a policy has the default one, which admits the account only. For EventBridge the
 * topic's policy (`policy`, or an `aws.sns.TopicPolicy`) must also allow `events.amazonaws.com`
 * `sns:Publish`. A topic on the AWS managed key `alias/aws/sns` cannot admit them at all. Without
 * these the publish fails and the notification is lost (`SNS_ENCRYPTION_FACTS` in `@airlock/core`).
 *
 * Only principals and actions are read: conditions (`aws:SourceAccount`, `aws:SourceArn`, the
 * encryption context) are not evaluated, so a statement with conditions counts as allowing, and
 * the statements' resources are not matched against the key or topic either.
 */
import { ENCRYPTED_TOPIC_KEY_ACTIONS, SNS_AWS_MANAGED_KEY, SNS_ENCRYPTION_FACTS, SNS_SERVICE_PUBLISHERS } from "@airlock/core";
import type { StackInput, StackResource, StackRule, StackViolation } from "../../rule.ts";
import { attachedKeyPolicy, coversAction, knownString, names, ofType, policyStatementsOf, principalCovers, resourceLabel, stackKeyOf } from "../../support.ts";
import { CLOUDWATCH_EVENT_TARGET as EVENT_TARGET, CLOUDWATCH_METRIC_ALARM, SNS_TOPIC as TOPIC, SNS_TOPIC_POLICY as TOPIC_POLICY } from "../../types.ts";

const ALARMS = [CLOUDWATCH_METRIC_ALARM, "aws:cloudwatch/compositeAlarm:CompositeAlarm"];
const ALARM_ACTIONS = ["alarmActions", "okActions", "insufficientDataActions"];

type Publisher = "eventbridge" | "cloudwatch";
const WHO: Record<Publisher, string> = { eventbridge: "EventBridge target", cloudwatch: "CloudWatch alarm" };

function list(items: readonly StackResource[]): string {
  const shown = items.slice(0, 3).map((r) => `\`${r.name}\``).join(", ");
  return items.length > 3 ? `${shown} and ${items.length - 3} more` : shown;
}

export const EncryptedTopicPublishers: StackRule = {
  kind: "stack",
  name: "EncryptedTopicPublishers",
  check({ resources }: StackInput): StackViolation[] {
    const out: StackViolation[] = [];
    for (const topic of ofType(resources, TOPIC)) {
      const keyRef = knownString(topic.props.kmsMasterKeyId);
      if (keyRef === undefined) continue;
      const publishers: Record<Publisher, StackResource[]> = {
        eventbridge: ofType(resources, EVENT_TARGET).filter((t) => names(t.props.arn, topic, t)),
        cloudwatch: resources.filter((a) => ALARMS.includes(a.type) && ALARM_ACTIONS.some((f) => names(a.props[f], topic, a))),
      };
      const kinds = (Object.keys(publishers) as Publisher[]).filter((k) => publishers[k].length > 0);
      if (kinds.length === 0) continue;
      const topicLabel = knownString(topic.props.name) ?? topic.name;
      if (keyRef === SNS_AWS_MANAGED_KEY || keyRef.endsWith(`:${SNS_AWS_MANAGED_KEY}`)) {
        for (const k of kinds) {
          out.push({
            subject: topic.urn,
            message: `${resourceLabel(topic)}: encrypted with the AWS managed key \`${SNS_AWS_MANAGED_KEY}\`, whose policy cannot admit \`${SNS_SERVICE_PUBLISHERS[k]}\`, so ${WHO[k]} ${list(publishers[k])} cannot publish to it; encrypt the topic with a customer managed key whose policy allows \`${SNS_SERVICE_PUBLISHERS[k]}\` \`kms:GenerateDataKey*\` and \`kms:Decrypt\` (${SNS_ENCRYPTION_FACTS.servicePublishers.url})`,
          });
        }
        continue;
      }
      const key = stackKeyOf(topic.props.kmsMasterKeyId, topic, resources);
      if (key !== undefined) {
        const attached = attachedKeyPolicy(key, resources);
        const doc = attached?.props.policy ?? key.props.policy;
        if (doc !== "[secret]") {
          const statements = policyStatementsOf(doc).filter((s) => s.effect === "Allow");
          for (const k of kinds) {
            const principal = SNS_SERVICE_PUBLISHERS[k];
            const mine = statements.filter((s) => principalCovers(s, "Service", principal));
            const missing = [
              ...(mine.some((s) => ENCRYPTED_TOPIC_KEY_ACTIONS.dataKey.some((a) => coversAction(s, a))) ? [] : ["`kms:GenerateDataKey*`"]),
              ...(mine.some((s) => coversAction(s, ENCRYPTED_TOPIC_KEY_ACTIONS.decrypt)) ? [] : ["`kms:Decrypt`"]),
            ];
            if (missing.length === 0) continue;
            out.push({
              subject: key.urn,
              message: `${resourceLabel(key)}: its policy${doc === undefined ? " (the default, which admits only the account)" : ""} does not allow \`${principal}\` ${missing.join(" and ")}, so ${WHO[k]} ${list(publishers[k])} cannot publish to topic \`${topicLabel}\`, which the key encrypts, and the notification is lost; add a key policy statement allowing the service principal \`${principal}\` \`kms:GenerateDataKey*\` and \`kms:Decrypt\` (${k === "cloudwatch" ? SNS_ENCRYPTION_FACTS.cloudwatchAlarms.url : SNS_ENCRYPTION_FACTS.servicePublishers.url})`,
            });
          }
        }
      }
      if (publishers.eventbridge.length > 0) {
        const docs = [topic.props.policy, ...ofType(resources, TOPIC_POLICY).filter((p) => names(p.props.arn, topic, p)).map((p) => p.props.policy)].filter((d) => d !== undefined);
        if (docs.includes("[secret]")) continue;
        const principal = SNS_SERVICE_PUBLISHERS.eventbridge;
        const allowed = docs.some((d) => policyStatementsOf(d).some((s) => s.effect === "Allow" && principalCovers(s, "Service", principal) && coversAction(s, "sns:Publish")));
        if (!allowed) {
          out.push({
            subject: topic.urn,
            message: `${resourceLabel(topic)}: no topic policy allows \`${principal}\` \`sns:Publish\`, so ${WHO.eventbridge} ${list(publishers.eventbridge)} cannot publish to it (EventBridge uses the topic's resource policy); add a statement allowing the service principal \`${principal}\` \`sns:Publish\` on the topic (an aws.sns.TopicPolicy) (${SNS_ENCRYPTION_FACTS.eventBridgeTopicPolicy.url})`,
          });
        }
      }
    }
    return out;
  },
};
