/**
 * The one detection engine behind the leak scanner (`airlock scan`), the manifest and plan checks,
 * the tracer's and the approvals' redaction: vendor formats (`rules.ts`) plus Airlock's context
 * rules:
 *   - values under secret names (`OPENAI_API_KEY=…`, `"password": "…"`, `X-Service-Key: …`,
 *     `--token …`, `aws configure set aws_secret_access_key …`, YAML block scalars, `name`/`value`
 *     pairs), judged by the name's strength and the value's entropy and character classes;
 *   - passwords in connection URLs (`postgres://user:password@host`, `rediss://:pw@…`, `mongodb+srv://…`);
 *   - whole PEM private-key blocks (header, body and footer; across `\n` escapes);
 *   - text inside JSON-escaped strings (`\n`, `\u002d`, `\/`), decoded and searched again;
 *   - base64-wrapped text (Kubernetes Secrets, a base64 `.env`), decoded and searched again.
 *
 * Documented example keys (AWS's `AKIAIOSFODNN7EXAMPLE`, values ending `EXAMPLE`/`EXAMPLEKEY`) and
 * placeholders (`xxxx…`, `****`, `<token>`, `${VAR}`, `{{ secrets.X }}`, `changeme`, `your-…`) are
 * matched but marked `example`: the scanner and the manifest checks do not report them (they are
 * no leak), the redactors still hide them (hiding costs nothing, and a real key that happens to
 * look like one is never shown).
 *
 * Pure and synchronous, no Node built-ins: it is bundled into the approval gateway's Lambda.
 */
import { FORMAT_RULES, type FormatRule } from "./rules.ts";

export interface Detection {
  readonly id: string;
  readonly description: string;
  /** Offset in the searched text. */
  readonly index: number;
  readonly length: number;
  /** A documented example or a placeholder: redacted, not reported. */
  readonly example: boolean;
}

export interface DetectOptions {
  /**
   * The text is the value of this name (an object key in a trace, an environment variable): the
   * whole text is judged as a value assigned to it, as the scanner judges `NAME=value`.
   */
  readonly key?: string;
  /** Source code: an unquoted right-hand side is an expression, not a literal. @default false */
  readonly code?: boolean;
  /** Only the vendor formats, URL passwords and PEM blocks (for binary files). @default false */
  readonly formatsOnly?: boolean;
}

export const HIGH_ENTROPY_ID = "HighEntropyString";
export const URL_PASSWORD_ID = "UrlPassword";
export const PRIVATE_KEY_ID = "PrivateKey";

const compiled = FORMAT_RULES.map((rule) => ({ rule, re: new RegExp(rule.regex, "g") }));

// --- names -------------------------------------------------------------------------------------

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

// --- values ------------------------------------------------------------------------------------

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Placeholders, references and documented examples: matched, never reported. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v === "") return true;
  if (/(?:x{4,}|X{4,}|\*{3,}|\.{3,}|_{4,}|0{8,}|#{4,}|•{3,})/.test(v)) return true;
  if (/EXAMPLE(?:KEY)?$|^AKIAIOSFODNN7|wJalrXUtnFEMI\/K7MDENG/.test(v)) return true;
  if (/^[<[{(].*[>\]})]$|\$\{[^}]*\}|\{\{.*\}\}|^\$[A-Za-z_(]|%\(?[A-Za-z_]*\)?s|^%[A-Z_]+%$|\[REDACTED/.test(v)) return true;
  // Words, not a random token: `your-slack-bot-token`, `insert_key_here`, `changeme`.
  if (/^[A-Za-z][A-Za-z_\- .]*$/.test(v) && /(?:^|[^A-Za-z])(?:your|my|insert|replace|put|enter|placeholder|changeme|change[-_]me|dummy|sample|redacted|todo|fixme|here)(?:[^A-Za-z]|$)/i.test(v)) return true;
  return /^(?:(?:[a-z]+[-_])*(?:key|token|secret|password|passwd|pass|value|string|example|test|demo|none|null|nil|undefined|true|false|empty|default|xxx+|abc|foo|bar|baz|qux|hunter2))$/i.test(v);
}

/** A run of six consecutive characters (`abcdef`, `456789`): an alphabet, not a key. */
function hasAlphabetRun(value: string): boolean {
  let run = 1;
  for (let i = 1; i < value.length; i++) {
    run = value.charCodeAt(i) === value.charCodeAt(i - 1) + 1 ? run + 1 : 1;
    if (run >= 6) return true;
  }
  return false;
}

/**
 * Whether a value reads as words (`CancellationToken`, `Uint8Array`, `support-agent-task`): 85% of
 * its characters are in camel-case / `_` / `-` segments that are words (longer ones with a vowel),
 * and at least 28% of its letters are vowels. A random 20-character key passes this test about
 * once in 200 (measured); one of 32 characters about once in 2,000.
 */
export function looksLikeIdentifier(value: string): boolean {
  if (/[/+=]/.test(value)) return false;
  const parts = value
    .split(/[_\-.: ]+/)
    .flatMap((p) => p.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/))
    .filter(Boolean);
  if (parts.length === 0) return false;
  const isWord = (p: string): boolean => /^[A-Z]?[a-z]{2,}\d{0,2}$|^[A-Z]{2,5}\d{0,2}$/.test(p) && (p.length < 4 || /[aeiouyAEIOUY]/.test(p));
  const counted = parts.filter((p) => !/^\d+$/.test(p));
  if (counted.length === 0) return false;
  const wordChars = counted.filter(isWord).reduce((n, p) => n + p.length, 0);
  const total = counted.reduce((n, p) => n + p.length, 0);
  const letters = value.replace(/[^A-Za-z]/g, "");
  const vowels = letters.replace(/[^aeiouyAEIOUY]/g, "").length;
  return letters.length > 0 && wordChars / total >= 0.85 && vowels / letters.length >= 0.28;
}

/** Values that look random but are digests, integrity hashes or public identifiers. */
const NON_SECRET_VALUE = [
  /^(?:sha1|sha224|sha256|sha384|sha512|md5|h1)[:-]/i,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  // Anthropic and OpenAI object ids in exported conversations.
  /^(?:msg|toolu|srvtoolu|req|file|msgbatch|compl|chatcmpl|call|asst|thread|run|resp|batch|step|vs|ft|ftjob|org|proj|user)[_-][A-Za-z0-9]+$/,
  // Stripe object ids and publishable keys (public by design).
  /^(?:pi|pm|evt|ch|cus|in|ii|sub|si|price|prod|txn|re|src|card|ba|acct|seti|cs|po|tr|py|il|tok|prv|sess|pk_live|pk_test|plink|inv|cn|dp|du|file_link|mandate|payout)_[A-Za-z0-9_]+$/,
  // IPFS CIDs (v0 base58, v1 base32), Mongo ObjectIds, ULIDs.
  /^Qm[1-9A-HJ-NP-Za-km-z]{44}$/,
  /^baf[a-z2-7]{50,}$/,
  /^[0-9A-HJKMNP-TV-Z]{26}$/,
  // PostHog project keys, Twilio account and service SIDs: public identifiers.
  /^phc_[A-Za-z0-9]+$/,
  /^(?:AC|MG|PN|MM|SM|CA|RE|QU|WS|IS|VA)[0-9a-f]{32}$/,
  // Base64 file contents (PNG, JPEG, GIF, WebP, PDF, SVG, XML, gzip) in logs of image and document blocks.
  /^(?:iVBORw0KGgo|\/9j\/|R0lGOD|UklGR|JVBERi0|PHN2Zy|PD94bWwg|H4sI)/,
  // Public keys and certificates.
  /^(?:AAAA[BC]3NzaC|LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS|LS0tLS1CRUdJTiBQVUJMSUMgS0VZ)/,
];
const TOKEN = /^[A-Za-z0-9+/=_-]+$/;
const HEX_ONLY = /^[0-9a-fA-F-]+$/;

/** Printable text a base64 value decodes to, if it is base64 of text; else undefined. */
export function decodeBase64Text(value: string): string | undefined {
  if (value.length < 16 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return undefined;
  const body = value.replace(/=+$/, "");
  if (body.length % 4 === 1) return undefined;
  const bytes = base64Bytes(body);
  if (bytes === undefined || bytes.length === 0) return undefined;
  let printable = 0;
  for (const b of bytes) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) printable++;
  if (printable / bytes.length < 0.97) return undefined;
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < a.length; i++) t[a.charCodeAt(i)] = i;
  t["-".charCodeAt(0)] = 62;
  t["_".charCodeAt(0)] = 63;
  return t;
})();

/** Base64 (standard or URL alphabet, no padding) to bytes, without Buffer or atob (bundle-friendly). */
function base64Bytes(body: string): number[] | undefined {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < body.length; i++) {
    const v = B64_INDEX[body.charCodeAt(i)] ?? -1;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return out;
}

/**
 * Whether `value`, assigned to `key`, is a secret: under a strong name any value that is not a
 * placeholder, a reference or plainly not random; under a weak or unknown name only high-entropy
 * tokens. Hex strings count only under a secret-looking name (unlabelled hex is almost always a
 * digest or a commit).
 */
export function isHighEntropySecret(key: string, value: string): boolean {
  const strength = nameStrength(key);
  if (strength === "never") return false;
  if (value.length > 1024 || NON_SECRET_VALUE.some((re) => re.test(value))) return false;
  if (isPlaceholder(value)) return false;
  if (strength === "strong") {
    // Base64 of text (a Kubernetes Secret's data): judge what it decodes to.
    const decoded = decodeBase64Text(value);
    if (decoded !== undefined && decoded.length >= 8 && !/\s/.test(decoded.trim())) return isStrongValue(decoded.trim());
    return isStrongValue(value);
  }
  if (!TOKEN.test(value)) return false;
  if (decodeBase64Text(value) !== undefined) return false;
  const weak = strength === "weak";
  if (value.length < (weak ? 16 : 32) || value.length > 512) return false;
  if (looksLikeIdentifier(value) || hasAlphabetRun(value)) return false;
  const entropy = shannonEntropy(value);
  if (HEX_ONLY.test(value)) return false;
  const hasDigit = /[0-9]/.test(value);
  const hasLetter = /[A-Za-z]/.test(value);
  if (weak) return hasLetter && (hasDigit || (/[A-Z]/.test(value) && /[a-z]/.test(value))) && entropy >= 3.0;
  return hasDigit && hasLetter && /[A-Z]/.test(value) && /[a-z]/.test(value) && entropy >= Math.min(4.0, 0.8 * Math.log2(value.length));
}

/** A value under a strong name: long enough, not words, not a URL or path, random enough. */
function isStrongValue(value: string): boolean {
  if (value.length < 8 || value.length > 1024 || /\s/.test(value)) return false;
  if (isPlaceholder(value) || NON_SECRET_VALUE.some((re) => re.test(value))) return false;
  if (/^(?:[a-z][a-z0-9+.-]*:\/\/|\/|\.\.?\/|~\/|arn:|[a-z]+:[a-z]|file:|s3:)/i.test(value)) return false;
  if (/^-?\d+(?:\.\d+)?[a-z]{0,2}$/i.test(value) || /^(?:true|false|null|none|nil|undefined|yes|no|on|off)$/i.test(value)) return false;
  // A reference (`process.env.TOKEN`, `config.db.password`, `self.secret()`): word segments, not a random string.
  if (/^[A-Za-z_]+(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?:\(.*\))?$/.test(value)) return false;
  if (/^[A-Za-z_$][\w$]*\(.*\)$/.test(value)) return false;
  if (hasAlphabetRun(value)) return false;
  const letters = /[A-Za-z]/.test(value);
  const digits = /[0-9]/.test(value);
  const punct = /[^A-Za-z0-9]/.test(value);
  const classes = [/[a-z]/.test(value), /[A-Z]/.test(value), digits, punct].filter(Boolean).length;
  if (looksLikeIdentifier(value) && !(digits && punct)) return false;
  const entropy = shannonEntropy(value);
  if (HEX_ONLY.test(value)) return value.replace(/-/g, "").length >= 16 && entropy >= 2.5;
  if (value.length >= 16) return letters && classes >= 2 && entropy >= 3.0;
  return letters && classes >= 3 && entropy >= 2.5;
}

// --- text views --------------------------------------------------------------------------------

const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f", "/": "/", '"': '"', "'": "'", "\\": "\\" };

/** JSON-style escapes decoded, with each decoded character's offset in the raw text. */
function decodeEscapes(text: string): { text: string; map: Int32Array } | undefined {
  if (!/\\(?:u[0-9a-fA-F]{4}|[/nrtbf"'\\])/.test(text)) return undefined;
  const parts: string[] = [];
  const map = new Int32Array(text.length + 1);
  let n = 0;
  let from = 0;
  for (let i = text.indexOf("\\"); i !== -1 && i + 1 < text.length; i = text.indexOf("\\", from)) {
    // The plain run before the backslash, copied whole.
    parts.push(text.slice(from, i));
    for (let k = from; k < i; k++) map[n++] = k;
    const c = text[i + 1]!;
    let decoded: string | undefined;
    let width = 2;
    if (c === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      decoded = String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      width = 6;
    } else decoded = SIMPLE_ESCAPES[c];
    if (decoded === undefined) {
      decoded = "\\";
      width = 1;
    }
    parts.push(decoded);
    map[n++] = i;
    from = i + width;
  }
  parts.push(text.slice(from));
  for (let k = from; k < text.length; k++) map[n++] = k;
  map[n] = text.length;
  return { text: parts.join(""), map: map.subarray(0, n + 1) };
}

// --- context rules -----------------------------------------------------------------------------

/** `-----BEGIN … PRIVATE KEY-----` to its footer, or to the end of the base64 that follows. */
const PEM_BEGIN = /-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-[0-9]: /g;
const PEM_END = /-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----|Private-MAC: [0-9a-f]+/g;
const PEM_BODY = /^(?:[A-Za-z0-9+/=\s]|\\[nr]|\\\\[nr]|[A-Za-z-]+: [^\n\\]*|"\s*\+?\s*"|,)*/;

function pemBlocks(text: string, out: Detection[]): void {
  PEM_BEGIN.lastIndex = 0;
  for (let m = PEM_BEGIN.exec(text); m !== null; m = PEM_BEGIN.exec(text)) {
    const start = m.index;
    PEM_END.lastIndex = start + m[0].length;
    const end = PEM_END.exec(text);
    let stop: number;
    if (end !== null && end.index - start < 65_536) stop = end.index + end[0].length;
    else {
      const body = PEM_BODY.exec(text.slice(start + m[0].length, start + m[0].length + 65_536));
      stop = start + m[0].length + (body?.[0].length ?? 0);
      while (stop > start + m[0].length && /[\s"\\n,]/.test(text[stop - 1]!)) stop--;
    }
    out.push({ id: PRIVATE_KEY_ID, description: "PEM private key", index: start, length: stop - start, example: false });
    PEM_BEGIN.lastIndex = stop;
  }
}

/** `scheme://user:password@host`: the password (an empty user is allowed: `rediss://:pw@host`). */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]{1,20}):\/\/([^\s:/?#@'"`<>]{0,128}):([^\s/?#'"`<>]{1,256})@(?=[A-Za-z0-9[])/gi;

function urlPasswords(text: string, out: Detection[]): void {
  URL_CREDENTIALS.lastIndex = 0;
  for (let m = URL_CREDENTIALS.exec(text); m !== null; m = URL_CREDENTIALS.exec(text)) {
    let password = m[3]!;
    // A password holding `@` unencoded: the host starts after the last one.
    const start = m.index + m[1]!.length + 3 + m[2]!.length + 1;
    if (password.includes("@")) password = password.slice(0, password.lastIndexOf("@"));
    const user = m[2]!;
    const example = isPlaceholder(password) || /^(?:password|pass|pwd|secret|user|username|dbpassword|db_password)$/i.test(password) || /^[<{$%]/.test(user) && /^[<{$%]/.test(password);
    if (password.length === 0) continue;
    out.push({ id: URL_PASSWORD_ID, description: `password in a ${m[1]!.toLowerCase()} URL`, index: start, length: password.length, example });
  }
}

/** `name` then a separator then a value: `=`, `:`, `:=`, `=>`, `<-`, or a space after a flag or a snake/kebab name. */
const ASSIGNMENT =
  /(?<![A-Za-z0-9_$.:/-])(--?)?([A-Za-z_$][A-Za-z0-9_.$-]{0,80}?)(["'`]?\]?)(?:[ \t]*(?::=|=>|<-|=|:)[ \t]*|[ \t]+(?:(?:is|was|are|equals|of)[ \t]+)?(?=["'`]?[^\s"'`=:]{8,}))(["'`]?)(?:(?:Bearer|Basic|Token|token|bearer|Digest|ApiKey|Key)[ \t]+)?/g;
/** `name: |` / `name: >-` and the indented lines under it. */
const BLOCK_SCALAR = /^([ \t]*)(?:- )?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?[ \t]*:[ \t]*[|>][-+]?[0-9]?[ \t]*\r?\n((?:[ \t]*\r?\n)*)(\1[ \t]+)(\S[^\n]*)/gm;
/** `{"name": "API_KEY", "value": "…"}` and `- name: API_KEY\n  value: …` (container environments). */
const NAME_VALUE = /["']?name["']?[ \t]*[:=][ \t]*["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?[ \t]*(?:,[ \t]*|\r?\n[ \t]*)["']?value["']?[ \t]*[:=][ \t]*(["']?)/g;
const LONG_TOKEN = /[A-Za-z0-9+/_-]{32}/;
const KEYWORD = /pass|pwd|secret|token|key|auth|cred|cookie|session|bearer|dsn|webhook|pat|pin|sk/i;

/** The value starting at `at` (after an optional opening quote `q`); its end. */
function valueAt(text: string, at: number, q: string, urlQuery: boolean): [number, number] | undefined {
  if (q !== "") {
    let i = at;
    const limit = Math.min(text.length, at + 1100);
    while (i < limit && text[i] !== q && text[i] !== "\n") {
      if (text[i] === "\\" && i + 1 < limit) i++;
      i++;
    }
    if (i >= limit || text[i] !== q) return undefined;
    return [at, i];
  }
  let i = at;
  const limit = Math.min(text.length, at + 1100);
  while (i < limit && !/[\s"'`]/.test(text[i]!) && !(urlQuery && (text[i] === "&" || text[i] === "#"))) i++;
  let end = i;
  while (end > at && /[,;)}\]>]/.test(text[end - 1]!)) end--;
  return end > at ? [at, end] : undefined;
}

function assignments(text: string, code: boolean, out: Detection[]): void {
  // Secret names, or a token long enough to be judged under any name.
  if (!KEYWORD.test(text) && !LONG_TOKEN.test(text)) return;
  ASSIGNMENT.lastIndex = 0;
  for (let m = ASSIGNMENT.exec(text); m !== null; m = ASSIGNMENT.exec(text)) {
    const flag = m[1] ?? "";
    const key = m[2]!;
    const closing = m[3]!;
    const q = m[4]!;
    const spaced = !/[=:]|<-/.test(m[0].slice(flag.length + key.length + closing.length, m[0].length - q.length));
    if (m[0].length === flag.length + key.length + closing.length) continue;
    // Most names (`level`, `ts`, `path`) say nothing: only a long token can be a secret under them.
    const mentions = KEYWORD.test(key);
    if (!mentions && spaced) continue;
    const strength = mentions ? nameStrength(key) : "none";
    if (strength === "never" || strength === "none" && spaced) continue;
    // A space separates a name from its value only for flags and snake/kebab names (`--token x`, `aws_secret_access_key x`).
    if (spaced && flag === "" && !/[_-]/.test(key) && strength !== "strong") continue;
    if (spaced && flag === "" && !/[_-]/.test(key) && !/^(?:Bearer|Basic|Token|token)\b/.test(text.slice(m.index + m[0].length - 7))) {
      // `password hunter2` in prose is no assignment; `PGPASSWORD x` is rare enough.
      if (!/[_-]/.test(key)) continue;
    }
    const at = m.index + m[0].length;
    const prev = m.index > 0 ? text[m.index - 1] : "";
    const v = valueAt(text, at, q, prev === "?" || prev === "&");
    if (v === undefined) continue;
    if (code && q === "" && !spaced) {
      ASSIGNMENT.lastIndex = Math.max(ASSIGNMENT.lastIndex, at);
      continue;
    }
    if (!mentions && v[1] - v[0] < 32) continue;
    const value = text.slice(v[0], v[1]);
    if (isHighEntropySecret(key.split(".").pop()!, value)) {
      out.push({ id: HIGH_ENTROPY_ID, description: `high-entropy value assigned to \`${key}\``, index: v[0], length: v[1] - v[0], example: false });
      ASSIGNMENT.lastIndex = Math.max(ASSIGNMENT.lastIndex, v[1]);
    }
  }
  BLOCK_SCALAR.lastIndex = 0;
  for (let m = BLOCK_SCALAR.exec(text); m !== null; m = BLOCK_SCALAR.exec(text)) {
    const value = m[5]!.trimEnd();
    const index = m.index + m[0].length - m[5]!.length;
    if (isHighEntropySecret(m[2]!, value)) out.push({ id: HIGH_ENTROPY_ID, description: `high-entropy value assigned to \`${m[2]!}\``, index, length: value.length, example: false });
  }
  NAME_VALUE.lastIndex = 0;
  for (let m = NAME_VALUE.exec(text); m !== null; m = NAME_VALUE.exec(text)) {
    const v = valueAt(text, m.index + m[0].length, m[2]!, false);
    if (v === undefined) continue;
    if (isHighEntropySecret(m[1]!, text.slice(v[0], v[1]))) out.push({ id: HIGH_ENTROPY_ID, description: `high-entropy value assigned to \`${m[1]!}\``, index: v[0], length: v[1] - v[0], example: false });
  }
}

function formats(text: string, out: Detection[]): void {
  for (const { rule, re } of compiled) {
    if (!rule.keywords.some((k) => text.includes(k))) continue;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      out.push({ id: rule.id, description: rule.description, index: m.index, length: m[0].length, example: isPlaceholder(m[0]) || isExampleBody(rule, m[0]) });
      if (m[0].length === 0) re.lastIndex++;
    }
  }
}

/** A vendor prefix with a placeholder body (`ghp_` and 36 `x`, `sk-ant-api03-XXXX…AA`). */
function isExampleBody(rule: FormatRule, match: string): boolean {
  const body = match.replace(/^[A-Za-z0-9]+[-_.]/, "");
  if (/(.)\1{7,}/.test(body)) return true;
  return rule.id === "AwsAccessKeyId" && /EXAMPLE$/.test(match);
}

/** Base64 runs that decode to text holding a secret: the whole run is the finding. */
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{24,}={0,2}(?![A-Za-z0-9+/=_-])/g;

function base64Wrapped(text: string, depth: number, out: Detection[]): void {
  // The runs first: searching a decoded run calls this again, which moves BASE64_RUN's lastIndex.
  const runs: { index: number; run: string }[] = [];
  BASE64_RUN.lastIndex = 0;
  let budget = 1 << 20;
  for (let m = BASE64_RUN.exec(text); m !== null && budget > 0; m = BASE64_RUN.exec(text)) {
    const run = m[0];
    if (run.length % 4 === 1 || /^eyJ|^[A-Za-z_]+$|^[0-9a-f]+$/.test(run)) continue;
    budget -= run.length;
    runs.push({ index: m.index, run });
  }
  for (const { index, run } of runs) {
    const decoded = decodeBase64Text(run.length > 262_144 ? run.slice(0, 262_144) : run);
    if (decoded === undefined) continue;
    const inner = detectIn(decoded, { formatsOnly: false }, depth + 1).filter((d) => !d.example);
    if (inner.length > 0) {
      const first = inner[0]!;
      out.push({ id: first.id, description: `${first.description} (base64-encoded)`, index, length: run.length, example: false });
    }
  }
}

function detectIn(text: string, options: DetectOptions, depth: number): Detection[] {
  const out: Detection[] = [];
  if (text.length < 8) return out;
  formats(text, out);
  if (text.includes("PRIVATE KEY") || text.includes("PuTTY-User-Key-File")) pemBlocks(text, out);
  if (text.includes("://")) urlPasswords(text, out);
  // With JSON escapes in the text, the context rules read the decoded text (below) instead.
  const view = depth < 2 ? decodeEscapes(text) : undefined;
  if (!options.formatsOnly && view === undefined) {
    assignments(text, options.code === true, out);
    if (depth < 2) base64Wrapped(text, depth, out);
  }
  {
    if (view !== undefined) {
      for (const d of detectIn(view.text, options, depth + 1)) {
        const start = view.map[d.index]!;
        const end = view.map[d.index + d.length] ?? text.length;
        out.push({ ...d, index: start, length: end - start });
      }
    }
  }
  return merge(out);
}

/**
 * Overlapping detections keep the earlier, then the longer; a vendor format or a PEM block wins
 * over a value judged by its name and entropy; a real one clears an overlapping example.
 */
function merge(found: Detection[]): Detection[] {
  const order = (a: Detection, b: Detection) => a.index - b.index || b.length - a.length || Number(a.example) - Number(b.example);
  const greedy = (list: Detection[]): Detection[] => {
    const kept: Detection[] = [];
    let end = -1;
    for (const d of list.sort(order)) {
      if (d.index >= end) {
        kept.push(d);
        end = d.index + d.length;
      } else if (!d.example && kept[kept.length - 1]!.example) kept[kept.length - 1] = { ...kept[kept.length - 1]!, example: false };
    }
    return kept;
  };
  const strong = greedy(found.filter((x) => x.id !== HIGH_ENTROPY_ID));
  const weak = greedy(found.filter((x) => x.id === HIGH_ENTROPY_ID));
  if (weak.length === 0) return strong;
  // Both lists are sorted and non-overlapping: walk them together.
  const out: Detection[] = [];
  let j = 0;
  for (const w of weak) {
    while (j < strong.length && strong[j]!.index + strong[j]!.length <= w.index) out.push(strong[j++]!);
    if (j < strong.length && strong[j]!.index < w.index + w.length) {
      // A value judged by its name that holds a format match and more (`api_key=IQoJ…%2F…`): the
      // format names it, the value's span is what goes.
      const s = strong[j]!;
      const start = Math.min(s.index, w.index);
      strong[j] = { ...s, index: start, length: Math.max(s.index + s.length, w.index + w.length) - start };
      continue;
    }
    out.push(w);
  }
  while (j < strong.length) out.push(strong[j++]!);
  return out;
}

/** Every credential in `text`, by position (examples and placeholders marked `example`). */
export function detectSecrets(text: string, options: DetectOptions = {}): Detection[] {
  const found = detectIn(text, options, 0);
  if (options.key !== undefined && found.length === 0) {
    const v = text.trim();
    if (v.length > 0 && isHighEntropySecret(options.key, v)) {
      return [{ id: HIGH_ENTROPY_ID, description: `high-entropy value assigned to \`${options.key}\``, index: text.indexOf(v), length: v.length, example: false }];
    }
  }
  return found;
}
