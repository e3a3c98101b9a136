/**
 * A bring-your-own key's policy, computed before the platform exists (`requiredKeyPolicy`), and
 * the plan's note on a VPC that is not only the agents' (AIR-I106). Found by the review of the
 * bring-your-own plan: a KeyPolicy built from the platform's own output cannot come first, and a
 * team log group outside `/airlock/*` was locked out of the key.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { recordProgram } from "../src/plan/record.ts";
import { requiredKeyPolicy } from "../src/platform/index.ts";
import { exampleModel, recordDeployment } from "./harness.ts";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const TEAM_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/team/support-agent";

async function resolved(o: pulumi.Output<string>): Promise<any> {
  return JSON.parse(await new Promise<string>((r) => o.apply(r)));
}

describe("requiredKeyPolicy", () => {
  it("given the stack's region and account, then it is the platform's requiredKeyPolicy, statement for statement", async () => {
    let before: pulumi.Output<string> | undefined;
    const rec = await recordProgram({
      project: "airlock-test",
      stack: "test",
      config: { "aws:region": "us-east-1" },
      program: () => {
        before = requiredKeyPolicy({ region: "us-east-1", accountId: "123456789012" });
      },
    });
    const platformDoc = await recordDeployment(await exampleModel(), { platform: { kmsKey: { keyArn: KEY_ARN } } });
    const note = platformDoc.resources.find((r) => r.type === "airlock:interop:Requirement" && r.name.endsWith("key-policy-required"));
    assert.ok(note && rec);
    assert.deepEqual(await resolved(before!), JSON.parse(String(note.inputs.requiredKeyPolicy)));
  });

  it("given the team's log groups, then CloudWatch Logs may use the key for exactly those groups, beside the platform's /airlock/* groups", async () => {
    let doc: pulumi.Output<string> | undefined;
    await recordProgram({
      project: "airlock-test",
      stack: "test",
      config: { "aws:region": "us-east-1" },
      program: () => {
        doc = requiredKeyPolicy({ region: "us-east-1", accountId: "123456789012", logGroupArns: [TEAM_GROUP] });
      },
    });
    const statements = (await resolved(doc!)).Statement as any[];
    const team = statements.find((s) => s.Sid === "CloudWatchLogsUsesKeyForYourGroups");
    assert.deepEqual(team.Principal, { Service: "logs.us-east-1.amazonaws.com" });
    assert.deepEqual(team.Condition, { ArnLike: { "kms:EncryptionContext:aws:logs:arn": [TEAM_GROUP] } });
    assert.ok(team.Action.includes("kms:Encrypt") && team.Action.includes("kms:Decrypt") && team.Action.includes("kms:GenerateDataKey"));
    assert.ok(statements.some((s) => s.Sid === "CloudWatchLogsUsesKeyForAirlockGroups"));
  });
});

describe("a platform on an existing network", () => {
  it("notes that the DNS firewall and the endpoints act on the whole VPC (AIR-I106); a platform with its own VPC does not", async () => {
    const model = await exampleModel();
    const network = { vpcId: "vpc-0abc", vpcCidr: "10.0.0.0/16", privateSubnetIds: ["subnet-1", "subnet-2"], privateRouteTableIds: ["rtb-1", "rtb-2"] };
    const on = await recordDeployment(model, { platform: { network } });
    const notes = on.findings.filter((f) => f.rule === "AIR-I106");
    assert.equal(notes.length, 1);
    assert.equal(notes[0]!.severity, "info");
    assert.match(notes[0]!.message, /DNS firewall rule group is associated with the whole VPC and fails closed/);
    const own = await recordDeployment(model);
    assert.deepEqual(own.findings.filter((f) => f.rule === "AIR-I106"), []);
  });
});
