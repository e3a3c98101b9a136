/**
 * Loopback stand-ins for the two AWS APIs the audit anchor uses, driven by the real SDK v3 clients:
 * - KMS (JSON 1.1, `TrentService.Sign` / `Verify` / `GetPublicKey`): asymmetric ECC_NIST_P256 keys made with
 *   node:crypto; Sign and Verify with MessageType DIGEST are real ECDSA over P-256 on the 32-byte
 *   digest (no second hash, as KMS does), so a signature from another key, or over another head,
 *   fails exactly as it would against KMS (KMSInvalidSignatureException);
 * - S3 (REST, path style): a versioned bucket with Object Lock in compliance mode: PutObject needs a
 *   checksum header, every put is a new version, ListObjectVersions lists versions and delete
 *   markers, and DeleteObject with a version id is refused while the version is locked (without
 *   one it adds a delete marker, as S3 does).
 * Requests must carry a SigV4 Authorization header (the SDK's signing with test credentials).
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";

export const REGION = "eu-west-1";
const CREDENTIALS = { accessKeyId: "AKIDTESTANCHOR", secretAccessKey: "test-secret-anchor" };

// --- ECDSA over P-256 on a digest (FIPS 186-4), for the KMS stand-in -------------------------------
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const A = P - 3n;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const G = { x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n, y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n };
type Point = { x: bigint; y: bigint } | null;
const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
function inv(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}
function add(p: Point, q: Point): Point {
  if (p === null) return q;
  if (q === null) return p;
  if (p.x === q.x && mod(p.y + q.y, P) === 0n) return null;
  const l = p.x === q.x ? mod((3n * p.x * p.x + A) * inv(2n * p.y, P), P) : mod((q.y - p.y) * inv(q.x - p.x, P), P);
  const x = mod(l * l - p.x - q.x, P);
  return { x, y: mod(l * (p.x - x) - p.y, P) };
}
function mul(k: bigint, p: Point): Point {
  let r: Point = null;
  for (let b = p; k > 0n; k >>= 1n, b = add(b, b)) if (k & 1n) r = add(r, b);
  return r;
}
const big = (b: Buffer) => BigInt(`0x${b.toString("hex") || "0"}`);
const b64url = (s: string) => big(Buffer.from(s, "base64url"));
function derInt(n: bigint): Buffer {
  let h = n.toString(16);
  if (h.length % 2) h = `0${h}`;
  let b = Buffer.from(h, "hex");
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}
function der(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInt(r), derInt(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
function undér(sig: Buffer): { r: bigint; s: bigint } | undefined {
  if (sig[0] !== 0x30 || sig[2] !== 0x02) return undefined;
  const rl = sig[3]!;
  const r = big(sig.subarray(4, 4 + rl));
  if (sig[4 + rl] !== 0x02) return undefined;
  const sl = sig[5 + rl]!;
  return { r, s: big(sig.subarray(6 + rl, 6 + rl + sl)) };
}

/** One asymmetric signing key of the stand-in. */
export interface StandInKey {
  readonly keyId: string;
  readonly arn: string;
  readonly publicKey: KeyObject;
  readonly d: bigint;
  readonly q: { x: bigint; y: bigint };
}

function signDigest(key: StandInKey, digest: Buffer): Buffer {
  const z = big(digest);
  for (;;) {
    const k = mod(big(randomBytes(32)), N);
    if (k === 0n) continue;
    const r = mod(mul(k, G)!.x, N);
    const s = mod(inv(k, N) * (z + r * key.d), N);
    if (r !== 0n && s !== 0n) return der(r, s);
  }
}

function verifyDigest(key: StandInKey, digest: Buffer, signature: Buffer): boolean {
  const rs = undér(signature);
  if (rs === undefined || rs.r <= 0n || rs.r >= N || rs.s <= 0n || rs.s >= N) return false;
  const w = inv(rs.s, N);
  const X = add(mul(mod(big(digest) * w, N), G), mul(mod(rs.r * w, N), key.q));
  return X !== null && mod(X.x, N) === rs.r;
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const unsigned = (req: IncomingMessage) => !/^AWS4-HMAC-SHA256 Credential=AKIDTESTANCHOR\//.test(String(req.headers.authorization ?? ""));

/** The KMS stand-in. */
export class KmsStandIn {
  readonly keys = new Map<string, StandInKey>();
  readonly calls: { readonly target: string; readonly keyId: string; readonly messageType?: string; readonly messageBytes: number }[] = [];
  #server: Server | undefined;
  url = "";

  /** A new ECC_NIST_P256 SIGN_VERIFY key. */
  createKey(): StandInKey {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = privateKey.export({ format: "jwk" });
    const keyId = randomUUID();
    const key = { keyId, arn: `arn:aws:kms:${REGION}:123456789012:key/${keyId}`, publicKey, d: b64url(jwk.d!), q: { x: b64url(jwk.x!), y: b64url(jwk.y!) } };
    this.keys.set(keyId, key);
    return key;
  }

  /** Signs `digest` with `key` as KMS Sign with MessageType DIGEST would (for a test to forge with its own key). */
  sign(key: StandInKey, digest: Buffer): Buffer {
    return signDigest(key, digest);
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#serve(req, res));
    this.url = await listen(this.#server);
    return this.url;
  }

  client(): KMSClient {
    return new KMSClient({ endpoint: this.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.#server === undefined ? r() : this.#server.close(() => r())));
  }

  #key(id: string): StandInKey | undefined {
    return this.keys.get(id) ?? [...this.keys.values()].find((k) => k.arn === id);
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const body = JSON.parse((await readBody(req)).toString("utf8") || "{}") as Record<string, string>;
    const target = String(req.headers["x-amz-target"] ?? "");
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(value));
    };
    const fail = (type: string, message: string, status = 400) => reply(status, { __type: type, message });
    if (unsigned(req)) return fail("UnrecognizedClientException", "The security token included in the request is invalid.");
    const key = this.#key(body.KeyId ?? "");
    const message = Buffer.from(body.Message ?? "", "base64");
    this.calls.push({ target, keyId: body.KeyId ?? "", ...(body.MessageType === undefined ? {} : { messageType: body.MessageType }), messageBytes: message.length });
    if (key === undefined) return fail("NotFoundException", `Key '${body.KeyId}' does not exist`);
    if (target === "TrentService.GetPublicKey") {
      return reply(200, { KeyId: key.arn, KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY", SigningAlgorithms: ["ECDSA_SHA_256"], PublicKey: key.publicKey.export({ type: "spki", format: "der" }).toString("base64") });
    }
    if (body.SigningAlgorithm !== "ECDSA_SHA_256") return fail("InvalidKeyUsageException", `${body.SigningAlgorithm} is not a signing algorithm of an ECC_NIST_P256 key`);
    if (message.length > 4096) return fail("ValidationException", "Message must have length less than or equal to 4096");
    // DIGEST: the message is the digest; RAW: KMS hashes it first.
    const digest = body.MessageType === "DIGEST" ? message : createHash("sha256").update(message).digest();
    if (digest.length !== 32) return fail("ValidationException", "Digest is invalid length for algorithm ECDSA_SHA_256.");
    if (target === "TrentService.Sign") return reply(200, { KeyId: key.arn, SigningAlgorithm: "ECDSA_SHA_256", Signature: signDigest(key, digest).toString("base64") });
    if (target === "TrentService.Verify") {
      if (!verifyDigest(key, digest, Buffer.from(body.Signature ?? "", "base64"))) return fail("KMSInvalidSignatureException", "");
      return reply(200, { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: "ECDSA_SHA_256" });
    }
    return fail("UnknownOperationException", target);
  }
}

interface StoredVersion {
  readonly key: string;
  readonly versionId: string;
  readonly body: Buffer;
  readonly lastModified: Date;
  readonly deleteMarker: boolean;
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The S3 stand-in: one bucket, versioned, Object Lock in compliance mode with a default retention. */
export class S3StandIn {
  readonly versions: StoredVersion[] = [];
  readonly puts: { readonly key: string; readonly checksum: string | undefined }[] = [];
  #server: Server | undefined;
  url = "";

  constructor(readonly bucket: string) {}

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#serve(req, res));
    this.url = await listen(this.#server);
    return this.url;
  }

  client(): S3Client {
    return new S3Client({ endpoint: this.url, region: REGION, credentials: CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.#server === undefined ? r() : this.#server.close(() => r())));
  }

  /** Puts `body` under `key` directly (an attacker with s3:PutObject: a new version, nothing replaced). */
  put(key: string, body: string): void {
    this.versions.push({ key, versionId: randomUUID().replace(/-/g, ""), body: Buffer.from(body), lastModified: new Date(), deleteMarker: false });
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const url = new URL(req.url ?? "/", this.url);
    const [, bucket, ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    const body = await readBody(req);
    const fail = (status: number, code: string, message: string) => {
      res.writeHead(status, { "content-type": "application/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message></Error>`);
    };
    if (unsigned(req)) return fail(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
    if (bucket !== this.bucket) return fail(404, "NoSuchBucket", "The specified bucket does not exist");
    if (req.method === "PUT" && key !== "") {
      const checksum = (req.headers["x-amz-checksum-sha256"] as string | undefined) ?? (req.headers["content-md5"] as string | undefined);
      const trailer = req.headers["x-amz-trailer"];
      if (checksum === undefined && trailer === undefined) return fail(400, "InvalidRequest", "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters");
      let data = body;
      if (String(req.headers["content-encoding"] ?? "").includes("aws-chunked")) data = unchunk(body);
      if (req.headers["x-amz-checksum-sha256"] !== undefined && createHash("sha256").update(data).digest("base64") !== req.headers["x-amz-checksum-sha256"]) {
        return fail(400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.");
      }
      const v: StoredVersion = { key, versionId: randomUUID().replace(/-/g, ""), body: data, lastModified: new Date(), deleteMarker: false };
      this.versions.push(v);
      this.puts.push({ key, checksum: checksum ?? String(trailer) });
      res.writeHead(200, { etag: `"${createHash("md5").update(data).digest("hex")}"`, "x-amz-version-id": v.versionId });
      return res.end();
    }
    if (req.method === "DELETE" && key !== "") {
      const versionId = url.searchParams.get("versionId");
      // Compliance mode: a locked version is never deleted; a delete without a version adds a marker.
      if (versionId !== null) return fail(403, "AccessDenied", "Access Denied because object protected by object lock.");
      const v: StoredVersion = { key, versionId: randomUUID().replace(/-/g, ""), body: Buffer.alloc(0), lastModified: new Date(), deleteMarker: true };
      this.versions.push(v);
      res.writeHead(204, { "x-amz-delete-marker": "true", "x-amz-version-id": v.versionId });
      return res.end();
    }
    if (req.method === "GET" && key === "" && url.searchParams.has("versions")) {
      const prefix = url.searchParams.get("prefix") ?? "";
      const max = Number(url.searchParams.get("max-keys") ?? 1000);
      const latest = new Map<string, StoredVersion>();
      for (const v of this.versions) latest.set(v.key, v);
      const all = this.versions
        .filter((v) => v.key.startsWith(prefix))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : b.lastModified.getTime() - a.lastModified.getTime() || this.versions.indexOf(b) - this.versions.indexOf(a)));
      const page = all.slice(0, max);
      const entries = page
        .map((v) => {
          const common = `<Key>${xml(v.key)}</Key><VersionId>${v.versionId}</VersionId><IsLatest>${latest.get(v.key) === v}</IsLatest><LastModified>${v.lastModified.toISOString()}</LastModified>`;
          return v.deleteMarker ? `<DeleteMarker>${common}</DeleteMarker>` : `<Version>${common}<ETag>"x"</ETag><Size>${v.body.length}</Size><StorageClass>STANDARD</StorageClass></Version>`;
        })
        .join("");
      res.writeHead(200, { "content-type": "application/xml" });
      return res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${this.bucket}</Name><Prefix>${xml(prefix)}</Prefix><MaxKeys>${max}</MaxKeys><IsTruncated>${all.length > max}</IsTruncated>${entries}</ListVersionsResult>`,
      );
    }
    if (req.method === "GET" && key !== "") {
      const versionId = url.searchParams.get("versionId");
      const candidates = this.versions.filter((v) => v.key === key);
      const v = versionId === null ? candidates.at(-1) : candidates.find((x) => x.versionId === versionId);
      if (v === undefined || v.deleteMarker) return fail(404, "NoSuchKey", "The specified key does not exist.");
      res.writeHead(200, { "content-type": "application/json", "x-amz-version-id": v.versionId, "content-length": String(v.body.length) });
      return res.end(v.body);
    }
    return fail(400, "NotImplemented", `${req.method} ${url.pathname}${url.search} is not served by the stand-in`);
  }
}

/** Decodes an `aws-chunked` body (chunks `<hex size>[;chunk-signature=…]\r\n<data>\r\n`, then trailers). */
function unchunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = parseInt(body.subarray(at, eol).toString("latin1").split(";")[0]!, 16);
    if (!(size > 0)) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
