/**
 * The custom data identifiers of a CloudWatch Logs data protection policy fit the documented
 * limits: at most 10 per policy, names of A-Z a-z 0-9 _ - up to 128, regexes of at most 200
 * characters using only the supported characters (no `(`, `)` or `:`, so no groups).
 */
import { checkCustomDataIdentifiers } from "@airlock/core";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { isRecord, parseJsonish } from "../../support.ts";
import { CLOUDWATCH_LOG_ACCOUNT_POLICY as ACCOUNT_POLICY, CLOUDWATCH_LOG_DATA_PROTECTION_POLICY as POLICY } from "../../types.ts";

export const LogDataProtectionIdentifiers: ResourceRule = {
  kind: "resource",
  name: "LogDataProtectionIdentifiers",
  resourceTypes: [POLICY, ACCOUNT_POLICY],
  check(type: string, props: Props) {
    if (type === ACCOUNT_POLICY && props.policyType !== "DATA_PROTECTION_POLICY") return NOT_APPLICABLE;
    const docField = type === POLICY ? "policyDocument" : "policyDocument";
    const doc = parseJsonish(props[docField]);
    if (!isRecord(doc)) return NOT_APPLICABLE;
    const config = isRecord(doc.Configuration) ? doc.Configuration : {};
    const list = Array.isArray(config.CustomDataIdentifier) ? config.CustomDataIdentifier : [];
    const where = typeof props.logGroupName === "string" ? `data protection policy of \`${props.logGroupName}\`` : "data protection policy";
    return verdict(checkCustomDataIdentifiers(list.map((c) => (isRecord(c) ? { Name: c.Name, Regex: c.Regex } : { Name: undefined, Regex: undefined }))).map((m) => `${where}: \`policyDocument\` ${m}`));
  },
};
