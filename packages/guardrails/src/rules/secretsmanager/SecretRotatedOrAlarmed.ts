/**
 * Every secret either rotates (a `aws:secretsmanager/secretRotation:SecretRotation` on it) or has a
 * max-age alarm, so a key nobody rotates cannot quietly live forever. An alarm watches a secret
 * when it refers to it (by ARN or name), when its dimensions are `Secret` = the secret's
 * `airlock:secret` tag and `Agent` = its `airlock:agent` tag, or when it is its owner's alarm on
 * the age monitor's `SecretAgePercentOfLimit` (dimension `Agent` = the secret's `airlock:agent`
 * tag) and the secret carries the limit the monitor measures it against (`airlock:max-age-days`).
 */
import { DIMENSIONS, SECRET_AGE_METRICS, TAGS } from "@airlock/core/contracts";
import { isRecord, refersTo, tagsOf } from "../../support.ts";
import { CLOUDWATCH_METRIC_ALARM as ALARM, SECRETSMANAGER_SECRET as SECRET, SECRETSMANAGER_SECRET_ROTATION as ROTATION } from "../../types.ts";
import type { StackInput, StackResource, StackRule, StackViolation } from "../../rule.ts";

/** The platform age monitor's per-owner metric. */
const AGE_PERCENT_METRIC = SECRET_AGE_METRICS.names.percentOfLimit;
const { agent: AGENT, secret: SECRET_DIM } = DIMENSIONS;

function alarmWatches(alarm: StackResource, secret: StackResource): boolean {
  if (refersTo(alarm.props, secret)) return true;
  const dims = isRecord(alarm.props.dimensions) ? alarm.props.dimensions : {};
  const tags = tagsOf(secret.props);
  if (alarm.props.metricName === AGE_PERCENT_METRIC && dims[SECRET_DIM] === undefined) {
    return tags[TAGS.agent] !== undefined && dims[AGENT] === tags[TAGS.agent] && tags[TAGS.maxAgeDays] !== undefined;
  }
  const tagged = tags[TAGS.secret];
  if (tagged === undefined || dims[SECRET_DIM] !== tagged) return false;
  return tags[TAGS.agent] === undefined || dims[AGENT] === tags[TAGS.agent];
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
