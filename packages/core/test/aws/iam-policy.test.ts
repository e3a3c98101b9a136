import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { checkPolicyDocument, compile, IAM_POLICY_LIMITS, ManifestError, policySize } from "../../src/index.ts";
import { baseManifest } from "../fixtures.ts";

const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

describe("checkPolicyDocument", () => {
  it("given unique alphanumeric Sids, then no problem; white space does not count toward the size", () => {
    assert.deepEqual(checkPolicyDocument(doc({ Sid: "ReadTicket0", Effect: "Allow" }, { Sid: "WriteReply0", Effect: "Allow" })), []);
    assert.equal(policySize('{ "a" : [ 1, 2 ] }\n'), '{"a":[1,2]}'.length);
  });
  it("given a duplicate Sid and a Sid with `-`, then both are reported", () => {
    assert.deepEqual(checkPolicyDocument(doc({ Sid: "Read0" }, { Sid: "Read0" }, { Sid: "audit-logs" })), [
      "`policy` statements 0 and 1 share Sid `Read0`; IAM requires unique Sids within a policy; rename one",
      "`policy` statement 2 has Sid `audit-logs`; IAM Sids hold only A-Z, a-z and 0-9; remove the other characters",
    ]);
  });
  it("given a document over the managed-policy limit, then its size is reported", () => {
    const big = doc({ Sid: "Big", Effect: "Allow", Action: ["s3:GetObject"], Resource: Array.from({ length: 300 }, (_, i) => `arn:aws:s3:::bucket-${i}/key`) });
    const size = policySize(big);
    assert.ok(size > IAM_POLICY_LIMITS.managedPolicy.max);
    assert.deepEqual(checkPolicyDocument(big, { maxSize: IAM_POLICY_LIMITS.managedPolicy.max }), [
      `\`policy\` is ${size} characters without white space; IAM allows 6144; split it into smaller policies`,
    ]);
  });
  it("given no Statement or no Sids (missing property), then nothing to report; unreadable JSON is reported", () => {
    assert.deepEqual(checkPolicyDocument("{}"), []);
    assert.deepEqual(checkPolicyDocument(doc({ Effect: "Allow" })), []);
    assert.deepEqual(checkPolicyDocument("{nope"), ["`policy` is not valid JSON; pass the policy document as JSON text"]);
  });
});

describe("compile: tool names whose statement ids collide", () => {
  it("given `read_t1` and `read_t_1` both reading DynamoDB, then compile reports the second tool, naming both and the Sid", async () => {
    const m = baseManifest();
    const grant = m.tools[0].aws[0];
    m.tools = [
      { name: "read_t1", description: "Reads t1.", access: "read", aws: [grant] },
      { name: "read_t_1", description: "Reads t1 too.", access: "read", aws: [grant] },
    ];
    try {
      await compile(m);
      assert.fail("expected a ManifestError");
    } catch (e) {
      assert.ok(e instanceof ManifestError, String(e));
      assert.deepEqual(e.problems, [
        {
          path: "tools[1].name",
          message: "`read_t_1` and `read_t1` (tools[0]) give the same IAM statement id `ReadT1Dynamodb0` (statement ids drop `_`, are compared ignoring case, and must be unique in the task role's policy); rename one of the tools",
        },
      ]);
    }
  });
  it("given distinct names, then every Sid is unique and alphanumeric", async () => {
    const model = await compile(baseManifest());
    const sids = model.taskRoleStatements.map((s) => s.Sid);
    assert.equal(new Set(sids).size, sids.length);
    assert.deepEqual(checkPolicyDocument({ Version: "2012-10-17", Statement: model.taskRoleStatements }), []);
  });
});
