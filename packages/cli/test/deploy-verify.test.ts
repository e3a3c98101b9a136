// Given an ECS stand-in on loopback (the real SDK client, signed requests), when `airlock deploy
// verify` checks a service after a deploy, then: a completed deployment of the intended release
// exits 0; a deployment the circuit breaker or an alarm rolled back exits 1 and says so, with the
// reason and what to bring back in line (also once ECS no longer lists the failed deployment); a
// deployment still in progress exits 1; bad flags and unknown services exit 2.
import { strict as assert } from "node:assert";
import { after, before, beforeEach, describe, it } from "node:test";
import { main } from "../src/main.ts";
import { bufferIo } from "../src/io.ts";
import { CLUSTER, EcsServicesStandIn, taskDefinitionArn } from "../../../test/helpers/ecs-services-standin.ts";

const SERVICE = "support-agent-prod";
const V2 = taskDefinitionArn(SERVICE, 6);
const V3 = taskDefinitionArn(SERVICE, 7);

describe("airlock deploy verify", () => {
  const ecs = new EcsServicesStandIn();
  let n = 0;
  let service: string;
  before(() => ecs.start());
  after(() => ecs.stop());
  beforeEach(() => {
    // A service of its own per test: v2 completed, then v3 deployed.
    service = `${SERVICE}-${++n}`;
    ecs.addService(service, V2, { "airlock:release": "v2" });
    ecs.registerTaskDefinition(V3, { "airlock:release": "v3" });
    ecs.deploy(service, V3);
  });

  const verify = async (...argv: string[]) => {
    const io = bufferIo("/", ecs.env());
    const code = await main(["deploy", "verify", "--cluster", CLUSTER, "--service", service, ...argv], io);
    return { code, io };
  };

  it("exits 0 when the service runs the intended release and its deployment COMPLETED", async () => {
    ecs.complete(service);
    const { code, io } = await verify("--release", "v3");
    assert.equal(code, 0, io.stderr);
    assert.equal(io.stdout.split("\n")[0], `OK: The service runs ${SERVICE}:7 (release v3) and its deployment COMPLETED.`);
    const json = await verify("--task-definition", V3, "--json");
    assert.equal(json.code, 0);
    assert.equal(JSON.parse(json.io.stdout).verdict, "ok");
    // The release was read from the running revision's airlock:release tag.
    assert.ok(ecs.ops("DescribeTaskDefinition").some((c) => c.input.taskDefinition === V3 && c.input.include?.includes("TAGS")));
  });

  it("reports a rollback by the circuit breaker: exit 1, the FAILED deployment's reason, the revision running again, what to realign", async () => {
    ecs.rollBack(service, "ECS deployment circuit breaker: tasks failed to start.");
    const { code, io } = await verify("--release", "v3", "--json");
    assert.equal(code, 1);
    const report = JSON.parse(io.stdout);
    assert.equal(report.verdict, "rolled-back");
    assert.equal(report.primary.taskDefinition, V2);
    assert.equal(report.primary.release, "v2");
    assert.equal(report.primary.rolloutState, "COMPLETED");
    assert.equal(report.failedDeployment.taskDefinition, V3);
    assert.equal(report.failedDeployment.rolloutState, "FAILED");
    assert.equal(report.failedDeployment.rolloutStateReason, "ECS deployment circuit breaker: tasks failed to start.");
    assert.equal(report.summary, `ECS rolled release v3 back (by the deployment circuit breaker: ECS deployment circuit breaker: tasks failed to start.); the service runs ${SERVICE}:6 (release v2).`);
    assert.match(report.next, /mark the failed release `bad: <reason>` and set `activeRelease` to the release the service runs \(`airlock rollback --write` does it\)/);
    assert.ok(report.evidence.some((e: string) => e.includes("rolling back to deployment")));
  });

  it("reports a rollback by a deployment alarm, in text", async () => {
    const reason = `ECS deployment detected triggered alarms: airlock-prod-support-agent-tool-issue_refund-error-rate.`;
    ecs.rollBack(service, reason);
    const { code, io } = await verify("--task-definition", `${SERVICE}:7`);
    assert.equal(code, 1);
    const lines = io.stdout.trimEnd().split("\n");
    assert.equal(lines[0], `ROLLED-BACK: ECS rolled task definition ${SERVICE}:7 back (by a deployment alarm: ${reason}); the service runs ${SERVICE}:6.`);
    assert.ok(lines.some((l) => l.startsWith("  PRIMARY  ") && l.includes(`${SERVICE}:6`) && l.includes("COMPLETED")), io.stdout);
    assert.ok(lines.some((l) => l.startsWith("  ACTIVE   ") && l.includes(`${SERVICE}:7`) && l.includes(`FAILED: ${reason}`)), io.stdout);
  });

  it("still exits 1 once ECS no longer lists the failed deployment: the service runs another revision", async () => {
    ecs.rollBack(service, "ECS deployment circuit breaker: tasks failed to start.");
    ecs.forgetFailed(service);
    const { code, io } = await verify("--release", "v3", "--json");
    assert.equal(code, 1);
    const report = JSON.parse(io.stdout);
    // The primary's own reason says it is a rollback.
    assert.equal(report.verdict, "rolled-back");
    assert.equal(report.failedDeployment, undefined);
    assert.equal(report.primary.release, "v2");
  });

  it("exits 1 while the deployment is still in progress", async () => {
    const { code, io } = await verify("--release", "v3", "--json");
    assert.equal(code, 1);
    const report = JSON.parse(io.stdout);
    assert.equal(report.verdict, "in-progress");
    assert.match(report.next, new RegExp(`aws ecs wait services-stable --cluster ${CLUSTER} --services ${service}`));
  });

  it("exits 1 when the service runs another revision and ECS shows no deployment of the intended one", async () => {
    ecs.complete(service);
    const { code, io } = await verify("--task-definition", `${SERVICE}:9`, "--json");
    assert.equal(code, 1);
    assert.equal(JSON.parse(io.stdout).verdict, "mismatch");
  });

  it("exits 2 on bad input, naming the flag", async () => {
    const cases: [string[], string][] = [
      [[], "give exactly one of `--release <id>` (the release the stack deployed) and `--task-definition <arn|family:revision>`"],
      [["--release", "v3", "--task-definition", V3], "give exactly one of `--release <id>` (the release the stack deployed) and `--task-definition <arn|family:revision>`"],
      [["--task-definition", "latest"], '`--task-definition`: "latest" is not a task definition revision; give its ARN or family:revision (e.g. support-agent-prod:7)'],
      [["--release", "v3", "--region", "mars-1"], '`--region`: "mars-1" is not an AWS region'],
    ];
    for (const [argv, message] of cases) {
      const { code, io } = await verify(...argv);
      assert.equal(code, 2, argv.join(" "));
      assert.ok(io.stderr.includes(message), `${argv.join(" ")}: ${io.stderr}`);
      assert.doesNotMatch(io.stderr, /\n\s+at /, "no stack trace");
    }
    const missing = bufferIo("/", ecs.env());
    assert.equal(await main(["deploy", "verify", "--cluster", CLUSTER, "--service", "no-such-service", "--release", "v3"], missing), 2);
    assert.ok(missing.stderr.includes(`\`--service\`: ECS has no service no-such-service in cluster ${CLUSTER} (MISSING); check the names (and --region)`), missing.stderr);
    const cluster = bufferIo("/", ecs.env());
    assert.equal(await main(["deploy", "verify", "--cluster", "other", "--service", service, "--release", "v3"], cluster), 2);
    assert.ok(cluster.stderr.includes("`--cluster`: ECS has no cluster other in eu-west-1"), cluster.stderr);
  });
});
