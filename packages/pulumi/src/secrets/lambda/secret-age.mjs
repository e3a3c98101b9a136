// Airlock's secret age monitor: for keys that cannot rotate automatically, it writes each
// secret's age in days as a CloudWatch embedded metric; an alarm fires past the manifest's
// maxAgeDays. A secret with no current value reports an age that always alarms.
import { ListSecretVersionIdsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

const sm = new SecretsManagerClient({});
const NEVER_SET_DAYS = 100000;

export const handler = async () => {
  const secrets = JSON.parse(process.env.AIRLOCK_SECRETS ?? "[]");
  for (const s of secrets) {
    let age = NEVER_SET_DAYS;
    try {
      const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: s.arn }));
      const current = versions.Versions?.find((v) => v.VersionStages?.includes("AWSCURRENT"));
      if (current?.CreatedDate) age = (Date.now() - new Date(current.CreatedDate).getTime()) / 86400000;
    } catch (e) {
      console.error(JSON.stringify({ level: "error", secret: s.name, error: e.name, message: e.message }));
    }
    console.log(
      JSON.stringify({
        _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: process.env.AIRLOCK_NAMESPACE, Dimensions: [["Agent", "Secret"]], Metrics: [{ Name: "SecretAgeDays", Unit: "None" }] }] },
        Agent: process.env.AIRLOCK_AGENT,
        Secret: s.name,
        SecretAgeDays: Math.round(age * 100) / 100,
      }),
    );
  }
};
