/**
 * A CloudWatch Logs log group encrypted with a KMS key of the stack (`kmsKeyId`: the key's ARN, an
 * alias of the stack, or, unknown at plan time, the one key the group depends on directly). The
 * key's policy (`policy`, or an `aws.kms.KeyPolicy` attached to it) must let the CloudWatch Logs
 * principal of the key's Region (`logs.<region>.amazonaws.com`; any Region's when none is known)
 * `kms:Encrypt`, `kms:Decrypt`, `kms:ReEncrypt*`, `kms:GenerateDataKey*` and `kms:DescribeKey`, and
 * when a statement limits `kms:EncryptionContext:aws:logs:arn` (ArnLike, ArnEquals, StringLike,
 * StringEquals), a pattern must match the group's ARN (its `arn`, else built from its `name` and
 * the key ARN's partition, Region and account). A key with no policy has the default one, which
 * admits the account only. When the policy is a separate KeyPolicy, the group must also wait for
 * it (through the plan's dependencies): on a first deploy the group would otherwise be created
 * while the new key still has its default policy. Either way the group's creation fails with
 * AccessDeniedException (`LOG_GROUP_KMS_FACTS` in `@airlock/core`).
 *
 * Keys outside the stack, and aliases not in it, are not judged (their policy is not in the plan);
 * neither is a policy that is a secret. Other conditions (`kms:ViaService`, `aws:SourceAccount`,
 * negated operators) are not evaluated and count as allowing; nor is the group's ARN judged when
 * it cannot be known (no `name`, no key ARN).
 */
import { LOG_GROUP_KEY_ACTIONS, LOG_GROUP_KMS_FACTS, LOGS_ENCRYPTION_CONTEXT_KEY, logGroupContextArn, logsServicePrincipal } from "@airlock/core";
import type { StackInput, StackResource, StackRule, StackViolation } from "../../rule.ts";
import { attachedKeyPolicy, coversAction, dependencyClosure, globMatches, knownString, ofType, policyStatementsOf, principalCovers, resourceLabel, stackKeyOf, type PolicyStatement } from "../../support.ts";
import { CLOUDWATCH_LOG_GROUP as LOG_GROUP } from "../../types.ts";

interface ArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

function arnParts(value: unknown, service: string): ArnParts | undefined {
  const m = new RegExp(`^arn:([^:]+):${service}:([a-z0-9-]+):(\\d{12}):`).exec(knownString(value) ?? "");
  return m === null ? undefined : { partition: m[1]!, region: m[2]!, account: m[3]! };
}

/** Condition operators on the encryption context this rule evaluates, and whether their values are patterns (`*`, `?`) or exact. */
const CONTEXT_OPERATORS: Record<string, "pattern" | "exact"> = { arnlike: "pattern", arnequals: "pattern", stringlike: "pattern", stringequals: "exact" };

interface ContextLimit {
  readonly values: readonly string[];
  readonly exact: boolean;
}

/** The limits a statement puts on the encryption context, one per condition on it (all must hold); none when unlimited. */
function contextLimits(s: PolicyStatement): ContextLimit[] {
  const out: ContextLimit[] = [];
  for (const [op, entries] of Object.entries(s.conditions)) {
    const kind = CONTEXT_OPERATORS[op.replace(/^For(Any|All)Values:/i, "").replace(/IfExists$/i, "").toLowerCase()];
    if (kind === undefined) continue;
    for (const [k, values] of Object.entries(entries)) if (k.toLowerCase() === LOGS_ENCRYPTION_CONTEXT_KEY.toLowerCase()) out.push({ values, exact: kind === "exact" });
  }
  return out;
}

/** Whether a limit admits `arn`: a value equal to it, or a pattern (IAM ArnLike: `*` any run, `?` one character) matching it. */
function admits(limit: ContextLimit, arn: string): boolean {
  return limit.values.some((v) => (limit.exact ? v === arn : globMatches(v, arn)));
}

const quoted = (xs: readonly string[]) => xs.map((x) => `\`${x}\``).join(", ").replace(/, ([^,]*)$/, " and $1");

export const LogGroupKeyPolicy: StackRule = {
  kind: "stack",
  name: "LogGroupKeyPolicy",
  check({ resources }: StackInput): StackViolation[] {
    const out: StackViolation[] = [];
    const waitsFor = dependencyClosure(resources);
    for (const group of ofType(resources, LOG_GROUP)) {
      const ref = group.props.kmsKeyId;
      if (ref !== undefined && ref !== null && knownString(ref) === undefined) continue;
      const key = stackKeyOf(ref, group, resources);
      if (key === undefined) continue;
      const keyArn = arnParts(ref, "kms") ?? arnParts(key.props.arn, "kms");
      const ownArn = knownString(group.props.arn)?.replace(/:\*$/, "");
      const groupParts = arnParts(ownArn, "logs");
      const name = knownString(group.props.name);
      const arn = ownArn ?? (name !== undefined && keyArn !== undefined ? logGroupContextArn(keyArn.partition, keyArn.region, keyArn.account, name) : undefined);
      const region = groupParts?.region ?? keyArn?.region;
      const principal = logsServicePrincipal(region ?? "<region>");
      const attached = attachedKeyPolicy(key, resources);
      const doc = attached?.props.policy ?? key.props.policy;
      const what = name !== undefined && name !== group.name ? `${resourceLabel(group)} (\`${name}\`)` : resourceLabel(group);
      const keyLabel = `${resourceLabel(key)}${attached === undefined ? "" : ` (its policy: ${resourceLabel(attached)})`}`;
      if (doc !== "[secret]") {
        const forLogs = policyStatementsOf(doc).filter(
          (s) => s.effect === "Allow" && (region !== undefined ? principalCovers(s, "Service", principal) : principalCovers(s, "Service", "*") || (s.principals.Service ?? []).some((p) => /^logs\.[a-z0-9-]+\.amazonaws\.com$/i.test(p))),
        );
        const admitting = arn === undefined ? forLogs : forLogs.filter((s) => contextLimits(s).every((limit) => admits(limit, arn)));
        const missing = LOG_GROUP_KEY_ACTIONS.filter((a) => !a.actions.every((action) => admitting.some((s) => coversAction(s, action)))).map((a) => a.label);
        let problem: string | undefined;
        if (forLogs.length === 0) problem = `${doc === undefined ? " (the default, which admits only the account)" : ""} has no statement allowing \`${principal}\``;
        else if (admitting.length === 0) problem = ` limits \`${LOGS_ENCRYPTION_CONTEXT_KEY}\` for \`${principal}\` to ${quoted([...new Set(forLogs.flatMap((s) => contextLimits(s).flatMap((l) => l.values)))])}, which does not match the group's ARN \`${arn}\``;
        else if (missing.length > 0) problem = ` does not allow \`${principal}\` ${quoted(missing)}${arn === undefined ? "" : ` for the group's ARN \`${arn}\``}`;
        if (problem !== undefined) {
          out.push({
            subject: group.urn,
            message: `${what}: encrypted with ${keyLabel}, whose policy${problem}, so CloudWatch Logs cannot use the key for the group and creating it fails (AccessDeniedException: the key "is not allowed to be used with Arn"); add a key policy statement allowing the service principal \`${principal}\` ${quoted(LOG_GROUP_KEY_ACTIONS.map((a) => a.label))} with \`ArnLike\` \`${LOGS_ENCRYPTION_CONTEXT_KEY}\` naming the group's ARN${arn === undefined ? "" : ` (\`${arn}\`)`} (for an Airlock bring-your-own key: \`requiredKeyPolicy({ …, logGroupArns })\` from @airlock/pulumi) (${LOG_GROUP_KMS_FACTS.keyPolicyStatement.url})`,
          });
        }
      }
      if (attached !== undefined && !waitsFor(group, attached)) {
        out.push({
          subject: group.urn,
          message: `${what}: encrypted with ${resourceLabel(key)}, whose policy is ${resourceLabel(attached)}, but the group does not wait for that KeyPolicy (directly or through what it depends on), so on a first deploy it can be created while the new key still has its default policy, which admits only the account, and creation fails (AccessDeniedException: the key "is not allowed to be used with Arn"); give the group (and the platform) a key ARN that resolves after the policy: \`pulumi.all([key.arn, keyPolicy.id]).apply(([arn]) => arn)\` (${LOG_GROUP_KMS_FACTS.accessDenied.url})`,
        });
      }
    }
    return out;
  },
};
