/**
 * Reading resource properties the way both the plan and the Pulumi engine present them: policy
 * documents and container definitions arrive as JSON strings (or, from some programs, objects);
 * single values may stand where lists are allowed.
 */
import { findSecrets, isHighEntropySecret, maskSecret, parseCidr, SECRET_PLACEHOLDER } from "@airlock/core";
import { NOT_APPLICABLE, verdict, type Props, type RuleResult, type StackResource } from "./rule.ts";
import { ECS_TASK_DEFINITION as TASK_DEFINITION, KMS_ALIAS, KMS_KEY, KMS_KEY_POLICY } from "./types.ts";

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A JSON string parsed, an object returned as is, anything unreadable as undefined. */
export function parseJsonish(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** A string or list of strings as a list (other values dropped). */
export function stringList(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return [];
}

export interface Statement {
  readonly sid: string | undefined;
  readonly effect: string;
  readonly actions: string[];
  readonly notActions: string[];
  readonly resources: string[];
  readonly notResources: string[];
  readonly hasCondition: boolean;
}

/** The statements of a policy document (JSON string or object); empty when unreadable. */
export function statementsOf(doc: unknown): Statement[] {
  const parsed = parseJsonish(doc);
  if (!isRecord(parsed)) return [];
  const raw = parsed.Statement;
  const list = Array.isArray(raw) ? raw : isRecord(raw) ? [raw] : [];
  return list.filter(isRecord).map((s) => ({
    sid: typeof s.Sid === "string" ? s.Sid : undefined,
    effect: typeof s.Effect === "string" ? s.Effect : "Allow",
    actions: stringList(s.Action),
    notActions: stringList(s.NotAction),
    resources: stringList(s.Resource),
    notResources: stringList(s.NotResource),
    hasCondition: isRecord(s.Condition),
  }));
}

/** Identity policy documents a resource carries, labelled by where they sit. */
export function permissionPolicies(type: string, props: Props): { label: string; doc: unknown }[] {
  switch (type) {
    case "aws:iam/rolePolicy:RolePolicy":
    case "aws:iam/policy:Policy":
    case "aws:iam/userPolicy:UserPolicy":
    case "aws:iam/groupPolicy:GroupPolicy":
      return props.policy === undefined ? [] : [{ label: "policy", doc: props.policy }];
    case "aws:iam/role:Role": {
      const inline = Array.isArray(props.inlinePolicies) ? props.inlinePolicies : [];
      return inline
        .filter(isRecord)
        .filter((p) => p.policy !== undefined)
        .map((p, i) => ({ label: `inlinePolicies[${typeof p.name === "string" ? p.name : i}]`, doc: p.policy }));
    }
    default:
      return [];
  }
}

export const IAM_POLICY_TYPES = [
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/policy:Policy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
] as const;

/** Container definitions of a task definition (a JSON string in both plan and engine). */
export function containerDefinitions(props: Props): Record<string, unknown>[] | undefined {
  const parsed = parseJsonish(props.containerDefinitions);
  return Array.isArray(parsed) ? parsed.filter(isRecord) : undefined;
}

export function containerName(c: Record<string, unknown>, i: number): string {
  return typeof c.name === "string" ? c.name : `#${i}`;
}

/**
 * The shared shape of the container rules: not applicable to anything but a task definition with
 * container definitions; otherwise the problems `check` finds in each container, by its name.
 */
export function checkContainers(type: string, props: Props, check: (container: Record<string, unknown>, name: string) => readonly string[]): RuleResult {
  const containers = type === TASK_DEFINITION ? containerDefinitions(props) : undefined;
  if (containers === undefined) return NOT_APPLICABLE;
  return verdict(containers.flatMap((c, i) => check(c, containerName(c, i))));
}

export function tagsOf(props: Props): Record<string, string> {
  const t = props.tags;
  if (!isRecord(t)) return {};
  return Object.fromEntries(Object.entries(t).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** Whether a CIDR (v4 or v6) is the whole address space. */
export function isOpenCidr(cidr: string): boolean {
  const c = parseCidr(cidr.trim());
  return c !== undefined && c.prefix === 0;
}

/**
 * Why an environment value must not be a plain literal, or undefined when it is fine: a known
 * credential format, a Pulumi secret printed in the clear, or a high-entropy value.
 */
export function secretLiteralProblem(name: string, value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  if (value === SECRET_PLACEHOLDER) return `\`${name}\` holds a Pulumi secret as plain text`;
  const found = findSecrets(value);
  if (found.length > 0) return `\`${name}\` holds what looks like a ${found[0]!.description} (${found[0]!.masked})`;
  if (isHighEntropySecret(name, value)) return `\`${name}\` holds a high-entropy value that looks like a credential (${maskSecret(value)})`;
  return undefined;
}

/** Every string anywhere inside a value (for reference matching across resources). */
export function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) allStrings(x, out);
  else if (isRecord(v)) for (const x of Object.values(v)) allStrings(x, out);
  return out;
}

/** The names a resource can be referred to by from another resource's properties. */
export function identifiersOf(r: { urn: string; name: string; props: Readonly<Record<string, unknown>> }): string[] {
  const ids = [r.urn, r.name];
  for (const k of ["name", "arn", "id"]) {
    const v = r.props[k];
    if (typeof v === "string" && v !== "") ids.push(v);
  }
  return [...new Set(ids)];
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Whether `value` refers to something known by `ident`: equal to it, or containing it as a whole
 * segment (as an ARN contains a name: `…:secret:support/github-token-AbCdEf`, `…:log-group:/x:*`).
 */
export function mentions(value: string, ident: string): boolean {
  if (value === ident) return true;
  if (ident.length < 3) return false;
  // Secrets Manager appends `-` and six characters to a secret's name in its ARN; mocks append `-id` to ids.
  const suffix = value.includes(":secret:") ? "(-[A-Za-z0-9]{6}|-id)?" : "(-id)?";
  return new RegExp(`(^|[^A-Za-z0-9_-])${escapeRegex(ident)}${suffix}($|[^A-Za-z0-9_-])`).test(value);
}

/** Whether any string in `props` refers to `target`. */
export function refersTo(props: Readonly<Record<string, unknown>>, target: { urn: string; name: string; props: Readonly<Record<string, unknown>> }): boolean {
  const ids = identifiersOf(target);
  return allStrings(props).some((s) => ids.some((id) => mentions(s, id)));
}

/**
 * The Allow statements of a resource's identity policies, each with where it is
 * (`<policy> statement <sid or #index>`); undefined when the resource holds no identity policy.
 */
export function allowStatements(type: string, props: Props): { where: string; statement: Statement }[] | undefined {
  const policies = permissionPolicies(type, props);
  if (policies.length === 0) return undefined;
  return policies.flatMap(({ label, doc }) =>
    statementsOf(doc).flatMap((statement, i) => (statement.effect === "Allow" ? [{ where: `${label} statement ${statement.sid ?? `#${i}`}`, statement }] : [])),
  );
}

// --- Across resources: references, dependencies, resource policies ----------------------------

/** A plain string input known at plan time (not empty, not a secret placeholder), else undefined. */
export function knownString(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" && v !== SECRET_PLACEHOLDER ? v : undefined;
}

/** The resources of one type. */
export function ofType(resources: readonly StackResource[], type: string): StackResource[] {
  return resources.filter((r) => r.type === type);
}

/**
 * Whether one resource waits for another, directly or through others, by the dependencies the
 * plan (`dependsOn`) and the engine (`dependencies`) record.
 */
export function dependencyClosure(resources: readonly StackResource[]): (from: StackResource, to: StackResource) => boolean {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const reach = new Map<string, Set<string>>();
  const closure = (urn: string): Set<string> => {
    const known = reach.get(urn);
    if (known !== undefined) return known;
    const seen = new Set<string>();
    reach.set(urn, seen);
    const stack = [...(byUrn.get(urn)?.dependencies ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(byUrn.get(next)?.dependencies ?? []));
    }
    return seen;
  };
  return (from, to) => closure(from.urn).has(to.urn);
}

/**
 * The resource among `candidates` that `value` names: equal to, or containing as a segment, its
 * URN, logical name, `name`, `arn`, `id` or one of `fields` (as `mentions` reads them; an exact
 * match wins). When `value` is unknown at plan time (an output not resolved in a preview), the
 * only candidate `holder` depends on directly. Undefined when there is none.
 */
export function referent(value: unknown, candidates: readonly StackResource[], holder?: StackResource, fields: readonly string[] = []): StackResource | undefined {
  const text = knownString(value);
  if (text === undefined) {
    if (holder === undefined || (value !== undefined && value !== null)) return undefined;
    const direct = candidates.filter((c) => (holder.dependencies ?? []).includes(c.urn));
    return direct.length === 1 ? direct[0] : undefined;
  }
  const ids = (c: StackResource) => [...identifiersOf(c), ...fields.map((f) => knownString(c.props[f])).filter((x): x is string => x !== undefined)];
  return candidates.find((c) => ids(c).includes(text)) ?? candidates.find((c) => ids(c).some((id) => mentions(text, id)));
}

/**
 * Whether `value` (a string, or a list of them) names `target`; a list entry unknown at plan time
 * counts when its holder depends directly on `target`. An absent value names nothing.
 */
export function names(value: unknown, target: StackResource, holder: StackResource): boolean {
  if (value === undefined || value === null) return false;
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => referent(v, [target], holder) !== undefined);
}

/** How a resource is named in messages: `lambda Function \`name\``. */
export function resourceLabel(r: { type: string; name: string }): string {
  const m = /^aws:([a-z0-9]+)\/[A-Za-z0-9]+:(.+)$/.exec(r.type);
  return `${m === null ? r.type : `${m[1]} ${m[2]}`} \`${r.name}\``;
}

/** The function (name) and qualifier (version or alias) a Lambda function reference names: a name, `name:alias`, a partial or full ARN. */
export function lambdaFunctionRef(value: string): { readonly name: string; readonly qualifier?: string } {
  const m = /^(?:arn:[^:]+:lambda:[^:]*:)?(?:\d{12}:)?(?:function:)?([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?$/.exec(value);
  if (m === null) return { name: value };
  return m[2] !== undefined ? { name: m[1]!, qualifier: m[2] } : { name: m[1]! };
}

/** Whether an IAM-style pattern (`*` any run, `?` one character) matches `value`. */
export function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const re = new RegExp(`^${pattern.split(/([*?])/).map((p) => (p === "*" ? ".*" : p === "?" ? "." : escapeRegex(p))).join("")}$`, ignoreCase ? "is" : "s");
  return re.test(value);
}

/** A policy statement with its principals and the condition keys it tests. */
export interface PolicyStatement extends Statement {
  /** Principals by type (`AWS`, `Service`, …); `"Principal": "*"` reads as `{ "*": ["*"] }`; none for identity policies. */
  readonly principals: Readonly<Record<string, readonly string[]>>;
  /** The condition keys the statement tests (e.g. `aws:SourceAccount`), as written. */
  readonly conditionKeys: readonly string[];
  /** The conditions by operator and key, each value as a list (`{ ArnLike: { "aws:SourceArn": [...] } }`). */
  readonly conditions: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

/** The statements of a policy document with principals and condition keys (resource policies: key, topic, endpoint). */
export function policyStatementsOf(doc: unknown): PolicyStatement[] {
  const parsed = parseJsonish(doc);
  if (!isRecord(parsed)) return [];
  const raw = Array.isArray(parsed.Statement) ? parsed.Statement : isRecord(parsed.Statement) ? [parsed.Statement] : [];
  const records = raw.filter(isRecord);
  return statementsOf(doc).map((s, i) => {
    const r = records[i]!;
    const p = r.Principal;
    const principals: Record<string, string[]> = p === "*" ? { "*": ["*"] } : isRecord(p) ? Object.fromEntries(Object.entries(p).map(([k, v]) => [k, stringList(v)])) : {};
    const conditionKeys = isRecord(r.Condition) ? Object.values(r.Condition).flatMap((c) => (isRecord(c) ? Object.keys(c) : [])) : [];
    const conditions = isRecord(r.Condition)
      ? Object.fromEntries(Object.entries(r.Condition).filter((e): e is [string, Record<string, unknown>] => isRecord(e[1])).map(([op, c]) => [op, Object.fromEntries(Object.entries(c).map(([k, v]) => [k, stringList(v)]))]))
      : {};
    return { ...s, principals, conditionKeys, conditions };
  });
}

/** Whether a statement's principal covers `value` of `type` (`Service`, `AWS`): named, or everyone (`*`, `{"AWS": "*"}`). */
export function principalCovers(s: PolicyStatement, type: string, value: string): boolean {
  if (s.principals["*"] !== undefined || (s.principals.AWS ?? []).includes("*")) return true;
  return (s.principals[type] ?? []).some((v) => v.toLowerCase() === value.toLowerCase());
}

/** Whether a statement covers `action` (Action patterns, or everything but its NotAction; IAM actions are case-insensitive). */
export function coversAction(s: Statement, action: string): boolean {
  if (s.actions.length > 0) return s.actions.some((a) => globMatches(a, action, true));
  return s.notActions.length > 0 && !s.notActions.some((a) => globMatches(a, action, true));
}

/** Whether a statement covers resource `arn` (Resource patterns, or everything but its NotResource). */
export function coversResource(s: Statement, arn: string): boolean {
  if (s.resources.length > 0) return s.resources.some((r) => globMatches(r, arn));
  return s.notResources.length > 0 && !s.notResources.some((r) => globMatches(r, arn));
}

// --- KMS keys of the stack ----------------------------------------------------------------------

/**
 * The KMS key of the stack a key reference (`kmsMasterKeyId`, `kmsKeyId`) of `holder` names: the
 * key itself (ARN, key id, id), an alias of the stack that targets it, or, for a key ARN or id the
 * plan made up (its ARNs are built from a hash of the key's name) or a value unknown at plan time,
 * the one key `holder` depends on directly. Undefined for a key outside the stack.
 */
export function stackKeyOf(ref: unknown, holder: StackResource, resources: readonly StackResource[]): StackResource | undefined {
  const keys = ofType(resources, KMS_KEY);
  const direct = referent(ref, keys, holder, ["keyId"]);
  if (direct !== undefined) return direct;
  const alias = referent(ref, ofType(resources, KMS_ALIAS), holder);
  if (alias !== undefined) return referent(alias.props.targetKeyId, keys, alias, ["keyId"]) ?? referent(undefined, keys, alias);
  const text = knownString(ref);
  if (text !== undefined && /^(arn:[^:]+:kms:[^:]*:\d{12}:key\/|[0-9A-Za-z-]+$)/.test(text)) return referent(undefined, keys, holder);
  return undefined;
}

/**
 * The `aws.kms.KeyPolicy` of the stack attached to `key`: one whose `keyId` names it, or, since a
 * KeyPolicy names its key by id, an output known only once the key exists (offline the mocks make
 * one up), one that depends on this key and names no other key of the stack.
 */
export function attachedKeyPolicy(key: StackResource, resources: readonly StackResource[]): StackResource | undefined {
  const policies = ofType(resources, KMS_KEY_POLICY);
  return (
    policies.find((p) => referent(p.props.keyId, [key], p, ["keyId"]) !== undefined) ??
    policies.find((p) => (p.dependencies ?? []).includes(key.urn) && referent(p.props.keyId, ofType(resources, KMS_KEY), p, ["keyId"]) === undefined)
  );
}
