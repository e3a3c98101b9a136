/**
 * An identity policy that allows `bedrock:InvokeModel` or `bedrock:InvokeModelWithResponseStream`
 * on a system-defined inference profile (`arn:…:bedrock:<region>:<account>:inference-profile/<id>`)
 * also allows them on the foundation model in every Region the profile routes calls from that
 * Region to (`inferenceProfileModelArns` over the dated routing table in `@airlock/core`,
 * packages/core/src/aws/bedrock.ts); calls routed to a Region without the grant fail with
 * AccessDeniedException. The grant may sit in any identity policy of the same principal: a role's
 * `inlinePolicies`, its `aws.iam.RolePolicy`s and the `aws.iam.Policy`s attached to it
 * (`RolePolicyAttachment`, `managedPolicyArns`); any other policy is read alone. Conditions (such
 * as `bedrock:InferenceProfileArn`, which limits the model grant to calls through the profile) are
 * not evaluated. Profiles the table does not hold, application inference profiles and profile ARNs
 * with a wildcard Region are not checked.
 */
import { INFERENCE_PROFILE_MODEL_GRANT, inferenceProfileModelArns } from "@airlock/core";
import type { StackInput, StackResource, StackRule, StackViolation } from "../../rule.ts";
import { allowStatements, coversAction, coversResource, IAM_POLICY_TYPES, names, ofType, referent, resourceLabel, type Statement } from "../../support.ts";
import { IAM_POLICY as MANAGED_POLICY, IAM_ROLE as ROLE, IAM_ROLE_POLICY as ROLE_POLICY, IAM_ROLE_POLICY_ATTACHMENT as ATTACHMENT } from "../../types.ts";

const INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];
const PROFILE_ARN = /^arn:([^:]+):bedrock:([a-z0-9-]+):(\d{12}|\*)?:inference-profile\/(.+)$/;

interface Grant {
  readonly holder: StackResource;
  readonly where: string;
  readonly statement: Statement;
}

/** The identity policy statements of each principal: a role with everything attached to it, or a policy on its own. */
function principalGrants(resources: readonly StackResource[]): { readonly label: string; readonly grants: Grant[] }[] {
  const holders = resources.filter((r) => (IAM_POLICY_TYPES as readonly string[]).includes(r.type));
  const grantsOf = (r: StackResource): Grant[] => (allowStatements(r.type, r.props) ?? []).map((g) => ({ holder: r, ...g }));
  const used = new Set<string>();
  const groups: { label: string; grants: Grant[] }[] = [];
  for (const role of ofType(resources, ROLE)) {
    const policies = ofType(resources, ROLE_POLICY).filter((p) => referent(p.props.role, [role], p) !== undefined);
    const managed = ofType(resources, MANAGED_POLICY).filter(
      (m) => names(role.props.managedPolicyArns, m, role) || ofType(resources, ATTACHMENT).some((a) => referent(a.props.role, [role], a) !== undefined && referent(a.props.policyArn, [m], a) !== undefined),
    );
    const members = [role, ...policies, ...managed];
    for (const m of members) used.add(m.urn);
    groups.push({ label: resourceLabel(role), grants: members.flatMap(grantsOf) });
  }
  for (const r of holders.filter((h) => !used.has(h.urn))) groups.push({ label: resourceLabel(r), grants: grantsOf(r) });
  return groups;
}

export const BedrockInferenceProfileGrants: StackRule = {
  kind: "stack",
  name: "BedrockInferenceProfileGrants",
  check({ resources }: StackInput): StackViolation[] {
    const out: StackViolation[] = [];
    for (const { label, grants } of principalGrants(resources)) {
      for (const { holder, where, statement } of grants) {
        const actions = INVOKE_ACTIONS.filter((a) => coversAction(statement, a));
        if (actions.length === 0) continue;
        for (const arn of statement.resources) {
          const m = PROFILE_ARN.exec(arn);
          if (m === null) continue;
          const [, partition, region, , id] = m as unknown as [string, string, string, string, string];
          const models = inferenceProfileModelArns(id, region, partition);
          if (models === undefined) continue;
          const short = actions.filter((a) => models.some((model) => !grants.some((g) => coversAction(g.statement, a) && coversResource(g.statement, model))));
          const missing = models.filter((model) => short.some((a) => !grants.some((g) => coversAction(g.statement, a) && coversResource(g.statement, model))));
          if (missing.length === 0) continue;
          const regions = models.map((model) => model.split(":")[3] || "(any Region)");
          out.push({
            subject: holder.urn,
            message: `${resourceLabel(holder)}: ${where} allows ${short.map((a) => `\`${a}\``).join(", ")} on inference profile \`${id}\` (called from ${region}), which routes calls to ${regions.join(", ")}, but no policy of ${label} allows it on ${missing.map((x) => `\`${x}\``).join(", ")}, so calls routed there fail with AccessDeniedException; allow ${short.map((a) => `\`${a}\``).join(", ")} on the foundation model in every destination Region (only through the profile, if you like, with the \`bedrock:InferenceProfileArn\` condition) (${INFERENCE_PROFILE_MODEL_GRANT.url})`,
          });
        }
      }
    }
    return out;
  },
};
