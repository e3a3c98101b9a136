/**
 * Credential patterns shared by the manifest check, the leak scanner, the trace redactor and the
 * CloudWatch Logs data protection policy. CloudWatch's custom data identifiers accept a narrow
 * character set (letters, digits, `_ # = @ / ; , -`, space and `^ $ ? [ ] { } | \ * + .`: no
 * parentheses, so no groups, and no `:`; at most 200 characters; see
 * `CUSTOM_DATA_IDENTIFIER_LIMITS`). A pattern whose scanner regex needs more carries a
 * `logMaskingRegex` within that set, used only for CloudWatch.
 */

export interface SecretPattern {
  /** Stable id, used as the custom data identifier name and in scanner output. */
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
}

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    id: "AnthropicApiKey",
    description: "Anthropic API or admin key",
    regex: "sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{40,}",
    logMasking: true,
    // One identifier for API and admin keys (and any other sk-ant-<kind>NN- key): no group needed.
    logMaskingRegex: "sk-ant-[a-z]{3,5}[0-9]{2}-[A-Za-z0-9_-]{40,}",
  },
  {
    id: "AwsAccessKeyId",
    description: "AWS access key id",
    regex: "(?:AKIA|ASIA)[A-Z2-7]{16}",
    logMasking: false,
  },
  {
    id: "AwsSecretAccessKey",
    description: "AWS secret access key in an assignment",
    regex: "(?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY|SecretAccessKey|secretAccessKey)[\"']?\\s*[:=]\\s*[\"']?[A-Za-z0-9/+]{40}",
    logMasking: false,
  },
  {
    id: "GitHubToken",
    description: "GitHub personal, OAuth, app or refresh token",
    regex: "gh[pousr]_[A-Za-z0-9]{36,}",
    logMasking: true,
  },
  {
    id: "GitHubFineGrainedToken",
    description: "GitHub fine-grained personal access token",
    regex: "github_pat_[A-Za-z0-9_]{60,}",
    logMasking: true,
  },
  {
    id: "SlackToken",
    description: "Slack bot, user, app or refresh token",
    regex: "xox[abeoprs]-[A-Za-z0-9-]{10,}",
    logMasking: true,
  },
  {
    id: "SlackAppToken",
    description: "Slack app-level token (Socket Mode)",
    regex: "xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-f0-9]{20,}",
    logMasking: true,
  },
  {
    id: "SlackWebhookUrl",
    description: "Slack incoming webhook URL",
    regex: "hooks\\.slack\\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,}",
    logMasking: true,
  },
  {
    id: "PostHogPersonalApiKey",
    description: "PostHog personal API key",
    regex: "phx_[A-Za-z0-9]{30,}",
    logMasking: true,
  },
  {
    id: "PrivateKey",
    description: "PEM private key",
    regex: "-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----",
    logMasking: true,
    // Every PEM private-key header (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP … BLOCK) as one identifier.
    logMaskingRegex: "-----BEGIN [A-Z ]{0,10}PRIVATE KEY[A-Z ]{0,6}-----",
  },
  {
    id: "JsonWebToken",
    description: "JSON Web Token",
    regex: "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{10,}",
    logMasking: true,
  },
];

/** The regex CloudWatch Logs masks a pattern with. */
export function logMaskingRegexOf(p: SecretPattern): string {
  return p.logMaskingRegex ?? p.regex;
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

const compiled = SECRET_PATTERNS.map((p) => ({ pattern: p, re: new RegExp(p.regex, "g") }));

/** Masks a found secret for printing: keeps a short prefix so people can tell which key it was. */
export function maskSecret(value: string): string {
  const keep = Math.min(4, Math.floor(value.length / 4));
  return `${value.slice(0, keep)}${"*".repeat(8)} (${value.length} chars)`;
}

/** Every credential-looking substring of `text`, by position; overlapping matches keep the longer. */
export function findSecrets(text: string): SecretMatch[] {
  const found: SecretMatch[] = [];
  for (const { pattern, re } of compiled) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      found.push({
        patternId: pattern.id,
        description: pattern.description,
        index: m.index,
        length: m[0].length,
        masked: maskSecret(m[0]),
      });
      if (m[0].length === 0) re.lastIndex++;
    }
  }
  found.sort((a, b) => a.index - b.index || b.length - a.length);
  const kept: SecretMatch[] = [];
  let end = -1;
  for (const m of found) {
    if (m.index >= end) {
      kept.push(m);
      end = m.index + m.length;
    }
  }
  return kept;
}

/** Replaces every credential-looking substring with `[REDACTED:<id>]`. */
export function redactSecrets(text: string): string {
  const matches = findSecrets(text);
  if (matches.length === 0) return text;
  let out = "";
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.index) + `[REDACTED:${m.patternId}]`;
    at = m.index + m.length;
  }
  return out + text.slice(at);
}

/** Shannon entropy in bits per character; the scanner uses it for unlabelled high-entropy strings. */
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
