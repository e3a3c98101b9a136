/**
 * Reading resource properties the way both the plan and the Pulumi engine present them: policy
 * documents and container definitions arrive as JSON strings (or, from some programs, objects);
 * single values may stand where lists are allowed.
 */
import { findSecrets, isHighEntropySecret, maskSecret, parseCidr, SECRET_PLACEHOLDER } from "@airlock/core";
import { NOT_APPLICABLE, verdict, type Props, type RuleResult } from "./rule.ts";

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

export const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

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
