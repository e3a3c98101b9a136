/**
 * Every secret either rotates (a `aws:secretsmanager/secretRotation:SecretRotation` on it) or has a
 * max-age alarm (a CloudWatch metric alarm that refers to it, by ARN, name, or the dimensions
 * `Secret` = its `airlock:secret` tag and `Agent` = its `airlock:agent` tag), so a key nobody
 * rotates cannot quietly live forever.
 */
import { isRecord, refersTo, tagsOf } from "../../support.ts";
import type { StackInput, StackResource, StackRule, StackViolation } from "../../rule.ts";
import { SECRET } from "./SecretEncryptedWithKms.ts";

const ROTATION = "aws:secretsmanager/secretRotation:SecretRotation";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

function alarmWatches(alarm: StackResource, secret: StackResource): boolean {
  if (refersTo(alarm.props, secret)) return true;
  const dims = isRecord(alarm.props.dimensions) ? alarm.props.dimensions : {};
  const tags = tagsOf(secret.props);
  const tagged = tags["airlock:secret"];
  if (tagged === undefined || dims.Secret !== tagged) return false;
  return tags["airlock:agent"] === undefined || dims.Agent === tags["airlock:agent"];
}

export const SecretRotatedOrAlarmed: StackRule = {
  kind: "stack",
  name: "SecretRotatedOrAlarmed",
  check({ resources }: StackInput): StackViolation[] {
    const rotations = resources.filter((r) => r.type === ROTATION);
    const alarms = resources.filter((r) => r.type === ALARM);
    return resources
      .filter((r) => r.type === SECRET)
      .filter((s) => !rotations.some((r) => refersTo({ secretId: r.props.secretId }, s)) && !alarms.some((a) => alarmWatches(a, s)))
      .map((s) => ({
        subject: s.urn,
        message: `secret \`${s.name}\` neither rotates nor has a max-age alarm; add a SecretRotation, or an alarm on its age for keys rotated by hand`,
      }));
  },
};
