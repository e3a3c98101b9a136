import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { main } from "../src/main.ts";
import { bufferIo } from "../src/io.ts";
import { chooseRollbackTarget } from "../src/commands/rollback.ts";
import { planTarget } from "../src/plan/plan.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

const copies: string[] = [];
after(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the root project inside the repo (so packages resolve), with its own stack file. */
function projectCopy(stackYaml: string): string {
  mkdirSync(join(ROOT, ".airlock"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".airlock", "rollback-"));
  copies.push(dir);
  writeFileSync(join(dir, "Pulumi.yaml"), readFileSync(join(ROOT, "Pulumi.yaml"), "utf8").replace("main: examples/support-agent/index.ts", "main: ../../examples/support-agent/index.ts"));
  mkdirSync(join(dir, "stacks"));
  writeFileSync(join(dir, "stacks", "Pulumi.dev.yaml"), stackYaml);
  return dir;
}

const V1 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e";
const V3 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:4c1a7e2b9f0d3c5a6e8b7d9f1a2c3e4b5d6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";
const STACK = `# dev stack
config:
  aws:region: us-east-1
  airlock-support-agent:transitGatewayId: tgw-0a1b2c3d4e5f60718
  airlock-support-agent:activeRelease: v3  # the current release
  airlock-support-agent:approvals:
    slack:
      channelId: C0APPROVALS
      approverIds:
        - U0LEAD0001
  airlock-support-agent:releases:
    v1:
      image: ${V1}
      evalReport: examples/support-agent/evals/reports/v1.json
      modelHash: 94c107a4531e7d0d49672bb16c37943a421e3f19490232a6768ff452b614164c
    v2:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:${"2".repeat(64)}
      bad: leaked internal notes into replies
      modelHash: 94c107a4531e7d0d49672bb16c37943a421e3f19490232a6768ff452b614164c
    v3:
      image: ${V3}
      evalReport: examples/support-agent/evals/reports/v2.json
      modelHash: 87b703381876242d7fbc333c000887d05d34d135f78a89083814849a55ae419c
`;

describe("chooseRollbackTarget", () => {
  const releases = [{ id: "v1" }, { id: "v2", bad: "broken" }, { id: "v3" }];
  it("picks the nearest good release declared before the active one", () => {
    assert.equal(chooseRollbackTarget(releases, "v3"), "v1");
    assert.equal(chooseRollbackTarget([{ id: "a" }, { id: "b" }], "b"), "a");
  });
  it("honours --to and rejects bad, unknown or active targets", () => {
    assert.equal(chooseRollbackTarget(releases, "v1", "v3"), "v3");
    assert.throws(() => chooseRollbackTarget(releases, "v3", "v2"), { message: '`--to`: "v2" is marked bad (broken); pick another release' });
    assert.throws(() => chooseRollbackTarget(releases, "v3", "v9"), { message: '`--to`: "v9" is not a declared release; declared: v1, v2, v3' });
    assert.throws(() => chooseRollbackTarget(releases, "v3", "v3"), { message: '`--to`: "v3" is already the active release' });
  });
  it("says what to do when there is nothing to roll back to", () => {
    assert.throws(() => chooseRollbackTarget(releases, "v1"), { message: 'no good release is declared before "v1"; declare one in the stack config or pass `--to <id>`' });
  });
});

describe("airlock rollback", () => {
  it("without a Pulumi CLI, verifies offline that only the pointer moves and prints the exact config change", async () => {
    const dir = projectCopy(STACK);
    const io = bufferIo(dir, { PATH: "" });
    assert.equal(await main(["rollback"], io), 0, io.stderr);
    assert.equal(
      io.stdout,
      [
        "Roll back airlock-support-agent (stack dev) from release v3 to v1.",
        "Verified offline: the only change is aws:ecs/service:Service support-agent-service.taskDefinition.",
        "No Pulumi CLI found; make this change and deploy it:",
        "  pulumi config set airlock-support-agent:activeRelease v1 --stack dev && pulumi up --stack dev",
        "or in stacks/Pulumi.dev.yaml:",
        "  -  airlock-support-agent:activeRelease: v3",
        "  +  airlock-support-agent:activeRelease: v1",
        "(airlock rollback --write makes the edit for you.)",
        "Once deployed, check that the service runs it and ECS did not roll it back (Pulumi reports that as updated):",
        `  CLUSTER=$(aws ecs list-clusters --region us-east-1 --query "clusterArns[?contains(@, 'acme-agents-cluster')] | [0]" --output text)`,
        "  airlock deploy verify --region us-east-1 --cluster $CLUSTER --service support-agent-dev --release v1",
        "",
      ].join("\n"),
    );
    assert.equal(readFileSync(join(dir, "stacks", "Pulumi.dev.yaml"), "utf8"), STACK, "print mode changes nothing");
  });

  it("--write edits only the active release, keeping comments, and the next plan runs v1", async () => {
    const dir = projectCopy(STACK);
    const io = bufferIo(dir, { PATH: "" });
    assert.equal(await main(["rollback", "--write", "--skip-verify"], io), 0, io.stderr);
    const after = readFileSync(join(dir, "stacks", "Pulumi.dev.yaml"), "utf8");
    assert.equal(after, STACK.replace("activeRelease: v3  # the current release", "activeRelease: v1 # the current release"));
    const plan = await planTarget(dir, { guardrails: false });
    const service = plan.resources.find((r) => r.type === "aws:ecs/service:Service")!;
    assert.equal(service.inputs.taskDefinition, "arn:aws:ecs:us-east-1:123456789012:task-definition/support-agent-dev:1");
  });

  it("refuses to roll back to a release whose eval report does not pass the gate", async () => {
    const dir = projectCopy(STACK.replace("evalReport: examples/support-agent/evals/reports/v1.json", "evalReport: examples/support-agent/evals/reports/missing.json"));
    const io = bufferIo(dir, { PATH: "" });
    assert.equal(await main(["rollback"], io), 2); // the release it would run names a report that is not there: an input error
    assert.match(io.stderr, /^airlock rollback: `releases\.v1\.evalReport`: /);
  });

  it("refuses a stack with no releases declared", async () => {
    const dir = projectCopy("config:\n  aws:region: us-east-1\n");
    const io = bufferIo(dir, { PATH: "" });
    assert.equal(await main(["rollback"], io), 2);
    assert.match(io.stderr, /^airlock rollback: stacks\/Pulumi\.dev\.yaml declares no `airlock-support-agent:releases`; declare the releases the stack keeps before rolling back\n/);
  });
});
