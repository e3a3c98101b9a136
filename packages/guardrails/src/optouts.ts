/**
 * The opt-outs Airlock's compiler and components accept, as the pack reads them back from a stack.
 * An opt-out the components accept (a reason of at least 10 characters, named in the manifest or
 * the component's args) is never an error in the pack: the rule it opts out of stays quiet and a
 * warning rule quotes the reason, so it shows in every plan and preview. An opt-out the components
 * would never emit (no reason, a blank one, on the wrong resource, wider than what was compiled)
 * stays an error.
 *
 * Where the pack reads them:
 * - `allowWildcard.reason` on a tool: offline, from the plan's compiled models (the statement's Sid,
 *   actions and resources must equal a compiled statement whose permission row carries the reason);
 *   in the Pulumi engine, which has no models, from the tag `airlock:wildcard:<Sid>` = reason on the
 *   agent's task role (`airlock:role` = `task`).
 * - `privateRoutes[].managedElsewhere.reason` on the platform: the tag `airlock:route-elsewhere:<cidr>`
 *   = reason on the `aws.ec2.Vpc` the platform creates.
 * - `egress.anyIpOn443.reason`: the egress rule's description (`OPT-OUT …: reason`) or the tag
 *   `airlock:egress-opt-out` (AIR-G020 / AIR-G021).
 * - `approvals.agents.<agent>.disabled`: the service's tag `airlock:approvals` = `OFF: reason` (AIR-G050 / AIR-G051).
 */
import { TAG_PREFIXES, TAGS } from "@airlock/core/contracts";
import { isRecord, ofType, referent, tagsOf, type Statement } from "./support.ts";
import type { StackInput, StackResource } from "./rule.ts";
import { IAM_ROLE, IAM_ROLE_POLICY } from "./types.ts";

/** The shortest reason the components accept (their validators and the manifest schema). */
export const MIN_REASON_LENGTH = 10;
/** Tag on an agent's task role: `airlock:wildcard:<Sid>` = the tool's `allowWildcard.reason`. */
export const WILDCARD_REASON_TAG_PREFIX = TAG_PREFIXES.wildcardReason;
/** Tag on a VPC: `airlock:route-elsewhere:<cidr>` = the private route's `managedElsewhere.reason`. */
export const ROUTE_ELSEWHERE_TAG_PREFIX = TAG_PREFIXES.routeElsewhere;

/** A reason a reviewer can judge (trimmed, at least 10 characters), or undefined. */
export function realReason(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t.length >= MIN_REASON_LENGTH ? t : undefined;
}

/** A wildcard statement the manifest allowed, keyed by Sid. */
export interface ReasonedWildcard {
  /** The reason as recorded (may be blank: then it is refused). */
  readonly reason: string;
  /** The tool that asked for it, when the compiled model is known. */
  readonly tool?: string;
  /** The statement as compiled, when the model is known: the policy must hold exactly this. */
  readonly actions?: readonly string[];
  readonly resources?: readonly string[];
  /** Where the reason was read: `allowWildcard.reason` of a compiled tool, or the task role's tag. */
  readonly source: "model" | "tag";
}

/** The Airlock task role an identity policy resource belongs to (a role itself, or the role a RolePolicy names). */
function taskRoleOf(self: StackResource, stack: StackInput): { role: StackResource; agent: string } | undefined {
  const role = self.type === IAM_ROLE ? self : self.type === IAM_ROLE_POLICY ? referent(self.props.role, ofType(stack.resources, IAM_ROLE), self) : undefined;
  if (role === undefined) return undefined;
  const tags = tagsOf(role.props);
  const agent = tags[TAGS.agent];
  return tags[TAGS.role] === "task" && agent !== undefined ? { role, agent } : undefined;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/**
 * The wildcards the manifest allowed for the task role that `self` (a Role or RolePolicy) belongs to,
 * by statement Sid; empty for any other resource. With the agent's compiled model, the model decides
 * (tags are ignored: a tag the compiler did not ask for is forged); without it, the task role's tags.
 */
export function reasonedWildcards(self: StackResource, stack: StackInput): ReadonlyMap<string, ReasonedWildcard> {
  const out = new Map<string, ReasonedWildcard>();
  const owner = taskRoleOf(self, stack);
  if (owner === undefined) return out;
  const model = stack.agents?.find((a) => a.name === owner.agent);
  if (model?.taskRoleStatements !== undefined) {
    for (const p of model.permissions ?? []) {
      if (p.wildcardReason === undefined) continue;
      for (const st of model.taskRoleStatements) {
        if (st.Effect !== "Allow" || !sameSet(st.Action, p.actions) || !sameSet(st.Resource, p.resources)) continue;
        out.set(st.Sid, { reason: p.wildcardReason, tool: p.tool, actions: st.Action, resources: st.Resource, source: "model" });
      }
    }
    return out;
  }
  const tags = isRecord(owner.role.props.tags) ? owner.role.props.tags : {};
  for (const [k, v] of Object.entries(tags)) {
    if (k.startsWith(WILDCARD_REASON_TAG_PREFIX) && typeof v === "string") out.set(k.slice(WILDCARD_REASON_TAG_PREFIX.length), { reason: v, source: "tag" });
  }
  return out;
}

/**
 * Whether a statement is covered by the manifest's reason: same Sid, a real reason, and (with the
 * compiled model) exactly the compiled actions and resources. Returns the reason, or why not.
 */
export function wildcardAllowance(statement: Statement, reasoned: ReadonlyMap<string, ReasonedWildcard>): { readonly reason?: string; readonly tool?: string; readonly problem?: string } {
  const w = statement.sid === undefined ? undefined : reasoned.get(statement.sid);
  if (w === undefined) return {};
  const reason = realReason(w.reason);
  if (reason === undefined) {
    return { problem: `its wildcard reason (${JSON.stringify(w.reason)}) is empty or too short; give \`allowWildcard.reason\` on the tool (at least ${MIN_REASON_LENGTH} characters a reviewer can judge)` };
  }
  if (w.actions !== undefined && w.resources !== undefined && (!sameSet(statement.actions, w.actions) || !sameSet(statement.resources, w.resources) || statement.notResources.length > 0)) {
    return { problem: "it differs from the statement the manifest compiled to, so the manifest's `allowWildcard.reason` does not cover it" };
  }
  return { reason, ...(w.tool !== undefined ? { tool: w.tool } : {}) };
}

/** The `airlock:route-elsewhere:<cidr>` tags of a VPC: CIDR → reason as recorded. */
export function routesElsewhere(vpc: StackResource): { readonly cidr: string; readonly reason: string }[] {
  return Object.entries(tagsOf(vpc.props))
    .filter(([k]) => k.startsWith(ROUTE_ELSEWHERE_TAG_PREFIX))
    .map(([k, reason]) => ({ cidr: k.slice(ROUTE_ELSEWHERE_TAG_PREFIX.length), reason }));
}
