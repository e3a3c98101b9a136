// Airlock's secret age monitor, one per platform: for keys that cannot rotate automatically it
// finds this platform's secrets by tag, and writes each one's age in days (since its current value
// was put) and that age as a percentage of its own limit (tag airlock:max-age-days) as CloudWatch
// embedded metrics; each owner's alarm fires when any of its secrets passes 100%. A secret with no
// current value reports an age that always alarms.
import { ListSecretsCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

const sm = new SecretsManagerClient({});
const NEVER_SET_DAYS = 100000;

async function* watchedSecrets() {
  let NextToken;
  do {
    const page = await sm.send(new ListSecretsCommand({ Filters: [{ Key: "tag-key", Values: ["airlock:max-age-days"] }], NextToken }));
    for (const s of page.SecretList ?? []) {
      const tags = Object.fromEntries((s.Tags ?? []).map((t) => [t.Key, t.Value]));
      if (tags["airlock:platform"] === process.env.AIRLOCK_PLATFORM) yield { arn: s.ARN, agent: tags["airlock:agent"], secret: tags["airlock:secret"], maxAgeDays: Number(tags["airlock:max-age-days"]) };
    }
    NextToken = page.NextToken;
  } while (NextToken);
}

export const handler = async () => {
  for await (const s of watchedSecrets()) {
    let age = NEVER_SET_DAYS;
    try {
      const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: s.arn }));
      const current = versions.Versions?.find((v) => v.VersionStages?.includes("AWSCURRENT"));
      if (current?.CreatedDate) age = (Date.now() - new Date(current.CreatedDate).getTime()) / 86400000;
    } catch (e) {
      console.error(JSON.stringify({ level: "error", secret: s.secret, agent: s.agent, error: e.name, message: e.message }));
    }
    console.log(ageLine(s, age, Date.now()));
  }
};

/** One EMF line: the secret's age in days (per secret) and as a percentage of its limit (per owner). */
export function ageLine(s, ageDays, now) {
  const limit = s.maxAgeDays > 0 ? s.maxAgeDays : 1; // a missing limit tag alarms rather than hides
  const namespace = process.env.AIRLOCK_NAMESPACE;
  return JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        { Namespace: namespace, Dimensions: [["Agent", "Secret"]], Metrics: [{ Name: "SecretAgeDays", Unit: "None" }] },
        { Namespace: namespace, Dimensions: [["Agent"]], Metrics: [{ Name: "SecretAgePercentOfLimit", Unit: "Percent" }] },
      ],
    },
    Agent: s.agent,
    Secret: s.secret,
    SecretAgeDays: Math.round(ageDays * 100) / 100,
    SecretAgePercentOfLimit: Math.round((ageDays / limit) * 10000) / 100,
  });
}
