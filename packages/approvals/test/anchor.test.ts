/**
 * The audit anchor against loopback stand-ins for KMS and S3 driven by the real SDK clients: the
 * head is signed (real ECDSA P-256 over the digest) and written as a new locked version; the
 * reader takes the newest anchor whose signature holds with the operator's key.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, verify } from "node:crypto";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { AUDIT_ANCHOR } from "@airlock/core/contracts";
import { canonicalJson } from "@airlock/core/hash";
import { anchorDigest, anchorKey, anchorNow, appendAudit, publicKeyObjectKey, readLatestAnchor, verifyAuditLog, writeAnchor, type AnchorLocation, type Database } from "../src/index.ts";
import { GENESIS_HASH } from "../src/audit/log.ts";
import { KmsStandIn, S3StandIn } from "./helpers/aws-standins.ts";
import { freshPglite } from "./helpers/stores.ts";

const incident = (n: number) => ({ kind: "incident" as const, agent: "support-agent", actionType: "customer.reply", actor: "U0OPERATOR1", payload: { n } });

describe("audit anchor", () => {
  const kms = new KmsStandIn();
  const s3 = new S3StandIn("airlock-anchors");
  let store: Awaited<ReturnType<typeof freshPglite>>;
  let db: Database;
  let at: AnchorLocation;
  before(async () => {
    await Promise.all([kms.start(), s3.start()]);
    store = await freshPglite();
    db = store.db;
    at = { s3: s3.client(), kms: kms.client(), bucket: s3.bucket, keyId: kms.createKey().arn };
  });
  after(async () => {
    await Promise.all([kms.stop(), s3.stop(), store.dispose()]);
  });

  test("given the stand-in's key, a DIGEST signature is plain ECDSA P-256 / SHA-256 of the message (node:crypto verifies it)", () => {
    const key = [...kms.keys.values()][0]!;
    const message = Buffer.from("the head");
    const sig = kms.sign(key, createHash("sha256").update(message).digest());
    assert.equal(verify("sha256", message, key.publicKey, sig), true);
    assert.equal(verify("sha256", Buffer.from("another head"), key.publicKey, sig), false);
  });

  test("given an empty log, the anchor signs sequence 0 and the genesis hash, and the log verifies against it", async () => {
    const { head, key } = await writeAnchor(db, at);
    assert.deepEqual([head.sequence, head.hash], [0, GENESIS_HASH]);
    assert.equal(key, anchorKey(AUDIT_ANCHOR.prefix, head));
    const read = await readLatestAnchor(at);
    assert.deepEqual(read.problems, []);
    assert.equal((await verifyAuditLog(db, { anchor: read.anchor! })).ok, true);
  });

  test("when rows are appended and anchored, the object holds the signed head, the signature is over its 32-byte digest, and the upload carries a checksum", async () => {
    for (let i = 1; i <= 3; i++) await db.transaction((tx) => appendAudit(tx, incident(i)));
    const before = kms.calls.length;
    const { head, key } = await writeAnchor(db, at);
    assert.equal(head.sequence, 3);
    const sign = kms.calls.slice(before).find((c) => c.target === "TrentService.Sign")!;
    assert.deepEqual(sign, { target: "TrentService.Sign", keyId: at.keyId, messageType: "DIGEST", messageBytes: 32 });
    assert.ok(s3.puts.at(-1)?.checksum !== undefined);
    const stored = s3.versions.filter((v) => v.key === key);
    assert.equal(stored.length, 1);
    const doc = JSON.parse(stored[0]!.body.toString("utf8"));
    assert.deepEqual(Object.keys(doc).sort(), ["format", "head", "signature", "version"]);
    assert.deepEqual(doc.head, { sequence: 3, hash: head.hash, time: head.time.toISOString() });
    assert.equal(doc.signature.algorithm, "ECDSA_SHA_256");
    // The digest is sha256 of the canonical { format, version, head }.
    assert.deepEqual(anchorDigest(head), createHash("sha256").update(canonicalJson({ format: doc.format, version: doc.version, head: doc.head })).digest());
    const k = [...kms.keys.values()][0]!;
    assert.equal(verify("sha256", Buffer.from(canonicalJson({ format: doc.format, version: doc.version, head: doc.head })), k.publicKey, Buffer.from(doc.signature.value, "base64")), true);
    const read = await readLatestAnchor(at);
    assert.deepEqual([read.anchor?.sequence, read.anchor?.hash, read.anchor?.time.toISOString()], [3, head.hash, head.time.toISOString()]);
  });

  test("given a newer anchor forged with another key (or unsigned), the reader names it and falls back to the newest genuine one", async () => {
    const genuine = (await readLatestAnchor(at)).anchor!;
    const other = kms.createKey();
    const head = { sequence: 99, hash: "a".repeat(64), time: new Date() };
    const doc = { format: AUDIT_ANCHOR.format, version: AUDIT_ANCHOR.version, head: { ...head, time: head.time.toISOString() }, signature: { keyId: other.arn, algorithm: "ECDSA_SHA_256", value: kms.sign(other, anchorDigest(head)).toString("base64") } };
    s3.put(anchorKey(AUDIT_ANCHOR.prefix, head), JSON.stringify(doc));
    s3.put(anchorKey(AUDIT_ANCHOR.prefix, { ...head, sequence: 98 }), "{ not json");
    const read = await readLatestAnchor(at);
    assert.equal(read.anchor?.sequence, genuine.sequence);
    assert.deepEqual(
      read.problems.map((p) => p.message.replace(/\(version \w+\)/, "(version V)")),
      [
        `anchor s3://airlock-anchors/${anchorKey(AUDIT_ANCHOR.prefix, head)} (version V) (row 99) does not verify with key ${at.keyId}; it is forged or corrupted, and is ignored`,
        `anchor s3://airlock-anchors/${anchorKey(AUDIT_ANCHOR.prefix, { ...head, sequence: 98 })} (version V) is unreadable: not JSON; it was not written by the gateway`,
      ],
    );
    s3.versions.splice(0, s3.versions.length, ...s3.versions.filter((v) => !v.key.includes(anchorKey("", head).slice(0, 17)) && !v.key.includes(anchorKey("", { ...head, sequence: 98 }).slice(0, 17))));
  });

  test("when someone deletes the newest anchor without a version id, the delete marker does not hide it; deleting the version is refused", async () => {
    const newest = (await readLatestAnchor(at)).anchor!;
    const key = newest.source.replace(/^s3:\/\/airlock-anchors\//, "").replace(/ \(version .*\)$/, "");
    await at.s3.send(new DeleteObjectCommand({ Bucket: at.bucket, Key: key }));
    assert.equal((await readLatestAnchor(at)).anchor?.sequence, newest.sequence);
    const versionId = /\(version (\w+)\)/.exec(newest.source)![1]!;
    await assert.rejects(at.s3.send(new DeleteObjectCommand({ Bucket: at.bucket, Key: key, VersionId: versionId })), /object lock/);
  });

  test("given the public key kept beside the anchors, when the KMS key is deleted, then the anchors still verify offline and a forgery with another key still fails", async () => {
    const k = [...kms.keys.values()][0]!;
    const objectKey = publicKeyObjectKey(AUDIT_ANCHOR.prefix, at.keyId);
    const kept = s3.versions.filter((v) => v.key === objectKey);
    assert.equal(kept.length, 1, "the writer keeps one copy a day");
    assert.deepEqual(kept[0]!.body, k.publicKey.export({ type: "spki", format: "der" }));
    const genuine = (await readLatestAnchor(at)).anchor!;
    kms.keys.delete(k.keyId);
    try {
      const offline = await readLatestAnchor(at);
      assert.deepEqual(offline.problems, []);
      assert.deepEqual([offline.anchor?.sequence, offline.anchor?.hash], [genuine.sequence, genuine.hash]);
      const other = kms.createKey();
      const head = { sequence: 97, hash: "b".repeat(64), time: new Date() };
      const forged = { format: AUDIT_ANCHOR.format, version: AUDIT_ANCHOR.version, head: { ...head, time: head.time.toISOString() }, signature: { keyId: at.keyId, algorithm: "ECDSA_SHA_256", value: kms.sign(other, anchorDigest(head)).toString("base64") } };
      s3.put(anchorKey(AUDIT_ANCHOR.prefix, head), JSON.stringify(forged));
      const read = await readLatestAnchor(at);
      assert.equal(read.anchor?.sequence, genuine.sequence);
      assert.match(read.problems[0]?.message ?? "", /\(row 97\) does not verify with key .+; it is forged or corrupted, and is ignored$/);
      s3.versions.splice(0, s3.versions.length, ...s3.versions.filter((v) => v.key !== anchorKey(AUDIT_ANCHOR.prefix, head)));
    } finally {
      kms.keys.set(k.keyId, k);
    }
  });

  test("given an anchor older than the allowed age, or none at all, the reader says so", async () => {
    const late = await readLatestAnchor(at, { maxAgeMs: 60_000, now: new Date(Date.now() + 3_600_000) });
    assert.match(late.problems[0]?.message ?? "", /^the newest valid anchor \(s3:\/\/airlock-anchors\/.+\) was taken at .+, more than 1 minutes ago; the gateway's anchor schedule stopped \(or newer anchors are missing\)$/);
    const none = await readLatestAnchor({ ...at, prefix: "elsewhere/" });
    assert.equal(none.anchor, undefined);
    assert.deepEqual(none.problems.map((p) => p.message), ["no valid anchor in s3://airlock-anchors/elsewhere/; the log cannot be checked against a head kept outside the database (the gateway writes one every 5 minutes)"]);
  });
});

describe("the anchor after a decision", () => {
  test("given S3 that never answers, when a decision anchors, then it waits only the budget and says the write goes on", async () => {
    const store = await freshPglite();
    try {
      await store.db.transaction((tx) => appendAudit(tx, incident(1)));
      const hung = { send: () => new Promise(() => {}) } as unknown as AnchorLocation["s3"];
      const kms = { send: () => new Promise(() => {}) } as unknown as AnchorLocation["kms"];
      const warnings: string[] = [];
      await anchorNow(store.db, { s3: hung, kms, bucket: "b", keyId: "k" }, (m) => warnings.push(m), 20);
      assert.deepEqual(warnings, [
        "airlock approvals: anchoring the audit head after a decision took over 20 ms; the decision is answered now and the write goes on (the anchor schedule retries if it fails)",
      ]);
    } finally {
      await store.dispose();
    }
  });

  test("given S3 that refuses, when a decision anchors, then the failure is a warning, never the decision's error", async () => {
    const store = await freshPglite();
    try {
      await store.db.transaction((tx) => appendAudit(tx, incident(1)));
      const refusing = { send: () => Promise.reject(new Error("AccessDenied")) } as unknown as AnchorLocation["s3"];
      const warnings: string[] = [];
      await anchorNow(store.db, { s3: refusing, kms: refusing as unknown as AnchorLocation["kms"], bucket: "b", keyId: "k" }, (m) => warnings.push(m), 5_000);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /^airlock approvals: anchoring the audit head after a decision failed \(the anchor schedule retries\): /);
    } finally {
      await store.dispose();
    }
  });
});
