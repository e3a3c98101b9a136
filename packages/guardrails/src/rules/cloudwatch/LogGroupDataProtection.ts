/**
 * Every log group has a data protection policy that masks (`Deidentify`) what it finds, from a
 * `aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy` on the group or an account-wide
 * `DATA_PROTECTION_POLICY` (`aws:cloudwatch/logAccountPolicy:LogAccountPolicy`), so a credential an
 * agent prints is masked before anyone reads it.
 */
import { isRecord, parseJsonish, refersTo } from "../../support.ts";
import { CLOUDWATCH_LOG_ACCOUNT_POLICY as ACCOUNT_POLICY, CLOUDWATCH_LOG_DATA_PROTECTION_POLICY as POLICY, CLOUDWATCH_LOG_GROUP as LOG_GROUP } from "../../types.ts";
import type { StackInput, StackRule, StackViolation } from "../../rule.ts";

/** Whether a data protection policy document has a statement that masks (Deidentify). */
export function masks(doc: unknown): boolean {
  const parsed = parseJsonish(doc);
  if (!isRecord(parsed) || !Array.isArray(parsed.Statement)) return false;
  return parsed.Statement.some((s) => isRecord(s) && isRecord(s.Operation) && s.Operation.Deidentify !== undefined);
}

export const LogGroupDataProtection: StackRule = {
  kind: "stack",
  name: "LogGroupDataProtection",
  check({ resources }: StackInput): StackViolation[] {
    const accountWide = resources.some(
      (r) => r.type === ACCOUNT_POLICY && r.props.policyType === "DATA_PROTECTION_POLICY" && masks(r.props.policyDocument),
    );
    if (accountWide) return [];
    const policies = resources.filter((r) => r.type === POLICY);
    const out: StackViolation[] = [];
    for (const g of resources.filter((r) => r.type === LOG_GROUP)) {
      const mine = policies.filter((p) => refersTo({ logGroupName: p.props.logGroupName }, g));
      if (mine.length === 0) {
        out.push({ subject: g.urn, message: `log group \`${g.name}\` has no data protection policy; add a LogDataProtectionPolicy that masks credentials` });
      } else if (!mine.some((p) => masks(p.props.policyDocument))) {
        out.push({ subject: g.urn, message: `log group \`${g.name}\`'s data protection policy only audits; add a statement with \`Operation.Deidentify\` so findings are masked` });
      }
    }
    return out;
  },
};
