/**
 * Credential patterns shared by the manifest check, the leak scanner, the trace and approvals
 * redactors and the CloudWatch Logs data protection policy: the vendor formats of `rules.ts`, the
 * context rules of `engine.ts` (one engine for all of them), and the CloudWatch form of each
 * pattern. CloudWatch's custom data identifiers accept a narrow character set (letters, digits,
 * `_ # = @ / ; , -`, space and `^ $ ? [ ] { } | \ * + .`: no parentheses, so no groups, and no
 * `:`), at most 200 characters each and at most 10 per policy (`CUSTOM_DATA_IDENTIFIER_LIMITS`):
 * each pattern's `logMaskingRegex` is written within that set, and the patterns are packed into
 * named groups (`logMaskingIdentifiers`).
 *
 * This module is the `@airlock/core/secret-patterns` entry: no Node built-ins, bundle-friendly.
 */
import { detectSecrets, PRIVATE_KEY_ID, URL_PASSWORD_ID, type DetectOptions } from "./engine.ts";
import { FORMAT_RULES } from "./rules.ts";

export { detectSecrets, HIGH_ENTROPY_ID, PRIVATE_KEY_ID, URL_PASSWORD_ID, type DetectOptions, type Detection } from "./engine.ts";
export { nameStrength, nameWords, type NameStrength } from "./names.ts";
export { decodeBase64Text, isHighEntropySecret, isPlaceholder, looksLikeIdentifier, shannonEntropy } from "./values.ts";
export { FORMAT_RULES, type FormatRule } from "./rules.ts";

export interface SecretPattern {
  /** Stable id, used in scanner output and redaction markers. */
  readonly id: string;
  /** What it finds, for people. */
  readonly description: string;
  /** Source of the regular expression (no flags; case-sensitive). */
  readonly regex: string;
  /** Whether CloudWatch Logs masks it with a custom data identifier (AWS ones use managed identifiers). */
  readonly logMasking: boolean;
  /**
   * The regex CloudWatch masks with, when `regex` uses characters custom data identifiers do not
   * support; it matches at least what `regex` matches. @default - `regex`
   */
  readonly logMaskingRegex?: string;
  /** The custom data identifier this pattern's `logMaskingRegex` joins (`|`-joined with the others of the group). @default - `id` */
  readonly logMaskingGroup?: string;
}

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  ...FORMAT_RULES.map((r) => ({
    id: r.id,
    description: r.description,
    regex: r.regex,
    logMasking: r.mask !== undefined,
    ...(r.mask === undefined ? {} : { logMaskingRegex: r.mask, logMaskingGroup: r.maskGroup ?? r.id }),
  })),
  {
    id: PRIVATE_KEY_ID,
    description: "PEM private key (the whole block)",
    regex: "-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----",
    logMasking: true,
    // The header and the base64 body after it (real newlines, `\n` escapes, spaces), up to the footer's dashes.
    logMaskingRegex: "-----BEGIN [A-Z ]{0,20}PRIVATE KEY[A-Z ]{0,6}-----[A-Za-z0-9+/=\\s\\\\]*",
    logMaskingGroup: "PrivateKey",
  },
  {
    id: URL_PASSWORD_ID,
    description: "password in a connection URL",
    regex: "[a-z][a-z0-9+.-]{1,20}://[^\\s:/?#@]{0,128}:[^\\s/?#@]{1,256}@",
    logMasking: true,
    // No `:` in a custom data identifier: `.` stands for the scheme's and the password's colons.
    logMaskingRegex: "[a-z][a-z0-9+]{2,15}.//[^/@ ]{0,64}.[^/@ ]{3,128}@",
    logMaskingGroup: "UrlPassword",
  },
];

/** The regex CloudWatch Logs masks a pattern with. */
export function logMaskingRegexOf(p: SecretPattern): string {
  return p.logMaskingRegex ?? p.regex;
}

/**
 * The custom data identifiers of the masking policy: one per group, its regex the group's
 * patterns joined with `|` (an alternation needs no group, so it stays within CloudWatch's set).
 */
export function logMaskingIdentifiers(patterns: readonly SecretPattern[] = SECRET_PATTERNS): { Name: string; Regex: string }[] {
  const groups = new Map<string, string[]>();
  for (const p of patterns.filter((x) => x.logMasking)) {
    const name = p.logMaskingGroup ?? p.id;
    groups.set(name, [...(groups.get(name) ?? []), logMaskingRegexOf(p)]);
  }
  return [...groups].map(([Name, parts]) => ({ Name, Regex: parts.join("|") }));
}

export interface SecretMatch {
  readonly patternId: string;
  readonly description: string;
  /** Offset of the match in the searched text. */
  readonly index: number;
  readonly length: number;
  /** The match, masked so it can be printed: the first four characters and the length. */
  readonly masked: string;
}

/** Masks a found secret for printing: keeps a short prefix so people can tell which key it was. */
export function maskSecret(value: string): string {
  const keep = Math.min(4, Math.floor(value.length / 4));
  return `${value.slice(0, keep)}${"*".repeat(8)} (${value.length} chars)`;
}

/**
 * Every credential in `text`, by position; overlapping matches keep the longer. Documented
 * examples and placeholders are left out (see `engine.ts`).
 */
export function findSecrets(text: string, options: DetectOptions = {}): SecretMatch[] {
  return detectSecrets(text, options)
    .filter((d) => !d.example)
    .map((d) => ({ patternId: d.id, description: d.description, index: d.index, length: d.length, masked: maskSecret(text.slice(d.index, d.index + d.length)) }));
}

/**
 * Replaces every credential with `[REDACTED:<id>]`: what the scanner finds, documented examples
 * and placeholders too. With `options.key`, the text is judged as that name's value as well.
 */
export function redactSecrets(text: string, options: DetectOptions = {}): string {
  const found = detectSecrets(text, options);
  if (found.length === 0) return text;
  let out = "";
  let at = 0;
  for (const d of found) {
    out += text.slice(at, d.index) + `[REDACTED:${d.id}]`;
    at = d.index + d.length;
  }
  return out + text.slice(at);
}

/** Whether a name's value is a secret whatever it looks like (`OPENAI_API_KEY`, `X-Service-Key`, `password`). */
export { isSecretName } from "./names.ts";
