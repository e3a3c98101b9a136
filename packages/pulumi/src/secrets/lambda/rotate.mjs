// Airlock's built-in rotation function for secrets whose value Airlock generates.
// Secrets Manager calls it in four steps; consumers read the value at start-up, so setSecret has
// nothing to push. Runs on nodejs24.x (ES module, async handler), whose AWS SDK v3 is built in.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { randomBytes } from "node:crypto";

const sm = new SecretsManagerClient({});

export const handler = async (event) => {
  const { SecretId: arn, ClientRequestToken: token, Step: step } = event;
  const meta = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
  if (!meta.RotationEnabled) throw new Error(`rotation is not enabled for ${arn}`);
  const stages = meta.VersionIdsToStages?.[token];
  if (!stages) throw new Error(`version ${token} of ${arn} has no stage`);
  if (stages.includes("AWSCURRENT")) return;
  if (!stages.includes("AWSPENDING")) throw new Error(`version ${token} of ${arn} is not AWSPENDING`);
  const lengthTag = meta.Tags?.find((t) => t.Key === "airlock:length")?.Value;
  const length = Math.max(16, Number(lengthTag ?? 48) || 48);

  if (step === "createSecret") {
    try {
      await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: "AWSPENDING" }));
    } catch (e) {
      if (e.name !== "ResourceNotFoundException") throw e;
      const value = randomBytes(length).toString("base64url").slice(0, length);
      await sm.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: value, VersionStages: ["AWSPENDING"] }));
    }
  } else if (step === "setSecret") {
    // Nothing to push: every consumer reads the value from Secrets Manager.
  } else if (step === "testSecret") {
    const pending = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: "AWSPENDING" }));
    if (typeof pending.SecretString !== "string" || pending.SecretString.length < 16) throw new Error(`pending value of ${arn} is too short`);
  } else if (step === "finishSecret") {
    const current = Object.entries(meta.VersionIdsToStages).find(([, s]) => s.includes("AWSCURRENT"))?.[0];
    if (current === token) return;
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: "AWSCURRENT", MoveToVersionId: token, RemoveFromVersionId: current }));
  } else {
    throw new Error(`unknown rotation step ${step}`);
  }
};
