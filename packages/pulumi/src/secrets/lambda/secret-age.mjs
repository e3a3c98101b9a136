// Airlock's secret age monitor, one per platform and stack: for keys that cannot rotate
// automatically it finds its own secrets by tag (`airlock:platform` and `airlock:stack` equal to
// its AIRLOCK_PLATFORM and AIRLOCK_STACK, so another stack of the same program in the account is
// never measured), and writes each one's age in days (since its current value was put) and that
// age as a percentage of its own limit (tag airlock:max-age-days) as CloudWatch embedded metrics,
// with the dimensions Stack and Agent (the owner); each owner's alarm fires when any of its
// secrets passes 100%. A secret with no current value reports an age that always alarms.
//
// Runs on nodejs24.x (ES module, async handler) with the AWS SDK v3 the runtime includes. The
// client is injectable (`createHandler`) so tests run it with a stub.
import { ListSecretsCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DIMENSIONS, SECRET_AGE_ENV, SECRET_AGE_METRICS, TAGS } from "@airlock/core/contracts";

const { ageDays: AGE_DAYS, percentOfLimit: PERCENT_OF_LIMIT } = SECRET_AGE_METRICS.names;

const NEVER_SET_DAYS = 100000;

function need(env, name, what) {
  const v = env[name];
  if (v === undefined || v === "") throw new Error(`\`${name}\`: not set; the SecretFunctions component sets it to ${what}`);
  return v;
}

async function* watchedSecrets(sm, platform, stack) {
  let NextToken;
  do {
    const page = await sm.send(new ListSecretsCommand({ Filters: [{ Key: "tag-key", Values: [TAGS.maxAgeDays] }], NextToken }));
    for (const s of page.SecretList ?? []) {
      const tags = Object.fromEntries((s.Tags ?? []).map((t) => [t.Key, t.Value]));
      if (tags[TAGS.platform] !== platform || tags[TAGS.stack] !== stack || tags[TAGS.maxAgeDays] === undefined) continue;
      yield { arn: s.ARN, agent: tags[TAGS.agent], secret: tags[TAGS.secret], maxAgeDays: Number(tags[TAGS.maxAgeDays]) };
    }
    NextToken = page.NextToken;
  } while (NextToken);
}

/**
 * The monitor for this client and environment (AIRLOCK_PLATFORM, AIRLOCK_STACK, AIRLOCK_NAMESPACE):
 * `log` receives each metric line, `error` each secret that could not be read.
 */
export function createHandler({ secretsManager: sm, env = process.env, now = Date.now, log = console.log, error = console.error }) {
  return async () => {
    const stack = need(env, SECRET_AGE_ENV.stack, "the stack the monitor belongs to");
    const platform = need(env, SECRET_AGE_ENV.platform, "the platform the monitor belongs to");
    const namespace = need(env, SECRET_AGE_ENV.namespace, "the namespace the age alarms read");
    for await (const s of watchedSecrets(sm, platform, stack)) {
      let age = NEVER_SET_DAYS;
      try {
        const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: s.arn }));
        const current = versions.Versions?.find((v) => v.VersionStages?.includes("AWSCURRENT"));
        if (current?.CreatedDate) age = (now() - new Date(current.CreatedDate).getTime()) / 86400000;
      } catch (e) {
        error(JSON.stringify({ level: "error", secret: s.secret, agent: s.agent, error: e.name, message: e.message }));
      }
      log(ageLine(s, age, now(), { namespace, stack }));
    }
  };
}

/**
 * One EMF line: the secret's age in days (per stack, owner and secret) and as a percentage of its
 * limit (per stack and owner: what the owner's alarm reads).
 */
export function ageLine(s, ageDays, now, { namespace, stack }) {
  const limit = s.maxAgeDays > 0 ? s.maxAgeDays : 1; // a missing limit tag alarms rather than hides
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        { Namespace: namespace, Dimensions: [[...SECRET_AGE_METRICS.dimensions.perSecret]], Metrics: [{ Name: AGE_DAYS, Unit: "None" }] },
        { Namespace: namespace, Dimensions: [[...SECRET_AGE_METRICS.dimensions.perAgent]], Metrics: [{ Name: PERCENT_OF_LIMIT, Unit: "Percent" }] },
      ],
    },
    [DIMENSIONS.stack]: stack,
    [DIMENSIONS.agent]: s.agent,
    [DIMENSIONS.secret]: s.secret,
    [AGE_DAYS]: Math.round(ageDays * 100) / 100,
    [PERCENT_OF_LIMIT]: Math.round((ageDays / limit) * 10000) / 100,
  });
}

let live;

export const handler = async () => {
  live ??= createHandler({ secretsManager: new SecretsManagerClient({}) });
  return live();
};
