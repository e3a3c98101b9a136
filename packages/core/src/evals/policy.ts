/** The eval gate's policy: what a release's eval report must show, and its validation. */

/** A case taken out of the gate's figures, by name, with the reason reviewers read. */
export interface EvalQuarantine {
  /** The case's id as the report names it. */
  readonly case: string;
  /** Why it is quarantined (at least 10 characters), e.g. "grader flaky on dates, #412". */
  readonly reason: string;
}

export interface EvalPolicy {
  /** Lowest pass rate (passed runs over all runs of the counted cases, 0..1) a release may have. */
  readonly minPassRate: number;
  /**
   * Significance level of the one-sided exact sign test on the cases both the release and the last
   * good release ran: a drop is a regression when its p-value is at most this.
   * @default 0.05
   */
  readonly alpha?: number;
  /**
   * The k of pass@k (at least one of k runs passes) and pass^k (all k pass), reported per suite.
   * @default - the fewest runs any counted case has
   */
  readonly k?: number;
  /**
   * Cases that must pass every run, and how many runs they need (N of N), on top of the cases the
   * report itself marks (promptfoo test `metadata.airlockRequiredRepeats`, native `requiredRepeats`).
   * They cannot be quarantined.
   * @default - only the cases the report marks
   */
  readonly requireAllRepeats?: { readonly cases: readonly string[]; readonly repeats: number };
  /**
   * Cases reported but not counted (flaky graders under repair), each with its reason: shown in
   * every gate result and plan, never averaged in. A quarantine larger than the last good
   * release's is a finding.
   * @default - none
   */
  readonly quarantine?: readonly EvalQuarantine[];
}

/**
 * The plan's rules for the eval gate's findings (recorded by `@airlock/pulumi`, shown by `airlock
 * plan` under the agent's permission map): a quarantined or flaky case of the active release
 * (info), and what the gate warns of (a grown quarantine, an underpowered paired test, cases
 * dropped since the last good release, a quarantine naming no case).
 */
export const EVAL_PLAN_RULES = { caseNote: "AIR-I002", warning: "AIR-W012" } as const;

/** The significance level when the policy names none. */
export const DEFAULT_ALPHA = 0.05;

/** The policy `airlock evals check` applies when given no options. */
export const DEFAULT_EVAL_POLICY: EvalPolicy = { minPassRate: 0.9, alpha: DEFAULT_ALPHA };

const POLICY_FIELDS = ["minPassRate", "alpha", "k", "requireAllRepeats", "quarantine"];
const MIN_REASON = 10;

/** Problems with a policy, each `` `<path>.<field>`: <what to do> ``; empty when it is valid. */
export function validateEvalPolicy(policy: EvalPolicy, path = "policy"): string[] {
  const problems: string[] = [];
  if (policy === null || typeof policy !== "object" || Array.isArray(policy)) return [`\`${path}\`: must be an object with \`minPassRate\` (and optionally ${POLICY_FIELDS.slice(1).map((f) => `\`${f}\``).join(", ")})`];
  for (const key of Object.keys(policy)) {
    if (key === "maxRegression") {
      problems.push(
        `\`${path}.maxRegression\`: was removed: a drop from the last good release is now a regression only when a one-sided exact sign test on the cases both ran finds it significant; remove it and set \`${path}.alpha\` (the significance level, default ${DEFAULT_ALPHA}) instead`,
      );
    } else if (!POLICY_FIELDS.includes(key)) {
      problems.push(`\`${path}.${key}\`: is not a field of the eval policy; use ${POLICY_FIELDS.map((f) => `\`${f}\``).join(", ")}`);
    }
  }
  const v = policy.minPassRate;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1) {
    const hint = typeof v === "number" && v > 1 && v <= 100 ? `; write ${v / 100} for ${v}%` : "";
    problems.push(`\`${path}.minPassRate\`: must be a fraction from 0 to 1, not ${JSON.stringify(v)}${hint}`);
  }
  if (policy.alpha !== undefined && (typeof policy.alpha !== "number" || !(policy.alpha > 0 && policy.alpha < 1))) {
    problems.push(`\`${path}.alpha\`: must be a significance level above 0 and below 1 (e.g. 0.05), not ${JSON.stringify(policy.alpha)}`);
  }
  if (policy.k !== undefined && (!Number.isInteger(policy.k) || policy.k < 1)) {
    problems.push(`\`${path}.k\`: must be a whole number of at least 1 (the k of pass@k), not ${JSON.stringify(policy.k)}`);
  }
  const strict = policy.requireAllRepeats;
  const required = new Set<string>();
  if (strict !== undefined) {
    if (!Number.isInteger(strict.repeats) || strict.repeats < 1) {
      problems.push(`\`${path}.requireAllRepeats.repeats\`: must be a whole number of at least 1, not ${JSON.stringify(strict.repeats)}`);
    }
    (Array.isArray(strict.cases) ? strict.cases : []).forEach((c, i) => {
      if (typeof c !== "string" || c.trim() === "") problems.push(`\`${path}.requireAllRepeats.cases[${i}]\`: must be a case id, not ${JSON.stringify(c)}`);
      else required.add(c);
    });
  }
  if (policy.quarantine !== undefined) {
    if (!Array.isArray(policy.quarantine)) {
      problems.push(`\`${path}.quarantine\`: must be a list of { case, reason }, not ${JSON.stringify(policy.quarantine)}`);
    } else {
      const seen = new Map<string, number>();
      policy.quarantine.forEach((q: unknown, i) => {
        const at = `\`${path}.quarantine[${i}]`;
        if (q === null || typeof q !== "object" || Array.isArray(q)) {
          problems.push(`${at}\`: must be { case: "<case id>", reason: "<why>" }, not ${JSON.stringify(q)}`);
          return;
        }
        const { case: id, reason, ...rest } = q as Record<string, unknown>;
        for (const key of Object.keys(rest)) problems.push(`${at}.${key}\`: is not a field of a quarantine entry; use \`case\` and \`reason\``);
        if (typeof id !== "string" || id.trim() === "") {
          problems.push(`${at}.case\`: must be the id of a case in the report, not ${JSON.stringify(id)}`);
          return;
        }
        if (typeof reason !== "string" || reason.trim().length < MIN_REASON) {
          problems.push(`${at}.reason\`: say why "${id}" is quarantined (at least ${MIN_REASON} characters, e.g. "grader flaky on dates, #412"); reviewers read it in the plan`);
        }
        const first = seen.get(id);
        if (first !== undefined) problems.push(`${at}.case\`: "${id}" is already quarantined by \`${path}.quarantine[${first}]\`; keep one entry`);
        seen.set(id, i);
        if (required.has(id)) {
          problems.push(`${at}.case\`: "${id}" is a required case (\`${path}.requireAllRepeats\`, N of N) and can never be quarantined; fix the case, or take it out of requireAllRepeats in a reviewed change`);
        }
      });
    }
  }
  return problems;
}
