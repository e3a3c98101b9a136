/**
 * The platform's rotation function (src/secrets/lambda/rotate.mjs), loaded as the Lambda runtime
 * loads it (plain ES module), with stubbed Secrets Manager and ECS clients: after the new value
 * becomes current, the ECS services named in the secret's `airlock:redeploy` tag get a new
 * deployment, and a failed redeploy is a logged rotation failure that leaves the rotation done.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";

const ROTATE = new URL("../src/secrets/lambda/rotate.mjs", import.meta.url).href;
const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock/test/support-agent/billing-api-token-AbCdEf";

interface Call {
  readonly client: "secretsmanager" | "ecs";
  readonly command: string;
  readonly input: Record<string, unknown>;
}

interface Stubs {
  readonly calls: Call[];
  readonly lines: { level: string; line: Record<string, unknown> }[];
  readonly handler: (event: object) => Promise<unknown>;
}

/** A secret with an old current version and the pending one being rotated in, tagged `tags`. */
async function stubbed(tags: Record<string, string>, ecsError?: { name: string; message: string }): Promise<Stubs> {
  const { createHandler } = (await import(ROTATE)) as { createHandler: (deps: object) => (event: object) => Promise<unknown> };
  const calls: Call[] = [];
  const lines: Stubs["lines"] = [];
  const secretsManager = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      calls.push({ client: "secretsmanager", command: command.constructor.name, input: command.input });
      if (command.constructor.name === "DescribeSecretCommand") {
        return {
          ARN,
          RotationEnabled: true,
          VersionIdsToStages: { "old-version": ["AWSCURRENT"], "new-version": ["AWSPENDING"] },
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        };
      }
      if (command.constructor.name === "GetSecretValueCommand") return { SecretString: "p".repeat(48) };
      return {};
    },
  };
  const ecs = {
    updateService: async (input: Record<string, unknown>) => {
      calls.push({ client: "ecs", command: "UpdateService", input });
      if (ecsError) throw Object.assign(new Error(ecsError.message), { name: ecsError.name });
      return { service: { serviceName: input.service } };
    },
  };
  const log = (level: string, line: string) => lines.push({ level, line: JSON.parse(line) });
  return { calls, lines, handler: createHandler({ secretsManager, ecs, log }) };
}

const finish = { SecretId: ARN, ClientRequestToken: "new-version", Step: "finishSecret" };

describe("rotation function: redeploy after finishSecret", () => {
  it("moves AWSCURRENT to the new version, then forces a new deployment of each service in airlock:redeploy", async () => {
    const s = await stubbed({ "airlock:length": "48", "airlock:redeploy": "acme-agents-cluster/support-agent" });
    await s.handler(finish);
    assert.deepEqual(
      s.calls.map((c) => [c.client, c.command, c.input]),
      [
        ["secretsmanager", "DescribeSecretCommand", { SecretId: ARN }],
        ["secretsmanager", "UpdateSecretVersionStageCommand", { SecretId: ARN, VersionStage: "AWSCURRENT", MoveToVersionId: "new-version", RemoveFromVersionId: "old-version" }],
        ["ecs", "UpdateService", { cluster: "acme-agents-cluster", service: "support-agent", forceNewDeployment: true }],
      ],
    );
    assert.deepEqual(s.lines, [
      { level: "info", line: { level: "info", message: "rotation: new deployment of ECS service acme-agents-cluster/support-agent started, so its tasks read the new value", secret: ARN, cluster: "acme-agents-cluster", service: "support-agent" } },
    ]);
  });

  it("reports a failed redeploy as a rotation failure without undoing the rotation", async () => {
    const s = await stubbed({ "airlock:redeploy": "acme-agents-cluster/support-agent" }, { name: "AccessDeniedException", message: "not authorized to perform: ecs:UpdateService" });
    await s.handler(finish); // resolves: the new value is current and stays so
    assert.deepEqual(s.calls.filter((c) => c.command === "UpdateSecretVersionStageCommand").length, 1, "the stage moves once and is never moved back");
    assert.deepEqual(s.lines, [
      {
        level: "error",
        line: {
          level: "error",
          message:
            "rotation failure: the new value is current, but ECS service acme-agents-cluster/support-agent was not redeployed (AccessDeniedException: not authorized to perform: ecs:UpdateService); its running tasks keep the old value until they restart: aws ecs update-service --cluster acme-agents-cluster --service support-agent --force-new-deployment",
          secret: ARN,
          step: "finishSecret",
          cluster: "acme-agents-cluster",
          service: "support-agent",
          error: "AccessDeniedException",
        },
      },
    ]);
  });

  it("only warns when the service does not exist yet (a first deployment: its tasks will read the current value)", async () => {
    const s = await stubbed({ "airlock:redeploy": "acme-agents-cluster/support-agent" }, { name: "ServiceNotFoundException", message: "Service not found." });
    await s.handler(finish);
    assert.deepEqual(s.lines.map((l) => [l.level, l.line.message]), [
      ["warn", "rotation: ECS service acme-agents-cluster/support-agent does not exist (yet); nothing runs with the old value"],
    ]);
  });

  it("redeploys nothing without the tag, nothing at the other steps, and refuses a malformed tag entry by name", async () => {
    const none = await stubbed({ "airlock:length": "48" });
    await none.handler(finish);
    assert.ok(!none.calls.some((c) => c.client === "ecs"));
    assert.deepEqual(none.lines, []);

    const early = await stubbed({ "airlock:redeploy": "acme-agents-cluster/support-agent" });
    await early.handler({ ...finish, Step: "testSecret" });
    assert.ok(!early.calls.some((c) => c.client === "ecs"));

    const bad = await stubbed({ "airlock:redeploy": "acme-agents-cluster" });
    await bad.handler(finish);
    assert.ok(!bad.calls.some((c) => c.client === "ecs"));
    assert.deepEqual(bad.lines.map((l) => [l.level, l.line.message]), [
      ["error", 'rotation failure: the new value is current, but tag airlock:redeploy entry "acme-agents-cluster" is not <cluster name>/<service name>; no service was redeployed'],
    ]);
  });

  it("reads the redeploy targets from the tag: space-separated <cluster>/<service> entries", async () => {
    const { redeployTargets } = (await import(ROTATE)) as { redeployTargets: (tags: { Key: string; Value: string }[]) => { targets: object[]; invalid: string[] } };
    assert.deepEqual(redeployTargets([{ Key: "airlock:redeploy", Value: "a/b c_1/d-2" }]), { targets: [{ cluster: "a", service: "b" }, { cluster: "c_1", service: "d-2" }], invalid: [] });
    assert.deepEqual(redeployTargets([]), { targets: [], invalid: [] });
  });
});
