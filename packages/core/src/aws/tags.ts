/**
 * Tag limits per AWS service, and a sanitiser that maps free text into a value every service
 * accepts. Most services share one rule (key ≤ 128, value ≤ 256, letters, numbers, separators and
 * `_ . : / = + - @`, no `aws:` prefix, 50 tags); EC2 accepts any character but keys of at most 127;
 * Chatbot documents lengths only. Services whose API reference was not read here get the general
 * rule, marked unverified.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

export interface TagLimits {
  /** Service label used in messages, e.g. `ECS`. */
  readonly service: string;
  readonly keyMax: number;
  readonly valueMax: number;
  /** Characters a key may hold (whole-string pattern), or undefined for any. */
  readonly keyPattern?: RegExp;
  readonly valuePattern?: RegExp;
  /** How the pattern reads in AWS's documentation. */
  readonly patternText?: string;
  /** User tags per resource (`aws:` tags do not count). */
  readonly maxTags: number;
  readonly source: FactSource;
}

/** `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`: the pattern ECS, CloudWatch Logs and IAM document. */
export const TAG_PATTERN_TEXT = "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$";
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const GENERAL_QUOTE =
  "Maximum number of tags per resource - 50 … Maximum key length - 128 Unicode characters in UTF-8 … Maximum value length - 256 Unicode characters in UTF-8 … Generally allowed characters are: letters, numbers, and spaces representable in UTF-8, and the following characters: + - = . _ : / @. … Do not use aws:, AWS:, or any upper or lowercase combination of such as a prefix for either keys or values as it is reserved for Amazon Web Services use.";

const general = (service: string, url: string, verified: boolean): TagLimits => ({
  service,
  keyMax: 128,
  valueMax: 256,
  keyPattern: TAG_CHARS,
  valuePattern: TAG_CHARS,
  patternText: TAG_PATTERN_TEXT,
  maxTags: 50,
  source: { url, quote: GENERAL_QUOTE, checked: FACTS_CHECKED, ...(verified ? {} : { verified: false }) },
});

export const TAG_LIMITS = {
  ecs: {
    ...general("ECS", "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html", true),
    source: { url: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html", quote: `${GENERAL_QUOTE} key … Length Constraints: Minimum length of 1. Maximum length of 128. Pattern: ([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*) … value … Maximum length of 256. Pattern: ${TAG_PATTERN_TEXT}`, checked: FACTS_CHECKED },
  },
  iam: {
    ...general("IAM", "https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html", true),
    keyPattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u,
    source: { url: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html", quote: "Key … Length Constraints: Minimum length of 1. Maximum length of 128. Pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+ … Value … Length Constraints: Minimum length of 0. Maximum length of 256. Pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*", checked: FACTS_CHECKED },
  },
  logs: {
    ...general("CloudWatch Logs", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TagLogGroup.html", true),
    source: { url: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TagLogGroup.html", quote: "Map Entries: Maximum number of 50 items. Key Length Constraints: Minimum length of 1. Maximum length of 128. Key Pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$ Value Length Constraints: Maximum length of 256. Value Pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$", checked: FACTS_CHECKED },
  },
  ec2: {
    service: "EC2",
    keyMax: 127,
    valueMax: 256,
    maxTags: 50,
    source: { url: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Tag.html", quote: "Constraints: Tag keys are case-sensitive and accept a maximum of 127 Unicode characters. May not begin with aws:. … Constraints: Tag values are case-sensitive and accept a maximum of 256 Unicode characters.", checked: FACTS_CHECKED },
  },
  chatbot: {
    service: "Chatbot",
    keyMax: 128,
    valueMax: 256,
    maxTags: 50,
    source: { url: "https://docs.aws.amazon.com/chatbot/latest/APIReference/API_Tag.html", quote: "TagKey … Length Constraints: Minimum length of 1. Maximum length of 128. … TagValue … Length Constraints: Minimum length of 0. Maximum length of 256.", checked: FACTS_CHECKED },
  },
  lambda: general("Lambda", "https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html", false),
  secretsmanager: general("Secrets Manager", "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Tag.html", false),
  cloudwatch: general("CloudWatch", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Tag.html", false),
  events: general("EventBridge", "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Tag.html", false),
  sns: general("SNS", "https://docs.aws.amazon.com/sns/latest/api/API_Tag.html", false),
  kms: general("KMS", "https://docs.aws.amazon.com/kms/latest/APIReference/API_Tag.html", false),
  route53: general("Route 53", "https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_Tag.html", false),
  ecr: general("ECR", "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Tag.html", false),
  general: general("AWS", "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html", false),
} as const satisfies Record<string, TagLimits>;

export type TagService = keyof typeof TAG_LIMITS;

/** The tag limits for a Pulumi resource type token (`aws:ecs/service:Service` → ECS). */
export function tagLimitsFor(type: string): TagLimits {
  const m = /^aws:([a-z0-9]+)\/([A-Za-z0-9]+):/.exec(type);
  if (m === null) return TAG_LIMITS.general;
  const [, mod, res] = m as unknown as [string, string, string];
  if (mod === "cloudwatch") {
    if (res.startsWith("log")) return TAG_LIMITS.logs;
    if (res.startsWith("event")) return TAG_LIMITS.events;
    return TAG_LIMITS.cloudwatch;
  }
  if (mod.startsWith("ec2")) return TAG_LIMITS.ec2;
  return mod in TAG_LIMITS ? TAG_LIMITS[mod as TagService] : TAG_LIMITS.general;
}

const RESERVED = /^aws:/i;
const OFFENDING = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;

/** The characters of `s` a pattern of the general tag set rejects, each once, in order. */
export function disallowedTagChars(s: string): string[] {
  return [...new Set(s.match(OFFENDING) ?? [])];
}

/**
 * Why a resource's tags would be rejected, one line per problem, each naming the tag, the limit and
 * the fix; empty when AWS accepts them all.
 */
export function checkTags(type: string, tags: Readonly<Record<string, unknown>>, field = "tags"): string[] {
  const limits = tagLimitsFor(type);
  const out: string[] = [];
  const entries = Object.entries(tags).filter((e): e is [string, string] => typeof e[1] === "string");
  const userTags = entries.filter(([k]) => !RESERVED.test(k));
  if (userTags.length > limits.maxTags) out.push(`\`${field}\` has ${userTags.length} tags; ${limits.service} allows ${limits.maxTags} per resource; drop ${userTags.length - limits.maxTags}`);
  for (const [key, value] of entries) {
    const at = `\`${field}\` key \`${key}\``;
    if (RESERVED.test(key)) out.push(`${at} starts with the reserved prefix \`aws:\`; rename the key`);
    if (key.length === 0) out.push(`\`${field}\` has an empty key; ${limits.service} tag keys need at least 1 character`);
    if (key.length > limits.keyMax) out.push(`${at} is ${key.length} characters; ${limits.service} allows ${limits.keyMax}; shorten the key`);
    if (limits.keyPattern !== undefined && key.length > 0 && !limits.keyPattern.test(key)) {
      out.push(`${at} has characters ${limits.service} rejects (${quoteChars(disallowedTagChars(key))}); tag keys must match ${limits.patternText}; use letters, digits, spaces and _ . : / = + - @ only`);
    }
    if (value === "[secret]") continue;
    if (value.length > limits.valueMax) out.push(`${at} value is ${value.length} characters; ${limits.service} allows ${limits.valueMax}; shorten it (sanitizeTagValue cuts it to ${limits.valueMax})`);
    if (limits.valuePattern !== undefined && !limits.valuePattern.test(value)) {
      out.push(
        `${at} value ${JSON.stringify(value)} has characters ${limits.service} rejects (${quoteChars(disallowedTagChars(value))}); tag values must match ${limits.patternText}; write it as ${JSON.stringify(sanitizeTagValue(value))} (sanitizeTagValue)`,
      );
    }
    if (RESERVED.test(value)) out.push(`${at} value starts with the reserved prefix \`aws:\`; reword the value`);
  }
  return out;
}

function quoteChars(chars: readonly string[]): string {
  return chars.map((c) => (/^\s$/u.test(c) || c.length === 0 ? JSON.stringify(c) : `\`${c}\``)).join(" ");
}

/** The value limit every service accepts (the smallest documented). */
export const TAG_VALUE_MAX = Math.min(...Object.values(TAG_LIMITS).map((l) => l.valueMax));

/**
 * Maps free text into a tag value every service accepts: `%` becomes ` percent`, `&` ` and `,
 * whitespace and any other character outside letters, numbers and `_ . : / = + - @` a space,
 * combining marks are dropped after NFC normalisation, runs of spaces collapse, a leading `aws:`
 * becomes `aws-`, and the result is trimmed and cut to 256 characters.
 */
export function sanitizeTagValue(value: string, limits: TagLimits = TAG_LIMITS.general): string {
  let s = value.normalize("NFC");
  s = s.replace(/%/g, " percent ").replace(/&/g, " and ");
  s = s.replace(/\p{M}/gu, "");
  s = s.replace(/[^\p{L}\p{N}_.:/=+\-@]/gu, " ");
  s = s.replace(/ {2,}/g, " ").trim();
  while (RESERVED.test(s)) s = s.replace(RESERVED, "aws-");
  const max = Math.min(limits.valueMax, TAG_VALUE_MAX);
  if (s.length > max) {
    s = s.slice(0, max);
    // Never leave half of a surrogate pair.
    if (/[\uD800-\uDBFF]$/.test(s)) s = s.slice(0, -1);
    s = s.trimEnd();
  }
  return s;
}

/** `sanitizeTagValue` over every value of a tag map (keys are the program's own and kept). */
export function sanitizeTags<T extends Readonly<Record<string, string>>>(tags: T): { [K in keyof T]: string } {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, sanitizeTagValue(v)])) as { [K in keyof T]: string };
}
