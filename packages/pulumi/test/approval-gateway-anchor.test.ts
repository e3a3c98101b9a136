/**
 * ApprovalGateway's audit anchor under Pulumi mocks: the signing key, the Object Lock bucket, the
 * schedule that invokes `{ op: "anchor" }`, and exactly scoped permissions (the gateway role alone
 * signs with that key and writes under that prefix), as the resources' real inputs.
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { AUDIT_ANCHOR, AUDIT_ANCHOR_ENV, GATEWAY_OPS } from "@airlock/core/contracts";
import * as pulumi from "@pulumi/pulumi";
import { recordProgram, type Recording } from "../src/plan/record.ts";
import { ApprovalGateway } from "../src/approvals/approval-gateway.ts";
import { AgentPlatform, privateRoutesVia } from "../src/platform/index.ts";
import { AgentDeployment } from "../src/agent/agent-deployment.ts";
import { all, exampleModel, find, json, recordDeployment, TEST_APPROVALS, TEST_TRANSIT_GATEWAY, WIRING_ONLY } from "./harness.ts";

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
    const [admin, sign, readKey, deny] = policy.Statement;
    assert.equal(policy.Statement.length, 4);
    assert.deepEqual(admin.Principal, { AWS: "arn:aws:iam::123456789012:root" });
    assert.ok(!admin.Action.some((a: string) => a === "kms:Sign" || a === "kms:*" || a === "kms:Sign*"), `the account may not sign: ${admin.Action}`);
    assert.ok(admin.Action.includes("kms:Verify") && admin.Action.includes("kms:Get*"));
    // Only digests, only with the algorithm the writer sends (review N7).
    assert.deepEqual(sign, { Sid: "GatewaySignsAnchors", Effect: "Allow", Principal: { AWS: ROLE }, Action: ["kms:Sign"], Resource: "*", Condition: { StringEquals: { "kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "DIGEST" } } });
    assert.deepEqual(readKey, { Sid: "GatewayReadsPublicKey", Effect: "Allow", Principal: { AWS: ROLE }, Action: ["kms:GetPublicKey"], Resource: "*" });
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
    assert.deepEqual(Object.keys(bySid), ["GatewayWritesAnchors", "GatewayReadsAnchors", "GatewayListsAnchors", "TlsOnly", "OnlyTheGatewayWritesAnchors", "AnchorsOnlyUnderThePrefix", "NoAnchorDeleted"]);
    // The writer reads the newest anchor back (it refuses to sign a log that lost its head), only under the prefix.
    assert.deepEqual(bySid.GatewayReadsAnchors, { Sid: "GatewayReadsAnchors", Effect: "Allow", Principal: { AWS: ROLE }, Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `arn:aws:s3:::${NAME}-anchors-id/${AUDIT_ANCHOR.prefix}*` });
    assert.deepEqual(bySid.GatewayListsAnchors, { Sid: "GatewayListsAnchors", Effect: "Allow", Principal: { AWS: ROLE }, Action: "s3:ListBucketVersions", Resource: `arn:aws:s3:::${NAME}-anchors-id`, Condition: { StringLike: { "s3:prefix": `${AUDIT_ANCHOR.prefix}*` } } });
    assert.deepEqual(bySid.GatewayWritesAnchors, { Sid: "GatewayWritesAnchors", Effect: "Allow", Principal: { AWS: ROLE }, Action: "s3:PutObject", Resource: `arn:aws:s3:::${NAME}-anchors-id/${AUDIT_ANCHOR.prefix}*` });
    assert.deepEqual(bySid.TlsOnly!.Condition, { Bool: { "aws:SecureTransport": "false" } });
    assert.deepEqual([bySid.OnlyTheGatewayWritesAnchors!.Effect, bySid.OnlyTheGatewayWritesAnchors!.Condition], ["Deny", { ArnNotEquals: { "aws:PrincipalArn": ROLE } }]);
    assert.match(bySid.AnchorsOnlyUnderThePrefix!.NotResource, new RegExp(`/${AUDIT_ANCHOR.prefix}\\*$`));
    // No delete marker, no retention change; a version whose retention ended may be cleaned up (review S7).
    assert.deepEqual(bySid.NoAnchorDeleted!.Action, ["s3:DeleteObject", "s3:PutObjectRetention", "s3:BypassGovernanceRetention"]);
  });

  it("lets the gateway's role sign with that key only (its put is the bucket's grant), and tells the function where", () => {
    const policy = json(find(rec, "aws:iam/rolePolicy:RolePolicy", `${NAME}-function`), "policy");
    const anchorStatements = policy.Statement.filter((s: { Sid: string }) => /Anchor/.test(s.Sid));
    assert.deepEqual(anchorStatements, [
      { Sid: "SignAuditAnchors", Effect: "Allow", Action: ["kms:Sign"], Resource: [keyArn], Condition: { StringEquals: { "kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "DIGEST" } } },
      { Sid: "ReadAnchorPublicKey", Effect: "Allow", Action: ["kms:GetPublicKey"], Resource: [keyArn] },
    ]);
    // Nothing else in the role's policy touches KMS signing or S3.
    const actions = policy.Statement.flatMap((s: { Action: string[] }) => s.Action);
    assert.deepEqual(actions.filter((a: string) => a.startsWith("s3:") || a === "kms:Sign"), ["kms:Sign"]);
    const env = (find(rec, "aws:lambda/function:Function", `${NAME}-function`).inputs.environment as { variables: Record<string, string> }).variables;
    assert.deepEqual([env[AUDIT_ANCHOR_ENV.bucket], env[AUDIT_ANCHOR_ENV.prefix]], [`${NAME}-anchors-id`, AUDIT_ANCHOR.prefix]);
    assert.match(keyArn, /^arn:aws:kms:us-east-1:123456789012:key\//);
  });

  it("makes the bucket's settings one after another: versioning, object lock, encryption, public access block, policy (review N9)", () => {
    const urn = (type: string) => find(rec, type, `${NAME}-anchors`).urn;
    const chain = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketPolicy:BucketPolicy"];
    for (let i = 1; i < chain.length; i++) {
      const r = find(rec, chain[i]!, `${NAME}-anchors`);
      assert.ok(r.dependsOn.includes(urn(chain[i - 1]!)), `${chain[i]} must wait for ${chain[i - 1]}; has ${r.dependsOn.join(", ")}`);
    }
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

describe("ApprovalGateway: what outlives a destroy, and a gateway built directly", () => {
  it("retains the anchor key, the bucket and its settings on delete (a destroy or a replacement cannot orphan locked anchors), and nothing else of the gateway", async () => {
    const retained: string[] = [];
    const model = await exampleModel();
    await recordProgram({
      project: "airlock-test",
      stack: "test",
      config: { "aws:region": "us-east-1" },
      program: () => {
        // A resource transformation sees every child's options (the recording sees only inputs).
        const watch: pulumi.ResourceTransformation = (a) => {
          if (a.opts.retainOnDelete === true) retained.push(`${a.type}::${a.name}`);
          return undefined;
        };
        const platform = new AgentPlatform("platform", { agents: [model], approvals: { agents: { [model.name]: TEST_APPROVALS } }, privateRoutes: privateRoutesVia([model], { transitGatewayId: TEST_TRANSIT_GATEWAY }) }, { transformations: [watch] });
        new AgentDeployment(model.name, { platform, model, evalGate: WIRING_ONLY });
      },
    });
    assert.deepEqual(retained.filter((r) => r.includes(`${NAME}-anchor`)).sort(), [
      `aws:kms/key:Key::${NAME}-anchor-key`,
      `aws:s3/bucket:Bucket::${NAME}-anchors`,
      `aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration::${NAME}-anchors`,
      `aws:s3/bucketPolicy:BucketPolicy::${NAME}-anchors`,
      `aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::${NAME}-anchors`,
      `aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::${NAME}-anchors`,
      `aws:s3/bucketVersioning:BucketVersioning::${NAME}-anchors`,
    ]);
    assert.deepEqual(retained.filter((r) => !r.includes(`${NAME}-anchor`)), []);
  });

  it("given a gateway built directly, refuses a bad credentialMaxAgeDays, reservedConcurrency or anchorRetentionDays before any resource, naming the field", async () => {
    const model = await exampleModel();
    const base = { platformName: "p", aws: {} as never, kmsKeyArn: "k", alarmTopicArn: "t", routes: [{ model, settings: TEST_APPROVALS }], tags: {} };
    const cases: [Record<string, unknown>, string][] = [
      [{ credentialMaxAgeDays: 0 }, "`credentialMaxAgeDays`: must be a whole number of days from 1 to 730"],
      [{ credentialMaxAgeDays: 1.5 }, "`credentialMaxAgeDays`: must be a whole number of days from 1 to 730"],
      [{ reservedConcurrency: 0 }, '`reservedConcurrency`: give a whole number of executions from 1 to 1000, or "none" in an account whose concurrency quota is below 110'],
      [{ reservedConcurrency: 5000 }, '`reservedConcurrency`: give a whole number of executions from 1 to 1000, or "none" in an account whose concurrency quota is below 110'],
      [{ anchorRetentionDays: 0 }, "`anchorRetentionDays`: 0 is not a whole number of days from 1 to 36500 (S3's default retention); use 400 for production and 1 for a throw-away stack (each anchor stays locked, undeletable, for that long)"],
      [{ anchorRetentionDays: 36_501 }, "`anchorRetentionDays`: 36501 is not a whole number of days from 1 to 36500 (S3's default retention); use 400 for production and 1 for a throw-away stack (each anchor stays locked, undeletable, for that long)"],
    ];
    for (const [extra, message] of cases) assert.throws(() => new ApprovalGateway("g", { ...base, ...extra } as never), { message });
  });

  it("given the platform's approvals.anchorRetentionDays 1 (a throw-away stack), locks each anchor for one day", async () => {
    const model = await exampleModel();
    const rec = await recordDeployment(model, { platform: { approvals: { agents: { [model.name]: TEST_APPROVALS }, anchorRetentionDays: 1 } } });
    assert.deepEqual(find(rec, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", `${NAME}-anchors`).inputs.rule, { defaultRetention: { days: 1, mode: "COMPLIANCE" } });
  });
});
