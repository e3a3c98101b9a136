/**
 * Every log group has a data protection policy that masks (`Deidentify`) what it finds, from a
 * `aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy` on the group or an account-wide
 * `DATA_PROTECTION_POLICY` (`aws:cloudwatch/logAccountPolicy:LogAccountPolicy`), so a credential an
 * agent prints is masked before anyone reads it; the masking statement names a credential
 * identifier (AWS's managed ones or a custom one the policy defines), not only e-mail addresses.
 */
import { MANAGED_CREDENTIAL_IDENTIFIERS } from "@airlock/core";
import { isRecord, parseJsonish, refersTo } from "../../support.ts";
import { CLOUDWATCH_LOG_ACCOUNT_POLICY as ACCOUNT_POLICY, CLOUDWATCH_LOG_DATA_PROTECTION_POLICY as POLICY, CLOUDWATCH_LOG_GROUP as LOG_GROUP } from "../../types.ts";
import type { StackInput, StackRule, StackViolation } from "../../rule.ts";

/** Whether a data protection policy document has a statement that masks (Deidentify). */
export function masks(doc: unknown): boolean {
  const parsed = parseJsonish(doc);
  if (!isRecord(parsed) || !Array.isArray(parsed.Statement)) return false;
  return parsed.Statement.some((s) => isRecord(s) && isRecord(s.Operation) && s.Operation.Deidentify !== undefined);
}

/**
 * Whether a masking statement names a credential identifier: one of AWS's managed credential
 * identifiers (`…:data-identifier/AwsSecretKey`, any partition) or a custom identifier the policy
 * defines (Airlock's are built from the scanner's patterns). A policy that masks only e-mail
 * addresses is a data protection policy, but credentials go through it in the clear.
 */
export function masksCredentials(doc: unknown): boolean {
  const parsed = parseJsonish(doc);
  if (!isRecord(parsed) || !Array.isArray(parsed.Statement)) return false;
  const config = isRecord(parsed.Configuration) ? parsed.Configuration : {};
  const custom = new Set((Array.isArray(config.CustomDataIdentifier) ? config.CustomDataIdentifier : []).map((c) => (isRecord(c) ? c.Name : undefined)));
  const credential = (id: unknown) =>
    typeof id === "string" && (custom.has(id) || MANAGED_CREDENTIAL_IDENTIFIERS.some((m) => id.endsWith(`:data-identifier/${m}`) || id === m));
  return parsed.Statement.some(
    (s) => isRecord(s) && isRecord(s.Operation) && s.Operation.Deidentify !== undefined && Array.isArray(s.DataIdentifier) && s.DataIdentifier.some(credential),
  );
}

export const LogGroupDataProtection: StackRule = {
  kind: "stack",
  name: "LogGroupDataProtection",
  check({ resources }: StackInput): StackViolation[] {
    const accountWide = resources.some(
      (r) => r.type === ACCOUNT_POLICY && r.props.policyType === "DATA_PROTECTION_POLICY" && masksCredentials(r.props.policyDocument),
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
      } else if (!mine.some((p) => masksCredentials(p.props.policyDocument))) {
        out.push({
          subject: g.urn,
          message: `log group \`${g.name}\`'s data protection policy masks no credentials; name AWS's credential identifiers (arn:aws:dataprotection::aws:data-identifier/AwsSecretKey, …) or Airlock's custom ones in the \`Deidentify\` statement`,
        });
      }
    }
    return out;
  },
};
