/**
 * Route 53 Resolver DNS Firewall, evaluated offline: which queries a rule group answers, including
 * the CNAME chains AWS's own names resolve through. Airlock's platform allows the agents' hosts
 * and the VPC endpoints' names and blocks everything else; this module lets tests and the plan
 * prove that an image pull, a secret read or a log write still resolves under those rules.
 */

/** The facts this evaluator relies on, with their sources. */
export const DNS_FIREWALL_FACTS = {
  redirection: {
    rule: "A rule inspects every domain of a CNAME/DNAME chain by default (INSPECT_REDIRECTION_DOMAIN); TRUST_REDIRECTION_DOMAIN inspects only the first.",
    source: {
      url: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-rule-settings.html",
      quote:
        "You can choose for the DNS Firewall rule to inspect only the first domain or all (default) the domains in the DNS redirection chain, such as CNAME, DNAME, etc. If you choose to inspect all the domains, you must add the subsequent domains in the DNS redirection chain to the domain list",
    },
  },
  domainSpecification: {
    rule: "A domain list entry may start with `*`; otherwise only A-Z, a-z, 0-9, `-` and `.` between labels; 1-255 characters.",
    source: {
      url: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall-user-managed-domain-lists.html",
      quote:
        "It can optionally start with * (asterisk). With the exception of the optional starting asterisk and a period, as a delimiter between labels, it must only contain the following characters: A-Z, a-z, 0-9, - (hyphen). It must be from 1-255 characters in length.",
    },
  },
  ecrLayers: {
    rule: "Image layers are downloaded from the region's ECR layer bucket in S3 (`prod-<region>-starport-layer-bucket`), through the S3 gateway endpoint.",
    source: {
      url: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html",
      quote: "arn:aws:s3:::prod-region-starport-layer-bucket/*",
    },
  },
} as const;

export type FirewallAction = "ALLOW" | "BLOCK" | "ALERT";
export type RedirectionAction = "INSPECT_REDIRECTION_DOMAIN" | "TRUST_REDIRECTION_DOMAIN";

export interface FirewallRuleSpec {
  readonly name: string;
  readonly priority: number;
  readonly action: FirewallAction;
  /** The rule's domain list. */
  readonly domains: readonly string[];
  /** @default "INSPECT_REDIRECTION_DOMAIN" (AWS's default) */
  readonly redirection?: RedirectionAction;
}

/** Whether a domain list entry matches `name` (case-insensitive; `*` alone matches every name). */
export function domainMatches(entry: string, name: string): boolean {
  const e = entry.toLowerCase().replace(/\.$/, "");
  const n = name.toLowerCase().replace(/\.$/, "");
  if (e === "*") return true;
  // `*.example.com` matches names below example.com (one or more labels), not example.com itself.
  if (e.startsWith("*.")) return n.endsWith(e.slice(1)) && n.length > e.length - 1;
  return e === n;
}

export interface Resolution {
  /** Whether the query is answered (every name the firewall inspects was allowed or alerted). */
  readonly resolved: boolean;
  /** Per inspected name: the rule that decided it (undefined: no rule matched, the query passes). */
  readonly decisions: readonly { readonly name: string; readonly rule?: string; readonly action?: FirewallAction }[];
}

/**
 * How the rule group answers a query for `chain[0]` that resolves through `chain[1..]` (CNAME
 * targets in order). The first rule by priority whose list matches a name decides it; a trusted
 * redirection ends inspection at the first name; a name no rule matches passes (DNS Firewall's
 * behaviour without a catch-all rule).
 */
export function resolveChain(rules: readonly FirewallRuleSpec[], chain: readonly string[]): Resolution {
  if (chain.length === 0) throw new Error("resolveChain: give at least the queried name");
  const ordered = [...rules].sort((a, b) => a.priority - b.priority);
  const decisions: { name: string; rule?: string; action?: FirewallAction }[] = [];
  for (const name of chain) {
    const rule = ordered.find((r) => r.domains.some((d) => domainMatches(d, name)));
    decisions.push(rule ? { name, rule: rule.name, action: rule.action } : { name });
    if (rule?.action === "BLOCK") return { resolved: false, decisions };
    if (rule !== undefined && rule.action === "ALLOW" && (rule.redirection ?? "INSPECT_REDIRECTION_DOMAIN") === "TRUST_REDIRECTION_DOMAIN") break;
  }
  return { resolved: true, decisions };
}

/** A name and the CNAME chain it resolves through, for the resolution proofs. */
export interface KnownChain {
  /** What the chain is for, e.g. "image layer download". */
  readonly purpose: string;
  readonly chain: readonly string[];
}

/**
 * Names an agent task must resolve to start and run: the ECR registry and API, the layer bucket
 * (S3), and each interface endpoint's service name. S3 answers regional names through CNAMEs to
 * names AWS does not publish (observed form `s3-r-w.<region>.amazonaws.com`); under the default
 * INSPECT_REDIRECTION_DOMAIN those targets would have to be listed, which is why the platform's
 * allow rule trusts redirection.
 */
export function knownChains(region: string, account: string, endpointSuffixes: readonly string[]): KnownChain[] {
  const chains: KnownChain[] = [];
  const has = (s: string) => endpointSuffixes.includes(s);
  if (has("ecr.dkr")) chains.push({ purpose: "image manifest (ECR registry)", chain: [`${account}.dkr.ecr.${region}.amazonaws.com`] });
  if (has("ecr.api")) chains.push({ purpose: "ECR authorization token", chain: [`api.ecr.${region}.amazonaws.com`] });
  if (has("s3")) {
    chains.push({
      purpose: "image layer download (ECR layer bucket in S3)",
      chain: [`prod-${region}-starport-layer-bucket.s3.${region}.amazonaws.com`, `s3-r-w.${region}.amazonaws.com`],
    });
  }
  for (const suffix of endpointSuffixes) {
    if (suffix === "s3" || suffix === "dynamodb" || suffix.startsWith("ecr.")) continue;
    chains.push({ purpose: `${suffix} API (interface endpoint)`, chain: [`${suffix}.${region}.amazonaws.com`] });
  }
  if (has("dynamodb")) {
    chains.push({ purpose: "DynamoDB API (gateway endpoint)", chain: [`dynamodb.${region}.amazonaws.com`] });
    // The SDKs' default since 2024: an account-based endpoint when the client knows the account.
    chains.push({ purpose: "DynamoDB API, account-based endpoint", chain: [`${account}.ddb.${region}.amazonaws.com`] });
  }
  return chains;
}
