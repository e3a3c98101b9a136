/**
 * IAM policy limits AWS enforces when a policy is attached: document sizes (IAM does not count
 * white space), unique statement ids, and the characters a statement id may hold.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

export interface SizeLimit {
  readonly max: number;
  /** Whether the account can raise it through Service Quotas. */
  readonly adjustable: boolean;
  readonly source: FactSource;
}

const QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html";

export const IAM_POLICY_LIMITS = {
  /** The sum of a role's inline policies. */
  roleInlineAggregate: {
    max: 10_240,
    adjustable: false,
    source: {
      url: QUOTAS,
      quote: "You can add as many inline policies as you want to an IAM user, role, or group. But the total aggregate policy size (the sum size of all inline policies) per entity cannot exceed the following limits: … Role policy size cannot exceed 10,240 characters. … IAM does not count white space when calculating the size of a policy against these limits.",
      checked: FACTS_CHECKED,
    },
  },
  managedPolicy: {
    max: 6_144,
    adjustable: false,
    source: { url: QUOTAS, quote: "Managed policy size cannot exceed 6,144 characters. … IAM does not count white space when calculating the size of a policy against these limits.", checked: FACTS_CHECKED },
  },
  roleTrustPolicy: {
    max: 2_048,
    adjustable: true,
    source: { url: QUOTAS, quote: "Role trust policy length: 2,048 characters (default; adjustable through Service Quotas)", checked: FACTS_CHECKED, verified: false },
  },
} as const satisfies Record<string, SizeLimit>;

export const SID_FACT = {
  pattern: /^[A-Za-z0-9]*$/,
  source: {
    url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html",
    quote: "In IAM, the Sid value must be unique within a JSON policy. … The Sid element supports ASCII uppercase letters (A-Z), lowercase letters (a-z), and numbers (0-9).",
    checked: FACTS_CHECKED,
  },
} as const;

/** The size IAM counts: characters of the JSON text other than white space. */
export function policySize(json: string): number {
  return json.replace(/\s/g, "").length;
}

export interface PolicyCheckOptions {
  /** Size limit for this document alone (e.g. the managed-policy limit), if any. */
  readonly maxSize?: number;
  /** Shown in messages, e.g. `policy`. @default "policy" */
  readonly label?: string;
}

/**
 * Problems IAM would reject a policy document for: unreadable JSON, a Sid outside A-Z a-z 0-9, the
 * same Sid twice, and (when `maxSize` is given) a document over the size limit. Empty when fine.
 */
export function checkPolicyDocument(doc: unknown, options: PolicyCheckOptions = {}): string[] {
  const label = options.label ?? "policy";
  const json = typeof doc === "string" ? doc : JSON.stringify(doc);
  let parsed: unknown;
  try {
    parsed = typeof doc === "string" ? JSON.parse(doc) : doc;
  } catch {
    return [`\`${label}\` is not valid JSON; pass the policy document as JSON text`];
  }
  const out: string[] = [];
  if (options.maxSize !== undefined) {
    const size = policySize(json);
    if (size > options.maxSize) out.push(`\`${label}\` is ${size} characters without white space; IAM allows ${options.maxSize}; split it into smaller policies`);
  }
  const raw = parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>).Statement : undefined;
  const statements = Array.isArray(raw) ? raw : raw !== undefined && raw !== null && typeof raw === "object" ? [raw] : [];
  const seen = new Map<string, number>();
  statements.forEach((s, i) => {
    const sid = s !== null && typeof s === "object" ? (s as Record<string, unknown>).Sid : undefined;
    if (typeof sid !== "string") return;
    if (!SID_FACT.pattern.test(sid)) out.push(`\`${label}\` statement ${i} has Sid \`${sid}\`; IAM Sids hold only A-Z, a-z and 0-9; remove the other characters`);
    const first = seen.get(sid);
    if (first !== undefined) out.push(`\`${label}\` statements ${first} and ${i} share Sid \`${sid}\`; IAM requires unique Sids within a policy; rename one`);
    else seen.set(sid, i);
  });
  return out;
}
