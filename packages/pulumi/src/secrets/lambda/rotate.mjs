// Airlock's built-in rotation function for secrets whose value Airlock generates.
// Secrets Manager calls it in four steps. Consumers read the value from Secrets Manager (an ECS
// task at start-up), so setSecret has nothing to push; instead, once finishSecret has made the new
// value current, the ECS services named in the secret's `airlock:redeploy` tag
// (`<cluster name>/<service name>`, space-separated) get a new deployment, so their running tasks
// are replaced by tasks that read the new value. A failed redeploy is logged as a rotation failure
// and leaves the rotation done: the new value stays current (undoing it would strand every
// consumer that already read it), and the message says how to redeploy by hand.
//
// Runs on nodejs24.x (ES module, async handler) with the AWS SDK v3 the runtime includes. The
// clients are injectable (`createHandler`) so tests run every step with stubs.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { randomBytes } from "node:crypto";
import { TAGS } from "@airlock/core/contracts";

/** The tag naming the ECS services to redeploy once a new value is current. */
export const REDEPLOY_TAG = TAGS.redeploy;
/** ECS cluster and service names: letters, digits, `-` and `_`, at most 255. */
const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** The `<cluster>/<service>` entries of the secret's redeploy tag, and the entries that are not. */
export function redeployTargets(tags) {
  const value = (tags ?? []).find((t) => t.Key === REDEPLOY_TAG)?.Value ?? "";
  const targets = [];
  const invalid = [];
  for (const entry of value.split(/\s+/).filter((e) => e !== "")) {
    const parts = entry.split("/");
    if (parts.length === 2 && ECS_NAME.test(parts[0]) && ECS_NAME.test(parts[1])) targets.push({ cluster: parts[0], service: parts[1] });
    else invalid.push(entry);
  }
  return { targets, invalid };
}

/**
 * The rotation handler for these clients:
 * - `secretsManager`: `send(command)` (a SecretsManagerClient);
 * - `ecs`: `updateService(input)` (the shape of the SDK's aggregated `ECS` client);
 * - `log(level, line)`: one JSON line per event worth reading.
 */
export function createHandler({ secretsManager: sm, ecs, log }) {
  const emit = (level, fields) => log(level, JSON.stringify({ level, ...fields }));

  async function redeploy(arn, tags) {
    const { targets, invalid } = redeployTargets(tags);
    for (const entry of invalid) {
      emit("error", { message: `rotation failure: the new value is current, but tag ${REDEPLOY_TAG} entry ${JSON.stringify(entry)} is not <cluster name>/<service name>; no service was redeployed`, secret: arn, step: "finishSecret" });
    }
    for (const { cluster, service } of targets) {
      try {
        await ecs.updateService({ cluster, service, forceNewDeployment: true });
        emit("info", { message: `rotation: new deployment of ECS service ${cluster}/${service} started, so its tasks read the new value`, secret: arn, cluster, service });
      } catch (e) {
        if (e?.name === "ServiceNotFoundException" || e?.name === "ServiceNotActiveException") {
          // A first deployment rotates before the service exists: its tasks will read the current value.
          emit("warn", { message: `rotation: ECS service ${cluster}/${service} does not exist (yet); nothing runs with the old value`, secret: arn, cluster, service });
          continue;
        }
        emit("error", {
          message: `rotation failure: the new value is current, but ECS service ${cluster}/${service} was not redeployed (${e?.name}: ${e?.message}); its running tasks keep the old value until they restart: aws ecs update-service --cluster ${cluster} --service ${service} --force-new-deployment`,
          secret: arn,
          step: "finishSecret",
          cluster,
          service,
          error: e?.name,
        });
      }
    }
  }

  return async (event) => {
    const { SecretId: arn, ClientRequestToken: token, Step: step } = event;
    const meta = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    if (!meta.RotationEnabled) throw new Error(`rotation is not enabled for ${arn}`);
    const stages = meta.VersionIdsToStages?.[token];
    if (!stages) throw new Error(`version ${token} of ${arn} has no stage`);
    if (stages.includes("AWSCURRENT")) return;
    if (!stages.includes("AWSPENDING")) throw new Error(`version ${token} of ${arn} is not AWSPENDING`);
    const lengthTag = meta.Tags?.find((t) => t.Key === TAGS.secretLength)?.Value;
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
      await redeploy(arn, meta.Tags);
    } else {
      throw new Error(`unknown rotation step ${step}`);
    }
  };
}

/** ECS through the runtime's SDK, loaded on first use (only secrets with a redeploy tag need it). */
function runtimeEcs() {
  let client;
  return {
    async updateService(input) {
      const { ECSClient, UpdateServiceCommand } = await import("@aws-sdk/client-ecs");
      client ??= new ECSClient({});
      return client.send(new UpdateServiceCommand(input));
    },
  };
}

let live;

export const handler = async (event) => {
  live ??= createHandler({
    secretsManager: new SecretsManagerClient({}),
    ecs: runtimeEcs(),
    log: (level, line) => (level === "error" ? console.error(line) : level === "warn" ? console.warn(line) : console.log(line)),
  });
  return live(event);
};
