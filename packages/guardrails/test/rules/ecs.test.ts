import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TaskDefinitionNoSecretEnv } from "../../src/rules/ecs/TaskDefinitionNoSecretEnv.ts";
import { ContainerReadOnlyRootFs } from "../../src/rules/ecs/ContainerReadOnlyRootFs.ts";
import { ContainerNonRootUser, isRootUser } from "../../src/rules/ecs/ContainerNonRootUser.ts";
import { ContainerDropAllCapabilities } from "../../src/rules/ecs/ContainerDropAllCapabilities.ts";
import { ContainerNotPrivileged } from "../../src/rules/ecs/ContainerNotPrivileged.ts";
import { TaskDefinitionRetained } from "../../src/rules/ecs/TaskDefinitionRetained.ts";
import { ServiceNoPublicIp } from "../../src/rules/ecs/ServiceNoPublicIp.ts";
import { LambdaNoSecretEnv } from "../../src/rules/lambda/LambdaNoSecretEnv.ts";
import { check } from "../helpers.ts";

const TD = "aws:ecs/taskDefinition:TaskDefinition";
const hardened = {
  name: "agent",
  image: "x@sha256:" + "0".repeat(64),
  user: "10001:10001",
  readonlyRootFilesystem: true,
  privileged: false,
  linuxParameters: { capabilities: { add: [], drop: ["ALL"] } },
  environment: [{ name: "TICKETS_TABLE", value: "support-tickets" }],
  secrets: [{ name: "GITHUB_TOKEN", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock/a/github-token-AbCdEf" }],
};
const td = (...containers: object[]) => ({ containerDefinitions: JSON.stringify(containers), skipDestroy: true });
const ghp = `ghp_${"aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"}`;

describe("TaskDefinitionNoSecretEnv", () => {
  it("given plain settings in environment and the key in secrets, when checked, then compliant", async () => {
    assert.deepEqual(await check(TaskDefinitionNoSecretEnv, TD, td(hardened)), { status: "compliant" });
  });
  it("given a GitHub token, a Pulumi secret and a high-entropy password in environment, when checked, then each is reported, masked", async () => {
    const env = [
      { name: "GITHUB_TOKEN", value: ghp },
      { name: "BILLING_TOKEN", value: "[secret]" },
      { name: "DB_PASSWORD", value: ["q8Zr2LmX", "4vN7tB1kP9wD"].join("") },
    ];
    assert.deepEqual(await check(TaskDefinitionNoSecretEnv, TD, td({ ...hardened, environment: env })), {
      status: "non-compliant",
      messages: [
        "container `agent` environment `GITHUB_TOKEN` holds what looks like a GitHub personal, OAuth, app or refresh token (ghp_******** (40 chars)); pass it through `secrets` (Secrets Manager) instead",
        "container `agent` environment `BILLING_TOKEN` holds a Pulumi secret as plain text; pass it through `secrets` (Secrets Manager) instead",
        "container `agent` environment `DB_PASSWORD` holds a high-entropy value that looks like a credential (q8Zr******** (20 chars)); pass it through `secrets` (Secrets Manager) instead",
      ],
    });
  });
  it("given a container with no environment, or no container definitions at all (missing property), then compliant / not applicable", async () => {
    const { environment: _e, ...bare } = hardened;
    assert.deepEqual(await check(TaskDefinitionNoSecretEnv, TD, td(bare)), { status: "compliant" });
    assert.deepEqual(await check(TaskDefinitionNoSecretEnv, TD, {}), { status: "not-applicable" });
  });
});

describe("ContainerReadOnlyRootFs", () => {
  it("given readonlyRootFilesystem true, then compliant", async () => {
    assert.deepEqual(await check(ContainerReadOnlyRootFs, TD, td(hardened)), { status: "compliant" });
  });
  it("given false on one container, then that container is reported", async () => {
    assert.deepEqual(await check(ContainerReadOnlyRootFs, TD, td(hardened, { ...hardened, name: "sidecar", readonlyRootFilesystem: false })), {
      status: "non-compliant",
      messages: ["container `sidecar` has a writable root file system; set `readonlyRootFilesystem: true` and mount a volume for the paths it writes"],
    });
  });
  it("given the property missing, then reported (ECS defaults to writable)", async () => {
    const { readonlyRootFilesystem: _r, ...c } = hardened;
    assert.equal((await check(ContainerReadOnlyRootFs, TD, td(c))).status, "non-compliant");
  });
});

describe("ContainerNonRootUser", () => {
  it("given uid:gid 10001:10001, then compliant", async () => {
    assert.deepEqual(await check(ContainerNonRootUser, TD, td(hardened)), { status: "compliant" });
  });
  it("given root as a name, uid 0 or 0:0, then reported", async () => {
    for (const user of ["root", "0", "0:0", "root:root", "000:1000"]) {
      assert.deepEqual(await check(ContainerNonRootUser, TD, td({ ...hardened, user })), {
        status: "non-compliant",
        messages: [`container \`agent\` runs as root (\`user: ${user}\`); set \`user\` to a non-root uid:gid such as 10001:10001`],
      });
    }
    assert.equal(isRootUser("1000:0"), false);
  });
  it("given no user (missing property), then reported: the image's user is root by default", async () => {
    const { user: _u, ...c } = hardened;
    assert.deepEqual(await check(ContainerNonRootUser, TD, td(c)), {
      status: "non-compliant",
      messages: ["container `agent` sets no `user`, so it runs as the image's user (root unless the image says otherwise); set `user` to a non-root uid:gid such as 10001:10001"],
    });
  });
});

describe("ContainerDropAllCapabilities", () => {
  it("given drop ALL and add none, then compliant", async () => {
    assert.deepEqual(await check(ContainerDropAllCapabilities, TD, td(hardened)), { status: "compliant" });
  });
  it("given NET_ADMIN added back, then reported", async () => {
    const c = { ...hardened, linuxParameters: { capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] } } };
    assert.deepEqual(await check(ContainerDropAllCapabilities, TD, td(c)), {
      status: "non-compliant",
      messages: ["container `agent` adds capabilities NET_ADMIN; remove `linuxParameters.capabilities.add`"],
    });
  });
  it("given no linuxParameters (missing property), then reported", async () => {
    const { linuxParameters: _l, ...c } = hardened;
    assert.deepEqual(await check(ContainerDropAllCapabilities, TD, td(c)), {
      status: "non-compliant",
      messages: ['container `agent` keeps the default Linux capabilities; set `linuxParameters.capabilities.drop: ["ALL"]`'],
    });
  });
});

describe("ContainerNotPrivileged", () => {
  it("given privileged false, then compliant; missing (the default, false) is compliant too", async () => {
    assert.deepEqual(await check(ContainerNotPrivileged, TD, td(hardened)), { status: "compliant" });
    const { privileged: _p, ...c } = hardened;
    assert.deepEqual(await check(ContainerNotPrivileged, TD, td(c)), { status: "compliant" });
  });
  it("given privileged true, then reported", async () => {
    assert.deepEqual(await check(ContainerNotPrivileged, TD, td({ ...hardened, privileged: true })), {
      status: "non-compliant",
      messages: ["container `agent` is privileged; remove `privileged: true`"],
    });
  });
});

describe("TaskDefinitionRetained", () => {
  it("given skipDestroy true, then compliant", async () => {
    assert.deepEqual(await check(TaskDefinitionRetained, TD, td(hardened)), { status: "compliant" });
  });
  it("given skipDestroy false or missing, then reported", async () => {
    const expected = { status: "non-compliant", messages: ["old revisions are deregistered on replacement; set `skipDestroy: true` so rollback and incident review can use them"] };
    assert.deepEqual(await check(TaskDefinitionRetained, TD, { ...td(hardened), skipDestroy: false }), expected);
    assert.deepEqual(await check(TaskDefinitionRetained, TD, { containerDefinitions: "[]" }), expected);
  });
  it("given another resource type, then not applicable", async () => {
    assert.deepEqual(await check(TaskDefinitionRetained, "aws:ecs/service:Service", {}), { status: "not-applicable" });
  });
});

describe("ServiceNoPublicIp", () => {
  const SVC = "aws:ecs/service:Service";
  it("given assignPublicIp false, then compliant; no networkConfiguration (missing property) is compliant: the default is no public IP", async () => {
    assert.deepEqual(await check(ServiceNoPublicIp, SVC, { networkConfiguration: { subnets: ["s"], assignPublicIp: false } }), { status: "compliant" });
    assert.deepEqual(await check(ServiceNoPublicIp, SVC, {}), { status: "compliant" });
  });
  it("given assignPublicIp true, then reported", async () => {
    assert.deepEqual(await check(ServiceNoPublicIp, SVC, { networkConfiguration: { assignPublicIp: true } }), {
      status: "non-compliant",
      messages: ["`networkConfiguration.assignPublicIp` is true; run the service in private subnets with `assignPublicIp: false`"],
    });
  });
});

describe("LambdaNoSecretEnv", () => {
  const FN = "aws:lambda/function:Function";
  it("given a secret ARN and plain settings, then compliant", async () => {
    const props = { environment: { variables: { SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf", LOG_LEVEL: "info" } } };
    assert.deepEqual(await check(LambdaNoSecretEnv, FN, props), { status: "compliant" });
  });
  it("given a Slack bot token in a variable, then reported", async () => {
    const props = { environment: { variables: { SLACK_BOT_TOKEN: ["xoxb", "123456789012", "1234567890123", "AbCdEfGhIjKlMnOpQrStUvWx"].join("-") } } };
    assert.deepEqual(await check(LambdaNoSecretEnv, FN, props), {
      status: "non-compliant",
      messages: [
        "environment variable `SLACK_BOT_TOKEN` holds what looks like a Slack bot, user, app or refresh token (xoxb******** (56 chars)); store it in Secrets Manager and pass the secret's ARN instead",
      ],
    });
  });
  it("given no environment (missing property), then not applicable", async () => {
    assert.deepEqual(await check(LambdaNoSecretEnv, FN, { runtime: "nodejs20.x" }), { status: "not-applicable" });
  });
});
