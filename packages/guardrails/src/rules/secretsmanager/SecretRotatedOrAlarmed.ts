/**
 * Every secret either rotates (a `aws:secretsmanager/secretRotation:SecretRotation` on it) or has a
 * max-age alarm, so a key nobody rotates cannot quietly live forever. An alarm watches a secret
 * when it refers to it (by ARN or name), when its dimensions are `Secret` = the secret's
 * `airlock:secret` tag and `Agent` = its `airlock:agent` tag, or when it is its owner's alarm on
 * the age monitor's `SecretAgePercentOfLimit` (dimension `Agent` = the secret's `airlock:agent`
 * tag) and the secret carries the limit the monitor measures it against (`airlock:max-age-days`).
 */
import { isRecord, refersTo, tagsOf } from "../../support.ts";
import { CLOUDWATCH_METRIC_ALARM as ALARM, SECRETSMANAGER_SECRET as SECRET, SECRETSMANAGER_SECRET_ROTATION as ROTATION } from "../../types.ts";
import type { StackInput, StackResource, StackRule, StackViolation } from "../../rule.ts";

/** The platform age monitor's per-owner metric (packages/pulumi SECRET_AGE_PERCENT_METRIC). */
const AGE_PERCENT_METRIC = "SecretAgePercentOfLimit";

function alarmWatches(alarm: StackResource, secret: StackResource): boolean {
  if (refersTo(alarm.props, secret)) return true;
  const dims = isRecord(alarm.props.dimensions) ? alarm.props.dimensions : {};
  const tags = tagsOf(secret.props);
  if (alarm.props.metricName === AGE_PERCENT_METRIC && dims.Secret === undefined) {
    return tags["airlock:agent"] !== undefined && dims.Agent === tags["airlock:agent"] && tags["airlock:max-age-days"] !== undefined;
  }
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
