// Given an ECS stand-in on loopback (the real SDK client, signed requests), when `airlock deploy
// verify` checks a service after a deploy, then: a completed deployment of the intended release
// exits 0; a deployment the circuit breaker or an alarm rolled back exits 1 and says so, with the
// reason and what to bring back in line (also once ECS no longer lists the failed deployment); a
// deployment still in progress exits 1; bad flags and unknown services exit 2. With `--wait`, the
// command reads the service again with a bounded backoff (a fake clock: no test waits) until the
// deployment completes, is rolled back, or the wait ends ("still in progress after N s", exit 1).
import { strict as assert } from "node:assert";
import { after, before, beforeEach, describe, it } from "node:test";
import { main } from "../src/main.ts";
import { run } from "../src/commands/deploy.ts";
import type { WaitClock } from "../src/deploy/wait.ts";
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

  /** A clock that moves only when the command sleeps, recording each sleep. */
  const fakeClock = () => {
    let t = 0;
    const sleeps: number[] = [];
    const clock: WaitClock = { now: () => t, sleep: async (ms) => void (sleeps.push(ms), (t += ms)) };
    return { clock, sleeps };
  };
  const waitFor = async (clock: WaitClock, ...argv: string[]) => {
    const io = bufferIo("/", ecs.env());
    const code = await run(["verify", "--cluster", CLUSTER, "--service", service, ...argv], io, clock);
    return { code, io };
  };
  const describes = () => ecs.ops("DescribeServices").filter((c) => c.input.services?.includes(service)).length;

  it("--wait: a deployment that completes after two reads exits 0 on the third, after sleeps of 5 s then 10 s, each revision described once", async () => {
    ecs.afterPolls(service, 2, () => ecs.complete(service));
    const { clock, sleeps } = fakeClock();
    const before = describes();
    const tdBefore = ecs.ops("DescribeTaskDefinition").length;
    const { code, io } = await waitFor(clock, "--release", "v3", "--wait", "900", "--json");
    assert.equal(code, 0, io.stderr);
    const report = JSON.parse(io.stdout);
    assert.equal(report.verdict, "ok");
    assert.equal(report.primary.release, "v3");
    assert.equal(report.primary.rolloutState, "COMPLETED");
    assert.deepEqual({ polls: report.polls, waitedSeconds: report.waitedSeconds }, { polls: 3, waitedSeconds: 15 });
    assert.deepEqual(sleeps, [5_000, 10_000]);
    assert.equal(describes() - before, 3);
    // Progress on stderr (stdout stays the JSON): the in-progress reads and when the next comes.
    assert.deepEqual(io.stderr.trimEnd().split("\n"), [
      "deploy verify: in-progress: ECS deployment in progress. Reading the service again in 5 s.",
      "deploy verify: in-progress: ECS deployment in progress. Reading the service again in 10 s.",
    ]);
    // v3's and v2's revisions were described once each, not once per read.
    assert.deepEqual(ecs.ops("DescribeTaskDefinition").slice(tdBefore).map((c) => c.input.taskDefinition), [V3, V2]);
  });

  it("--wait: a deployment the circuit breaker rolls back while the command waits exits 1 as rolled-back at once, not after the wait", async () => {
    ecs.afterPolls(service, 1, () => ecs.rollBack(service, "ECS deployment circuit breaker: tasks failed to start."));
    const { clock, sleeps } = fakeClock();
    const { code, io } = await waitFor(clock, "--release", "v3", "--wait", "900", "--json");
    assert.equal(code, 1);
    const report = JSON.parse(io.stdout);
    assert.equal(report.verdict, "rolled-back");
    assert.equal(report.failedDeployment.release, "v3");
    assert.equal(report.failedDeployment.rolloutStateReason, "ECS deployment circuit breaker: tasks failed to start.");
    assert.equal(report.primary.release, "v2");
    assert.equal(report.polls, 2);
    assert.deepEqual(sleeps, [5_000]);
  });

  it("--wait: a deployment still moving when the wait ends exits 1, still in progress after N s; the backoff stops at 30 s and never sleeps past the end", async () => {
    const { clock, sleeps } = fakeClock();
    const { code, io } = await waitFor(clock, "--release", "v3", "--wait", "100");
    assert.equal(code, 1);
    const first = io.stdout.split("\n")[0]!;
    assert.match(first, /^IN-PROGRESS: Still in progress after 100 s: The service is moving to release v3 but the deployment has not completed/);
    assert.match(io.stdout, /--wait 200/);
    assert.deepEqual(sleeps, [5_000, 10_000, 20_000, 30_000, 30_000, 5_000]);
    assert.equal(sleeps.reduce((a, b) => a + b), 100_000);
    const json = await waitFor(fakeClock().clock, "--release", "v3", "--wait", "60", "--json");
    assert.equal(json.code, 1);
    const report = JSON.parse(json.io.stdout);
    assert.equal(report.verdict, "in-progress");
    assert.equal(report.waitedSeconds, 60);
  });

  it("--wait: a completed deployment needs one read and no sleep", async () => {
    ecs.complete(service);
    const { clock, sleeps } = fakeClock();
    const { code } = await waitFor(clock, "--release", "v3", "--wait", "900");
    assert.equal(code, 0);
    assert.deepEqual(sleeps, []);
  });

  it("--wait: a value that is not whole seconds from 1 to 3600 exits 2 naming the flag, before any AWS call", async () => {
    for (const value of ["0", "-5", "15m", "1.5", "3601", "", "99999999"]) {
      const before = ecs.calls.length;
      const { code, io } = await verify("--release", "v3", `--wait=${value}`);
      assert.equal(code, 2, value);
      assert.ok(io.stderr.includes(`\`--wait\`: "${value}" is not a wait; give whole seconds from 1 to 3600 (e.g. --wait 900), or leave it out to read the service once`), `${value}: ${io.stderr}`);
      assert.doesNotMatch(io.stderr, /\n\s+at /, "no stack trace");
      assert.equal(ecs.calls.length, before, `${value}: no call made`);
    }
  });
});
