/**
 * Values: entropy, placeholders and documented examples, identifiers that read as words, public
 * ids and digests, base64 text. Part of the detection engine (`engine.ts`); pure, no Node built-ins.
 */
import { nameStrength } from "./names.ts";

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
  if (/(?:\*{3,}|\.{3,}|#{4,}|•{3,})/.test(v) || isMasked(v)) return true;
  if (isMostlyRepeated(v)) return true;
  if (/EXAMPLE(?:KEY)?$|^AKIAIOSFODNN7|wJalrXUtnFEMI\/K7MDENG/.test(v)) return true;
  if (/^[<[{(].*[>\]})]$|\$\{[^}]*\}|\{\{.*\}\}|^\$[A-Za-z_(]|%\(?[A-Za-z_]*\)?s|^%[A-Z_]+%$|\[REDACTED/.test(v)) return true;
  // Words, not a random token: `your-slack-bot-token`, `insert_key_here`, `changeme`.
  if (/^[A-Za-z][A-Za-z_\- .]*$/.test(v) && /(?:^|[^A-Za-z])(?:your|my|insert|replace|put|enter|placeholder|changeme|change[-_]me|dummy|sample|redacted|todo|fixme|here)(?:[^A-Za-z]|$)/i.test(v)) return true;
  return /^(?:(?:[a-z]+[-_])*(?:key|token|secret|password|passwd|pass|value|string|example|test|demo|none|null|nil|undefined|true|false|empty|default|xxx+|abc|foo|bar|baz|qux|hunter2))$/i.test(v);
}

/**
 * A value at least this much of which is runs of eight or more of one character
 * (`AKIA0000000000000000`, `ghp_` and 36 `0`) is a placeholder. A lower bar drops real tokens:
 * Slack's numeric team and user segments hold runs of zeros (`xoxb-1000000008-…`).
 */
const REPEATED_PLACEHOLDER_SHARE = 0.4;

/**
 * `x`, `X` and `_` stand for hidden characters (`sk-xxxx`, `AKIAXXXXXXXXXXXXXXXX`, `ghp_____`), but
 * they are also in the alphabets of real keys, where four in a row turn up about once in 50,000
 * (measured on the generated corpus). So a run of four or five masks only when it is a fifth of
 * the value; a run of six or more always does (a random key holds one about once in 4 million).
 */
function isMasked(value: string): boolean {
  let masked = 0;
  for (const m of value.matchAll(/x{4,}|X{4,}|_{4,}/g)) {
    if (m[0].length >= 6) return true;
    masked += m[0].length;
  }
  return masked > 0 && masked / value.length >= 0.2;
}

/** Whether runs of one character (eight or more) make up at least 40% of `value`. */
export function isMostlyRepeated(value: string): boolean {
  return repeatedShare(value) >= REPEATED_PLACEHOLDER_SHARE;
}

/** The share of `value`'s characters that are in runs of eight or more of one character. */
function repeatedShare(value: string): number {
  if (value.length === 0) return 0;
  let inRuns = 0;
  for (let i = 0; i < value.length; ) {
    let j = i + 1;
    while (j < value.length && value.charCodeAt(j) === value.charCodeAt(i)) j++;
    if (j - i >= 8) inRuns += j - i;
    i = j;
  }
  return inRuns / value.length;
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
