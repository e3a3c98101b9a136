/**
 * Names: whether a name says its value is a secret (`OPENAI_API_KEY`, `password`), merely mentions
 * one (`max_tokens`, `secretArn`) or never holds one (`public_key`, `csrf_token`). Part of the
 * detection engine (`engine.ts`); pure, no Node built-ins.
 */
/** Words of a name: camelCase, `_`, `-`, `.` and spaces split it; lower-cased. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Last words that make a name a digest, an id, a reference or a setting, never a secret. */
const NEVER_LAST = new Set(
  (
    "hash hashes hashed digest sha sha1 sha256 sha512 md5 checksum integrity etag fingerprint commit revision rev uuid guid version id ids sid name names type types " +
    "url uri urls endpoint host path file filename dir arn arns length len size count min max expiry expires expiration ttl header headers prefix suffix format algorithm " +
    "alg kind enabled required policy rotation ref refs reference env var source region limit limits hint label description desc mode field param location store provider " +
    "sig signature signatures tokens schema template pattern regex placeholder example created updated at date time timestamp index idx column table bucket queue topic " +
    "usage used timeout interval seconds ms days lifetime strength salt rounds iterations cost scheme scope scopes audience issuer subject class handler parser factory " +
    "manager service client generator validator helper util utils style styles color colour width height encoding encrypted mask masked sanitized redacted status state " +
    "json yaml txt enc kid keyid pub challenge"
  ).split(" "),
);
/** Words anywhere that make a name public or a non-secret setting. */
const NEVER_ANY = new Set(["public", "publishable", "anon", "tokenizer", "tokenizers", "h1", "csrf", "xsrf", "nonce", "pagination", "page", "next", "continuation", "sync", "cursor"]);
/** Last words that make a name a secret whatever comes before. */
const STRONG_LAST = new Set([
  "password", "passwd", "pwd", "passphrase", "pass", "pw", "secret", "secrets", "token", "apikey", "credential", "credentials", "creds", "authorization",
  "cookie", "privatekey", "secretkey", "accesskey", "authtoken", "bearer", "pat", "dsn", "webhook", "passcode", "pin",
]);
/** Words before `key` that make it a lookup key, not a credential. */
const KEY_NOT_SECRET = new Set([
  "sort", "primary", "partition", "foreign", "cache", "idempotency", "dedup", "deduplication", "object", "s3", "routing", "row", "hash", "range", "composite",
  "unique", "lookup", "map", "group", "message", "file", "image", "bucket", "table", "index", "translation", "i18n", "locale", "kms", "react", "item", "shard",
  "dynamo", "dynamodb", "grouping", "redis", "cursor", "sequence", "natural", "schema", "idx", "foreign", "ssh", "gpg", "pgp", "data", "metric", "dimension", "label",
  "tag", "attribute", "field", "column", "config", "setting", "json", "dict", "hot", "short", "key", "the", "a", "this", "my", "your", "region",
]);

/** How much a name says its value is a secret. */
export type NameStrength = "strong" | "weak" | "none" | "never";

/**
 * `strong` (`password`, `OPENAI_API_KEY`, `X-Service-Key`, `clientSecret`, `PGPASSWORD`): its value
 * is a secret unless it is a placeholder or plainly not random; `weak` (`key`, `auth`, `session`):
 * only high-entropy values; `never` (`password_hash`, `secretArn`, `max_tokens`, `keyId`,
 * `public_key`, `h1`): digests, references, settings; `none`: any other name.
 */
export function nameStrength(name: string): NameStrength {
  const cached = strengthCache.get(name);
  if (cached !== undefined) return cached;
  const strength = strengthOf(name);
  if (strengthCache.size > 4096) strengthCache.clear();
  strengthCache.set(name, strength);
  return strength;
}

const strengthCache = new Map<string, NameStrength>();

function strengthOf(name: string): NameStrength {
  const words = nameWords(name);
  if (words.length === 0) return "none";
  if (words.some((w) => NEVER_ANY.has(w))) return "never";
  const last = words[words.length - 1]!;
  if (NEVER_LAST.has(last)) return "never";
  if (/^(?:id|ids)$/.test(last) || /\d+s?$/.test(last) && /^(?:sha|md|h)\d/.test(last)) return "never";
  if (STRONG_LAST.has(last) || /(?:password|passwd|secret|token|apikey|secretkey|accesskey|privatekey)$/.test(last)) return "strong";
  if (last === "key" || last === "keys") {
    const before = words[words.length - 2];
    if (before === undefined) return "weak";
    return KEY_NOT_SECRET.has(before) ? "never" : "strong";
  }
  if (/(?:api|service|signing|encryption|master|license|secret|access|private|auth|session|account|admin|client|app|deploy)key$/.test(last)) return "strong";
  if (last === "auth" || last === "signing" || last === "cred" || last === "sk") return "weak";
  return "none";
}

/**
 * Whether a name says its value is a secret (`password`, `OPENAI_API_KEY`, `X-Service-Key`,
 * `clientSecret`, `Authorization`, `Cookie`), as opposed to settings and references that merely
 * mention one (`max_tokens`, `secretArn`, `password_hash`, `keyId`, `public_key`).
 */
export function isSecretName(name: string): boolean {
  return nameStrength(name) === "strong";
}
