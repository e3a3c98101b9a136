import type { Props, ResourceRule, RuleResult } from "../src/rule.ts";

/** Runs a resource rule (sync or async) and returns its result. */
export async function check(rule: ResourceRule, type: string, props: Props): Promise<RuleResult> {
  return rule.check(type, props);
}

/** The messages of a non-compliant result (empty otherwise). */
export function messages(r: RuleResult): readonly string[] {
  return r.status === "non-compliant" ? r.messages : [];
}

export const policy = (...Statement: object[]): string => JSON.stringify({ Version: "2012-10-17", Statement });
