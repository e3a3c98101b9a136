/**
 * CloudWatch Logs custom data identifiers: how many a data protection policy may hold, and which
 * names and regex characters the service accepts. A pattern outside this set is rejected when the
 * policy is put (so `pulumi up` fails), even when JavaScript accepts it.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

const URL = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL-custom-data-identifiers.html";

export const CUSTOM_DATA_IDENTIFIER_LIMITS = {
  maxPerPolicy: 10,
  nameMax: 128,
  /** Alphanumeric and `_` `-`. */
  namePattern: /^[A-Za-z0-9_-]+$/,
  regexMax: 200,
  /** Alphanumeric, the symbols `_ # = @ / ; , -` and space, and the reserved characters `^ $ ? [ ] { } | \ * + .`. */
  regexPattern: /^[A-Za-z0-9_#=@/;,\- ^$?[\]{}|\\*+.]*$/,
  source: {
    url: URL,
    quote:
      "A maximum of 10 custom data identifiers are supported for each data protection policy. Custom data identifier names have a maximum length of 128 characters. The following characters are supported: Alphanumeric: (a-zA-Z0-9) Symbols: ( '_' | '-' ) RegEx has a maximum length of 200 characters. The following characters are supported: Alphanumeric: (a-zA-Z0-9) Symbols: ( '_' | '#' | '=' | '@' |'/' | ';' | ',' | '-' | ' ' ) RegEx reserved characters: ( '^' | '$' | '?' | '[' | ']' | '{' | '}' | '|' | '\\\\' | '*' | '+' | '.' ) Custom data identifiers cannot share the same name as a managed data identifier.",
    checked: FACTS_CHECKED,
  } satisfies FactSource,
} as const;

/** Managed credential identifiers Airlock uses (a custom identifier may not take their names). */
export const MANAGED_CREDENTIAL_IDENTIFIERS: readonly string[] = ["AwsSecretKey", "OpenSshPrivateKey", "PgpPrivateKey", "PkcsPrivateKey", "PuttyPrivateKey"];

export interface CustomDataIdentifier {
  readonly Name: unknown;
  readonly Regex: unknown;
}

/** Characters of a regex CloudWatch's custom data identifiers do not support, each once. */
export function unsupportedRegexChars(regex: string): string[] {
  return [...new Set([...regex].filter((c) => !CUSTOM_DATA_IDENTIFIER_LIMITS.regexPattern.test(c)))];
}

/** Why CloudWatch would reject these custom data identifiers; empty when it accepts them. */
export function checkCustomDataIdentifiers(identifiers: readonly CustomDataIdentifier[], managedNames: readonly string[] = MANAGED_CREDENTIAL_IDENTIFIERS): string[] {
  const L = CUSTOM_DATA_IDENTIFIER_LIMITS;
  const out: string[] = [];
  if (identifiers.length > L.maxPerPolicy) out.push(`has ${identifiers.length} custom data identifiers; CloudWatch allows ${L.maxPerPolicy} per policy; merge or drop ${identifiers.length - L.maxPerPolicy}`);
  const names = new Set<string>();
  identifiers.forEach((c, i) => {
    const name = typeof c.Name === "string" ? c.Name : `#${i}`;
    const at = `custom data identifier \`${name}\``;
    if (typeof c.Name !== "string" || c.Name === "") out.push(`custom data identifier #${i} has no \`Name\`; give it a name of A-Z, a-z, 0-9, _ and -`);
    else {
      if (c.Name.length > L.nameMax) out.push(`${at}: the name is ${c.Name.length} characters; CloudWatch allows ${L.nameMax}`);
      if (!L.namePattern.test(c.Name)) out.push(`${at}: the name may hold only A-Z, a-z, 0-9, _ and -; rename it`);
      if (managedNames.includes(c.Name)) out.push(`${at}: the name is a managed data identifier's; rename it`);
      if (names.has(c.Name)) out.push(`${at} appears twice; give each identifier its own name`);
      names.add(c.Name);
    }
    if (typeof c.Regex !== "string") {
      out.push(`${at} has no \`Regex\`; add the pattern`);
      return;
    }
    if (c.Regex.length > L.regexMax) out.push(`${at}: the regex is ${c.Regex.length} characters; CloudWatch allows ${L.regexMax}; shorten it`);
    try {
      new RegExp(c.Regex);
    } catch {
      out.push(`${at}: the regex \`${c.Regex}\` is not a valid regular expression (unbalanced brackets or braces, or a quantifier with nothing before it); fix it`);
    }
    const bad = unsupportedRegexChars(c.Regex);
    if (bad.length > 0) {
      out.push(
        `${at}: the regex \`${c.Regex}\` uses ${bad.map((b) => `\`${b}\``).join(" ")}, which custom data identifiers do not support (only letters, digits, _ # = @ / ; , - space and ^ $ ? [ ] { } | \\ * + .); rewrite it without groups, e.g. as one identifier per alternative or a character class`,
      );
    }
  });
  return out;
}
