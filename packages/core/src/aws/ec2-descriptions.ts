/**
 * EC2 security group descriptions and security group rule descriptions: at most 255 characters
 * from a small ASCII set. AWS refuses anything else at create time (`pulumi up` fails after the
 * plan looked fine), so an apostrophe, a `%`, an `é`, an emoji or a newline in free text (an
 * opt-out reason) breaks a deploy.
 *
 * The set is not the same everywhere: a security group's description and the description of a rule
 * on an IPv4 or IPv6 range allow `&`; the description of a rule on a prefix list or another
 * security group (a user ID group pair) does not. A rule's one description is sent on every target
 * it names, so the strictest of them applies. `sanitizeSecurityGroupDescription` writes into the
 * set every one of them allows.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

/** Where a description is sent: the group itself, or one kind of rule target (the EC2 API shape that carries it). */
export type Ec2DescriptionTarget = "securityGroup" | "ipRange" | "ipv6Range" | "prefixListId" | "userIdGroupPair";

export interface Ec2DescriptionLimit {
  readonly target: Ec2DescriptionTarget;
  /** What it describes, for messages. */
  readonly what: string;
  readonly maxLength: number;
  /** The whole description must match this. */
  readonly pattern: RegExp;
  /** The allowed characters as AWS writes them. */
  readonly allowed: string;
  readonly source: FactSource;
}

/** Up to 255 characters in every case. */
export const EC2_DESCRIPTION_MAX = 255;

const WITH_AMPERSAND = "a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*";
const WITHOUT_AMPERSAND = "a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=;{}!$*";
const PATTERN_WITH_AMPERSAND = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
const PATTERN_WITHOUT_AMPERSAND = /^[A-Za-z0-9 ._\-:/()#,@[\]+=;{}!$*]*$/;

const ref = (page: string, quote: string): FactSource => ({ url: `https://docs.aws.amazon.com/AWSEC2/latest/APIReference/${page}`, quote, checked: FACTS_CHECKED });

export const EC2_DESCRIPTION_LIMITS: { readonly [T in Ec2DescriptionTarget]: Ec2DescriptionLimit } = {
  securityGroup: {
    target: "securityGroup",
    what: "security group descriptions",
    maxLength: EC2_DESCRIPTION_MAX,
    pattern: PATTERN_WITH_AMPERSAND,
    allowed: WITH_AMPERSAND,
    source: {
      // Read on AWS's SDK reference generated from the EC2 API model (the same text as the API reference's CreateSecurityGroup).
      url: "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ec2/aws.sdk.kotlin.services.ec2.model/-create-security-group-request/description.html",
      quote: "A description for the security group. Constraints: Up to 255 characters in length Valid characters: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$* (CreateSecurityGroup, Description)",
      checked: FACTS_CHECKED,
    },
  },
  ipRange: {
    target: "ipRange",
    what: "descriptions of rules on IPv4 ranges",
    maxLength: EC2_DESCRIPTION_MAX,
    pattern: PATTERN_WITH_AMPERSAND,
    allowed: WITH_AMPERSAND,
    source: ref("API_IpRange.html", "A description for the security group rule that references this IPv4 address range. Constraints: Up to 255 characters in length. Allowed characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*"),
  },
  ipv6Range: {
    target: "ipv6Range",
    what: "descriptions of rules on IPv6 ranges",
    maxLength: EC2_DESCRIPTION_MAX,
    pattern: PATTERN_WITH_AMPERSAND,
    allowed: WITH_AMPERSAND,
    source: ref("API_Ipv6Range.html", "A description for the security group rule that references this IPv6 address range. Constraints: Up to 255 characters in length. Allowed characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*"),
  },
  prefixListId: {
    target: "prefixListId",
    what: "descriptions of rules on prefix lists",
    maxLength: EC2_DESCRIPTION_MAX,
    pattern: PATTERN_WITHOUT_AMPERSAND,
    allowed: WITHOUT_AMPERSAND,
    source: ref("API_PrefixListId.html", "A description for the security group rule that references this prefix list ID. Constraints: Up to 255 characters in length. Allowed characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=;{}!$*"),
  },
  userIdGroupPair: {
    target: "userIdGroupPair",
    what: "descriptions of rules on security groups",
    maxLength: EC2_DESCRIPTION_MAX,
    pattern: PATTERN_WITHOUT_AMPERSAND,
    allowed: WITHOUT_AMPERSAND,
    source: ref("API_UserIdGroupPair.html", "A description for the security group rule that references this user ID group pair. Constraints: Up to 255 characters in length. Allowed characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=;{}!$*"),
  },
};

/**
 * The provider's own check of rule descriptions (inline `ingress`/`egress` blocks and
 * `aws_security_group_rule`); a group's description it checks for length only.
 */
export const TERRAFORM_RULE_DESCRIPTION_FACT: FactSource = {
  url: "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/ec2/validate.go",
  quote:
    "func validSecurityGroupRuleDescription(v interface{}, k string) … if len(value) > 255 { … \"%q cannot be longer than 255 characters: %q\" … // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html. Note that // \"\" is an allowable description value. pattern := `^[A-Za-z0-9 \\.\\_\\-\\:\\/\\(\\)\\#\\,\\@\\[\\]\\+\\=\\&\\;\\{\\}\\!\\$\\*]*$` (aws_security_group: \"description\": { … Default: \"Managed by Terraform\", ValidateFunc: validation.StringLenBetween(0, 255) })",
  checked: FACTS_CHECKED,
};

/** The limits a description sent to all of `targets` must meet, strictest first; `securityGroup` alone when none. */
export function ec2DescriptionLimits(targets: readonly Ec2DescriptionTarget[]): Ec2DescriptionLimit[] {
  const unique = [...new Set(targets.length === 0 ? (["securityGroup"] as const) : targets)];
  return unique.map((t) => EC2_DESCRIPTION_LIMITS[t]).sort((a, b) => a.allowed.length - b.allowed.length);
}

/** The characters of `s` outside `limit`'s set, each once, in order. */
export function disallowedDescriptionChars(s: string, limit: Ec2DescriptionLimit): string[] {
  return [...new Set([...s].filter((c) => !limit.pattern.test(c)))];
}

/**
 * Why EC2 would refuse `value` as the description `field` sent to `targets`, as one line naming the
 * length, the characters, the allowed set and the sanitised text; empty when it is accepted or not
 * known at plan time (not a string, a secret).
 */
export function checkEc2Description(value: unknown, targets: readonly Ec2DescriptionTarget[], field = "description"): string[] {
  // `[secret]` is how a plan shows a secret value.
  if (typeof value !== "string" || value === "[secret]") return [];
  const limits = ec2DescriptionLimits(targets);
  const strictest = limits[0]!;
  const problems: string[] = [];
  if (value.length > strictest.maxLength) problems.push(`is ${value.length} characters (EC2 allows ${strictest.maxLength})`);
  const bad = disallowedDescriptionChars(value, strictest);
  if (bad.length > 0) problems.push(`has characters EC2 rejects (${quoteChars(bad)}); ${strictest.what} allow ${strictest.allowed}`);
  if (problems.length === 0) return [];
  return [`\`${field}\` ${problems.join(" and ")}; write it as ${JSON.stringify(sanitizeSecurityGroupDescription(value))} (sanitizeSecurityGroupDescription)`];
}

function quoteChars(chars: readonly string[]): string {
  return chars.map((c) => (/^[\s`]$/u.test(c) || c.length === 0 ? JSON.stringify(c) : `\`${c}\``)).join(" ");
}

/** Letters NFKD does not take apart, written the way English writes them. */
const LETTERS: Readonly<Record<string, string>> = { ß: "ss", æ: "ae", Æ: "AE", œ: "oe", Œ: "OE", ø: "o", Ø: "O", ł: "l", Ł: "L", đ: "d", Đ: "D", þ: "th", Þ: "Th", ð: "d", Ð: "D", ı: "i" };
/** Characters outside the set with an allowed neighbour of the same use. */
const NEIGHBOURS: Readonly<Record<string, string>> = { "<": "(", ">": ")", "«": "(", "»": ")", "‹": "(", "›": ")", "|": "/", "\\": "/", "~": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "‒": "-", "―": "-", "−": "-", "•": "-", "·": ".", "⁄": "/" };
const OUTSIDE = /[^A-Za-z0-9 ._\-:/()#,@[\]+=;{}!$*]/g;

/**
 * Maps any text into a description every EC2 security group and rule target accepts (the set
 * without `&`, at most 255 characters), keeping its words: accents are dropped (`é` → `e`), `%`
 * becomes ` percent` and `&` ` and `, an apostrophe inside a word goes (`agent's` → `agents`),
 * `<` `>` become `(` `)`; `|`, `\` and the fraction slash become `/`; dashes and `~` become `-`;
 * every other character (quotes, `?`, `^`, backticks, emoji, newlines, other scripts) becomes a
 * space; runs of spaces collapse, and the result is trimmed and cut to 255 characters. Text already
 * in the set, at most 255 characters long, without `&`, runs of spaces or spaces at either end, comes
 * back unchanged.
 */
export function sanitizeSecurityGroupDescription(text: string): string {
  let s = text.normalize("NFKD").replace(/\p{M}/gu, "");
  s = s.replace(/[ßæÆœŒøØłŁđĐþÞðÐı]/g, (c) => LETTERS[c]!);
  s = s.replace(/(?<=[\p{L}\p{N}])['’‘`ʼ](?=\p{L})/gu, "");
  s = s.replace(/%/g, " percent ").replace(/&/g, " and ");
  s = s.replace(/[<>«»‹›|\\~–—‐‑‒―−•·⁄]/g, (c) => NEIGHBOURS[c]!);
  s = s.replace(OUTSIDE, " ");
  s = s.replace(/ {2,}/g, " ").trim();
  // Every character is ASCII by now: a cut never splits one.
  return s.length > EC2_DESCRIPTION_MAX ? s.slice(0, EC2_DESCRIPTION_MAX).trimEnd() : s;
}
