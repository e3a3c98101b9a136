/**
 * The audit log's head anchored outside the database: periodically (the gateway's schedule,
 * `{ op: "anchor" }`) the head `{ sequence, hash, time }` is read under the chain lock with the
 * database server's clock, its digest signed with an asymmetric KMS key (ECDSA_SHA_256,
 * MessageType DIGEST) and the signed document written to an S3 bucket with Object Lock (compliance
 * mode, versioned): neither the service's database role nor a database superuser can reach the
 * key or the bucket. `airlock audit verify` reads the newest anchor back (listing object
 * versions, so a delete marker cannot hide one), checks its signature with the same key (KMS
 * Verify against the key the operator names, never one the object names), and hands its head to
 * `verifyAuditLog`: a cut tail, a splice or a rewrite from genesis no longer holds the signed head,
 * even when every row's hash is consistent. The facts these rely on are in
 * `@airlock/core`'s `aws/audit-anchor.ts`.
 */
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from "node:crypto";
import { GetPublicKeyCommand, KMSClient, SignCommand, VerifyCommand } from "@aws-sdk/client-kms";
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AUDIT_ANCHOR, type AuditAnchorDocument } from "@airlock/core/contracts";
import { canonicalJson } from "@airlock/core/hash";
import type { Database } from "./db.ts";
import { AUDIT_LOCK, GENESIS_HASH, serverTime, type AnchoredHead, type AuditProblem } from "./log.ts";

/** Where anchors live and which key signs them. */
export interface AnchorLocation {
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly bucket: string;
  /** Key prefix, ending in `/`. @default "audit-anchors/" */
  readonly prefix?: string;
  /** The signing key's id, ARN or alias: the writer signs with it, the reader verifies with it. */
  readonly keyId: string;
}

/** How to reach S3 and KMS (each unset field: the SDK's own default chain). */
export interface AnchorClientOptions {
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** An S3-compatible endpoint (path-style addressing is used then). */
  readonly s3Endpoint?: string;
  readonly kmsEndpoint?: string;
}

/** The S3 and KMS clients of an anchor location (so callers need not depend on the SDK). */
export function anchorClients(o: AnchorClientOptions = {}): { readonly s3: S3Client; readonly kms: KMSClient } {
  const common = { ...(o.region === undefined ? {} : { region: o.region }), ...(o.credentials === undefined ? {} : { credentials: o.credentials }) };
  return {
    s3: new S3Client({ ...common, ...(o.s3Endpoint === undefined ? {} : { endpoint: o.s3Endpoint, forcePathStyle: true }) }),
    kms: new KMSClient({ ...common, ...(o.kmsEndpoint === undefined ? {} : { endpoint: o.kmsEndpoint }) }),
  };
}

/** The head as the anchor records it. */
export interface AnchorHead {
  readonly sequence: number;
  readonly hash: string;
  /** The database server's clock, under the chain lock. */
  readonly time: Date;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Keys sort newest first: 10^16 - sequence, then 10^16 - milliseconds. */
const INVERT = 10_000_000_000_000_000n;
const inverted = (n: number) => (INVERT - BigInt(n)).toString().padStart(17, "0");

/** The S3 key of the anchor of `head` under `prefix`. */
export function anchorKey(prefix: string, head: AnchorHead): string {
  return `${prefix}${inverted(head.sequence)}-${inverted(head.time.getTime())}.json`;
}

/** The 32 bytes the key signs: sha256 of the canonical JSON of `{ format, version, head }`. */
export function anchorDigest(head: AnchorHead): Buffer {
  const signed = { format: AUDIT_ANCHOR.format, version: AUDIT_ANCHOR.version, head: { sequence: head.sequence, hash: head.hash, time: head.time.toISOString() } };
  return createHash("sha256").update(canonicalJson(signed)).digest();
}

/**
 * The head now, read under the chain lock (so every row appended later is dated after `time`)
 * with the database's clock. An empty log's head is sequence 0 and the genesis hash.
 */
export async function readHead(db: Database, previous?: { readonly sequence: number; readonly hash: string }): Promise<AnchorHead> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [AUDIT_LOCK]);
    if (previous !== undefined && previous.sequence > 0) {
      const held = await tx.query<{ hash: string }>("SELECT hash FROM airlock.audit_log WHERE seq = $1", [previous.sequence]);
      if (held.rows[0]?.hash !== previous.hash) {
        throw new Error(
          `refusing to sign the audit log's head: row ${previous.sequence}, the head of the newest anchor already written, ${held.rows[0] === undefined ? "is no longer in the log" : `has hash ${held.rows[0].hash.slice(0, 12)}…, not ${previous.hash.slice(0, 12)}…`}; the log was rewritten or cut since (run \`airlock audit verify\` and treat it as an incident)`,
        );
      }
    }
    const { rows } = await tx.query<{ seq: string | number; hash: string }>("SELECT seq, hash FROM airlock.audit_log ORDER BY seq DESC LIMIT 1");
    const time = await serverTime(tx);
    return rows[0] === undefined ? { sequence: 0, hash: GENESIS_HASH, time } : { sequence: Number(rows[0].seq), hash: rows[0].hash, time };
  });
}

/** The anchor objects' names after the prefix: 17 digits, a dash, 17 digits, `.json`. */
const ANCHOR_NAME = /^\d{17}-\d{17}\.json$/;

/** Whether `key` (under `prefix`) names an anchor (not the public key object beside them). */
export const isAnchorKey = (prefix: string, key: string): boolean => key.startsWith(prefix) && ANCHOR_NAME.test(key.slice(prefix.length));

/** The newest readable anchor document under the prefix (the writer's view, no signature check). */
async function previousAnchor(at: AnchorLocation): Promise<AuditAnchorDocument | undefined> {
  const prefix = at.prefix ?? AUDIT_ANCHOR.prefix;
  const listed = await at.s3.send(new ListObjectVersionsCommand({ Bucket: at.bucket, Prefix: prefix, MaxKeys: 5 }));
  for (const v of (listed.Versions ?? []).filter((x) => x.Key !== undefined && isAnchorKey(prefix, x.Key)).sort((a, b) => (a.Key! < b.Key! ? -1 : a.Key! > b.Key! ? 1 : 0))) {
    const got = await at.s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: v.Key!, ...(v.VersionId === undefined || v.VersionId === "null" ? {} : { VersionId: v.VersionId }) }));
    const doc = parseAnchor((await got.Body?.transformToString("utf8")) ?? "");
    if (typeof doc !== "string") return doc;
  }
  return undefined;
}

/**
 * Signs the current head and writes it to the bucket; returns the head and the object's key.
 * Refuses to sign when the log no longer holds the head of the newest anchor already written (a
 * rewrite, a splice or a cut tail since then): signing would bless the tampered chain, and `audit
 * verify` reads only the newest anchor.
 */
export async function writeAnchor(db: Database, at: AnchorLocation): Promise<{ readonly head: AnchorHead; readonly key: string }> {
  const before = await previousAnchor(at);
  const head = await readHead(db, before?.head);
  const signed = await at.kms.send(
    new SignCommand({ KeyId: at.keyId, Message: anchorDigest(head), MessageType: AUDIT_ANCHOR.messageType, SigningAlgorithm: AUDIT_ANCHOR.signingAlgorithm }),
  );
  if (signed.Signature === undefined) throw new Error(`KMS Sign with key ${at.keyId} returned no signature`);
  const doc: AuditAnchorDocument = {
    format: AUDIT_ANCHOR.format,
    version: AUDIT_ANCHOR.version,
    head: { sequence: head.sequence, hash: head.hash, time: head.time.toISOString() },
    signature: { keyId: signed.KeyId ?? at.keyId, algorithm: AUDIT_ANCHOR.signingAlgorithm, value: Buffer.from(signed.Signature).toString("base64") },
  };
  const key = anchorKey(at.prefix ?? AUDIT_ANCHOR.prefix, head);
  // The bucket's default retention locks the version; an upload under Object Lock needs a checksum.
  await at.s3.send(new PutObjectCommand({ Bucket: at.bucket, Key: key, Body: JSON.stringify(doc), ContentType: "application/json", ChecksumAlgorithm: "SHA256" }));
  await writePublicKey(at);
  return { head, key };
}

/**
 * Where the signing key's public key (GetPublicKey's DER SubjectPublicKeyInfo) is kept beside the
 * anchors: `<prefix>public-key/<key id>.der`, locked like them, so anchors still verify (with
 * node:crypto) once the key is deleted. Named by the last part of the key's ARN or id.
 */
export function publicKeyObjectKey(prefix: string, keyId: string): string {
  return `${prefix}public-key/${keyId.split("/").pop()}.der`;
}

/** A new version at least daily, so a locked copy outlives every anchor (each is locked from its own write). */
const PUBLIC_KEY_REFRESH_MS = 86_400_000;
const publicKeyWritten = new Map<string, number>();

/** Writes the public key object when this process has not in the last day and the bucket's newest copy is older. */
async function writePublicKey(at: AnchorLocation): Promise<void> {
  const objectKey = publicKeyObjectKey(at.prefix ?? AUDIT_ANCHOR.prefix, at.keyId);
  const cacheKey = `${at.bucket}/${objectKey}`;
  const now = Date.now();
  if (now - (publicKeyWritten.get(cacheKey) ?? 0) < PUBLIC_KEY_REFRESH_MS) return;
  const listed = await at.s3.send(new ListObjectVersionsCommand({ Bucket: at.bucket, Prefix: objectKey, MaxKeys: 1000 }));
  const newest = Math.max(0, ...(listed.Versions ?? []).filter((v) => v.Key === objectKey).map((v) => v.LastModified?.getTime() ?? 0));
  if (now - newest >= PUBLIC_KEY_REFRESH_MS) {
    const out = await at.kms.send(new GetPublicKeyCommand({ KeyId: at.keyId }));
    if (out.PublicKey === undefined) throw new Error(`KMS GetPublicKey for key ${at.keyId} returned no public key`);
    await at.s3.send(new PutObjectCommand({ Bucket: at.bucket, Key: objectKey, Body: Buffer.from(out.PublicKey), ContentType: "application/octet-stream", ChecksumAlgorithm: "SHA256" }));
  }
  publicKeyWritten.set(cacheKey, now);
}

/**
 * The public key kept beside the anchors for `at.keyId`, when there is one: every version must hold
 * the same DER (only the gateway writes under the prefix); a disagreement is a problem.
 */
async function readPublicKey(at: AnchorLocation): Promise<{ readonly key?: KeyObject; readonly problem?: string }> {
  const objectKey = publicKeyObjectKey(at.prefix ?? AUDIT_ANCHOR.prefix, at.keyId);
  const listed = await at.s3.send(new ListObjectVersionsCommand({ Bucket: at.bucket, Prefix: objectKey, MaxKeys: 1000 }));
  const versions = (listed.Versions ?? []).filter((v) => v.Key === objectKey);
  const ders = new Set<string>();
  for (const v of versions) {
    const got = await at.s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: objectKey, ...(v.VersionId === undefined || v.VersionId === "null" ? {} : { VersionId: v.VersionId }) }));
    ders.add(Buffer.from((await got.Body?.transformToByteArray()) ?? []).toString("base64"));
  }
  if (ders.size === 0) return {};
  if (ders.size > 1) return { problem: `s3://${at.bucket}/${objectKey} holds ${ders.size} different public keys among its versions; the anchors are checked with KMS Verify instead` };
  try {
    return { key: createPublicKey({ key: Buffer.from([...ders][0]!, "base64"), format: "der", type: "spki" }) };
  } catch (e) {
    return { problem: `s3://${at.bucket}/${objectKey} is not a DER public key (${(e as Error).message}); the anchors are checked with KMS Verify instead` };
  }
}

/**
 * How long a decision waits for its anchor before answering. The click's reply must reach Slack
 * in time: "Your app has to respond to the request within 3 seconds by ack() method. Otherwise, the
 * user will see the timeout error on Slack."
 * (https://docs.slack.dev/tools/java-slack-sdk/guides/interactive-components). The outcome is
 * posted after the anchor, so a slow KMS or S3 holds the click for at most this long; past it the
 * write goes on without the click waiting.
 */
export const ANCHOR_AFTER_DECISION_BUDGET_MS = 1_000;

/**
 * After a decision commits: anchors the head at once, so no row of that decision stands unsigned
 * for the schedule's period. A failure, or a write still going after `budgetMs`, is only reported
 * (`warn`): the schedule retries, and verify fails rows that stay unanchored past the grace.
 */
export async function anchorNow(db: Database, at: AnchorLocation | undefined, warn: (message: string) => void, budgetMs: number = ANCHOR_AFTER_DECISION_BUDGET_MS): Promise<void> {
  if (at === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const write = writeAnchor(db, at).then(
    () => "written" as const,
    (e: unknown) => {
      warn(`airlock approvals: anchoring the audit head after a decision failed (the anchor schedule retries): ${(e as Error).message}`);
      return "failed" as const;
    },
  );
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), budgetMs);
    timer.unref();
  });
  const first = await Promise.race([write, late]);
  clearTimeout(timer);
  if (first === "late") {
    warn(`airlock approvals: anchoring the audit head after a decision took over ${budgetMs} ms; the decision is answered now and the write goes on (the anchor schedule retries if it fails)`);
  }
}

/** What reading the anchors found: the newest one whose signature holds, and what was wrong. */
export interface AnchorReading {
  readonly anchor?: AnchoredHead;
  readonly problems: readonly AuditProblem[];
}

/** Parses an anchor object; a string says what is wrong with it. */
export function parseAnchor(text: string): AuditAnchorDocument | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  const d = raw as Partial<AuditAnchorDocument> | null;
  if (d === null || typeof d !== "object" || d.format !== AUDIT_ANCHOR.format || d.version !== AUDIT_ANCHOR.version) return `not an ${AUDIT_ANCHOR.format} version ${AUDIT_ANCHOR.version} document`;
  const h = d.head;
  if (h === undefined || !Number.isSafeInteger(h.sequence) || h.sequence < 0 || typeof h.hash !== "string" || !SHA256_HEX.test(h.hash) || typeof h.time !== "string" || Number.isNaN(Date.parse(h.time))) {
    return "its `head` is not { sequence ≥ 0, hash: 64 hex, time: ISO date }";
  }
  if (d.signature === undefined || typeof d.signature.value !== "string" || d.signature.algorithm !== AUDIT_ANCHOR.signingAlgorithm) return `its \`signature\` is not an ${AUDIT_ANCHOR.signingAlgorithm} signature`;
  return d as AuditAnchorDocument;
}

/**
 * The newest anchor under the prefix whose signature verifies with `keyId`. Anchors that fail
 * (unreadable, malformed, signed by another key or not at all) are problems, and the next older one
 * is tried; none at all is a problem too. `maxAgeMs` makes an anchor older than that (against
 * `now`) a problem: the writer stopped, or newer anchors are being withheld.
 */
export async function readLatestAnchor(at: AnchorLocation, options: { readonly maxAgeMs?: number; readonly now?: Date; readonly tries?: number } = {}): Promise<AnchorReading> {
  const prefix = at.prefix ?? AUDIT_ANCHOR.prefix;
  const where = `s3://${at.bucket}/${prefix}`;
  const problems: AuditProblem[] = [];
  // Offline when the public key is kept beside the anchors (the key may be gone); else KMS Verify.
  const publicKey = await readPublicKey(at);
  if (publicKey.problem !== undefined) problems.push({ seq: 0, kind: "anchor", message: publicKey.problem });
  const listed = await at.s3.send(new ListObjectVersionsCommand({ Bucket: at.bucket, Prefix: prefix, MaxKeys: options.tries ?? 20 }));
  // Versions, not objects: a delete marker on top of the newest anchor does not hide it.
  const versions = (listed.Versions ?? []).filter((v) => v.Key !== undefined && isAnchorKey(prefix, v.Key)).sort((a, b) => (a.Key! < b.Key! ? -1 : a.Key! > b.Key! ? 1 : (b.LastModified?.getTime() ?? 0) - (a.LastModified?.getTime() ?? 0)));
  for (const v of versions) {
    const source = `s3://${at.bucket}/${v.Key}${v.VersionId === undefined ? "" : ` (version ${v.VersionId})`}`;
    const got = await at.s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: v.Key!, ...(v.VersionId === undefined || v.VersionId === "null" ? {} : { VersionId: v.VersionId }) }));
    const doc = parseAnchor((await got.Body?.transformToString("utf8")) ?? "");
    if (typeof doc === "string") {
      problems.push({ seq: 0, kind: "anchor", message: `anchor ${source} is unreadable: ${doc}; it was not written by the gateway` });
      continue;
    }
    const head: AnchorHead = { sequence: doc.head.sequence, hash: doc.head.hash, time: new Date(doc.head.time) };
    if (!(await signatureHolds(at, head, doc.signature.value, publicKey.key))) {
      problems.push({ seq: doc.head.sequence, kind: "anchor", message: `anchor ${source} (row ${doc.head.sequence}) does not verify with key ${at.keyId}; it is forged or corrupted, and is ignored` });
      continue;
    }
    const now = options.now ?? new Date();
    if (options.maxAgeMs !== undefined && now.getTime() - head.time.getTime() > options.maxAgeMs) {
      problems.push({
        seq: head.sequence,
        kind: "anchor",
        message: `the newest valid anchor (${source}) was taken at ${head.time.toISOString()}, more than ${Math.round(options.maxAgeMs / 60_000)} minutes ago; the gateway's anchor schedule stopped (or newer anchors are missing)`,
      });
    }
    return { anchor: { ...head, source }, problems };
  }
  problems.push({ seq: 0, kind: "anchor", message: `no valid anchor in ${where}${versions.length === 0 ? "" : ` among its ${versions.length} newest`}; the log cannot be checked against a head kept outside the database (the gateway writes one every ${AUDIT_ANCHOR.everyMinutes} minutes)` });
  return { problems };
}

/**
 * The signature over the head: with the kept public key (node:crypto, ECDSA P-256 over SHA-256 of
 * the same canonical JSON whose digest KMS signed), else KMS Verify of the digest with the
 * operator's key; false for an invalid signature.
 */
async function signatureHolds(at: AnchorLocation, head: AnchorHead, signature: string, publicKey?: KeyObject): Promise<boolean> {
  if (publicKey !== undefined) {
    const signed = { format: AUDIT_ANCHOR.format, version: AUDIT_ANCHOR.version, head: { sequence: head.sequence, hash: head.hash, time: head.time.toISOString() } };
    return verifySignature("sha256", Buffer.from(canonicalJson(signed)), publicKey, Buffer.from(signature, "base64"));
  }
  try {
    const out = await at.kms.send(
      new VerifyCommand({
        KeyId: at.keyId,
        Message: anchorDigest(head),
        MessageType: AUDIT_ANCHOR.messageType,
        Signature: Buffer.from(signature, "base64"),
        SigningAlgorithm: AUDIT_ANCHOR.signingAlgorithm,
      }),
    );
    return out.SignatureValid === true;
  } catch (e) {
    // KMS answers an invalid signature with KMSInvalidSignatureException, not SignatureValid false.
    if ((e as { name?: string }).name === "KMSInvalidSignatureException") return false;
    throw e;
  }
}
