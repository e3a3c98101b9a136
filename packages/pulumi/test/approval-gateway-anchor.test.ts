/**
 * ApprovalGateway's audit anchor under Pulumi mocks: the signing key, the Object Lock bucket, the
 * schedule that invokes `{ op: "anchor" }`, and exactly scoped permissions (the gateway role alone
 * signs with that key and writes under that prefix), as the resources' real inputs.
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { AUDIT_ANCHOR, AUDIT_ANCHOR_ENV, GATEWAY_OPS } from "@airlock/core/contracts";
import type { Recording } from "../src/plan/record.ts";
import { all, exampleModel, find, json, recordDeployment } from "./harness.ts";

const NAME = "platform-approvals";
const ROLE = `arn:aws:iam::123456789012:role/${NAME}-function`;

describe("ApprovalGateway: the audit anchor", () => {
  let rec: Recording;
  let keyArn: string;
  before(async () => {
    rec = await recordDeployment(await exampleModel());
    const env = (find(rec, "aws:lambda/function:Function", `${NAME}-function`).inputs.environment as { variables: Record<string, string> }).variables;
    keyArn = env[AUDIT_ANCHOR_ENV.keyId]!;
  });

  it("makes an asymmetric ECC_NIST_P256 signing key whose policy lets the account administer and verify, and only the gateway's role sign", () => {
    const key = find(rec, "aws:kms/key:Key", `${NAME}-anchor-key`);
    assert.deepEqual([key.inputs.keyUsage, key.inputs.customerMasterKeySpec, key.inputs.enableKeyRotation, key.inputs.deletionWindowInDays], ["SIGN_VERIFY", "ECC_NIST_P256", false, 30]);
    const policy = json(key, "policy");
    const [admin, sign, deny] = policy.Statement;
    assert.deepEqual(admin.Principal, { AWS: "arn:aws:iam::123456789012:root" });
    assert.ok(!admin.Action.some((a: string) => a === "kms:Sign" || a === "kms:*" || a === "kms:Sign*"), `the account may not sign: ${admin.Action}`);
    assert.ok(admin.Action.includes("kms:Verify") && admin.Action.includes("kms:Get*"));
    assert.deepEqual(sign, { Sid: "GatewaySignsAnchors", Effect: "Allow", Principal: { AWS: ROLE }, Action: ["kms:Sign"], Resource: "*" });
    assert.deepEqual(deny, { Sid: "NobodyElseSigns", Effect: "Deny", Principal: { AWS: "*" }, Action: ["kms:Sign"], Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": ROLE } } });
  });

  it("makes a versioned, encrypted, private, TLS-only bucket with Object Lock in compliance mode that only the gateway writes under the prefix and nobody deletes from", () => {
    assert.deepEqual(find(rec, "aws:s3/bucket:Bucket", `${NAME}-anchors`).inputs, { forceDestroy: false, objectLockEnabled: true, tags: { "airlock:managed-by": "airlock", "airlock:platform": "platform" } });
    assert.deepEqual(find(rec, "aws:s3/bucketVersioning:BucketVersioning", `${NAME}-anchors`).inputs.versioningConfiguration, { status: "Enabled" });
    assert.deepEqual(find(rec, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", `${NAME}-anchors`).inputs.rule, { defaultRetention: { days: 400, mode: "COMPLIANCE" } });
    assert.deepEqual(find(rec, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${NAME}-anchors`).inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    const block = find(rec, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${NAME}-anchors`).inputs;
    assert.deepEqual([block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets], [true, true, true, true]);
    const statements = json(find(rec, "aws:s3/bucketPolicy:BucketPolicy", `${NAME}-anchors`), "policy").Statement as Record<string, any>[];
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    assert.deepEqual(Object.keys(bySid), ["GatewayWritesAnchors", "TlsOnly", "OnlyTheGatewayWritesAnchors", "AnchorsOnlyUnderThePrefix", "NoAnchorDeleted"]);
    assert.deepEqual(bySid.GatewayWritesAnchors, { Sid: "GatewayWritesAnchors", Effect: "Allow", Principal: { AWS: ROLE }, Action: "s3:PutObject", Resource: `arn:aws:s3:::${NAME}-anchors-id/${AUDIT_ANCHOR.prefix}*` });
    assert.deepEqual(bySid.TlsOnly!.Condition, { Bool: { "aws:SecureTransport": "false" } });
    assert.deepEqual([bySid.OnlyTheGatewayWritesAnchors!.Effect, bySid.OnlyTheGatewayWritesAnchors!.Condition], ["Deny", { ArnNotEquals: { "aws:PrincipalArn": ROLE } }]);
    assert.match(bySid.AnchorsOnlyUnderThePrefix!.NotResource, new RegExp(`/${AUDIT_ANCHOR.prefix}\\*$`));
    assert.deepEqual(bySid.NoAnchorDeleted!.Action, ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:BypassGovernanceRetention"]);
  });

  it("lets the gateway's role sign with that key only (its put is the bucket's grant), and tells the function where", () => {
    const policy = json(find(rec, "aws:iam/rolePolicy:RolePolicy", `${NAME}-function`), "policy");
    const anchorStatements = policy.Statement.filter((s: { Sid: string }) => /Anchor/.test(s.Sid));
    assert.deepEqual(anchorStatements, [{ Sid: "SignAuditAnchors", Effect: "Allow", Action: ["kms:Sign"], Resource: [keyArn] }]);
    // Nothing else in the role's policy touches KMS signing or S3.
    const actions = policy.Statement.flatMap((s: { Action: string[] }) => s.Action);
    assert.deepEqual(actions.filter((a: string) => a.startsWith("s3:") || a === "kms:Sign"), ["kms:Sign"]);
    const env = (find(rec, "aws:lambda/function:Function", `${NAME}-function`).inputs.environment as { variables: Record<string, string> }).variables;
    assert.deepEqual([env[AUDIT_ANCHOR_ENV.bucket], env[AUDIT_ANCHOR_ENV.prefix]], [`${NAME}-anchors-id`, AUDIT_ANCHOR.prefix]);
    assert.match(keyArn, /^arn:aws:kms:us-east-1:123456789012:key\//);
  });

  it("invokes the unqualified function every five minutes with exactly { op: \"anchor\" }", () => {
    const rule = find(rec, "aws:cloudwatch/eventRule:EventRule", `${NAME}-anchor`);
    assert.equal(rule.inputs.scheduleExpression, "rate(5 minutes)");
    const target = find(rec, "aws:cloudwatch/eventTarget:EventTarget", `${NAME}-anchor`);
    assert.deepEqual(JSON.parse(String(target.inputs.input)), { op: GATEWAY_OPS.anchor });
    assert.equal(target.inputs.arn, "arn:aws:lambda:us-east-1:123456789012:function:airlock-test-platform-approvals");
    const permission = find(rec, "aws:lambda/permission:Permission", `${NAME}-anchor`);
    assert.deepEqual([permission.inputs.principal, permission.inputs.sourceArn], ["events.amazonaws.com", "arn:aws:events:us-east-1:123456789012:rule/platform-approvals-anchor"]);
    assert.equal(all(rec, "aws:kms/key:Key").filter((k) => k.inputs.keyUsage === "SIGN_VERIFY").length, 1);
  });
});
