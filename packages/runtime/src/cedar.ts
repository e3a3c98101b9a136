/**
 * The risk lines' conditions on arguments, evaluated per call: the shipped model's Cedar policy set
 * (`AgentModel.argumentPolicies`, compiled by `@airlock/core` from `riskLines.<type>.when`) run by
 * `@cedar-policy/cedar-wasm` (its Node.js build: CommonJS, the WebAssembly compiled once when the
 * module loads), answering the guard's {@link ArgumentPolicy} hook.
 *
 * The policy set is parsed once, when the guard is made: each policy by its `@id` (the rule's place
 * in the manifest) with its `@decision` and `@condition`, cached in the Wasm module under an id of
 * its own. A call's request is principal `Airlock::Agent::"<agent>"`, action
 * `Airlock::Action::"<tool>"`, resource `Airlock::ActionType::"<type>"`, and a context built from
 * the arguments: only the paths the tool's conditions name, each read as an own property and
 * checked against the tool's declared type (a string, a safe integer, a boolean; a string's
 * `pattern` and `enum` again) before Cedar sees it. So an argument that is missing, of another
 * type, a number past 2^53, or a `__proto__` trick never reaches a comparison; each is a `forbid`
 * verdict with its reason. Cedar's answer becomes verdicts: the satisfied `forbid`s (deny wins),
 * else the satisfied `permit`s with their `@decision`; none when no rule matched (the tier
 * decides). Any evaluation error, or a policy set that does not parse, denies.
 */
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { setFlagsFromString } from "node:v8";
import type { AgentModel } from "@airlock/core";
import { CEDAR_ANNOTATIONS, CEDAR_ENTITY_TYPES } from "@airlock/core/contracts";
import type { ShippedModel } from "./model.ts";
import type { ArgumentPolicy, PolicyDecision, PolicyVerdict } from "./policy.ts";

/**
 * Node 20's V8 (11.3) aborts the whole process (`Fatal error: unreachable code` in
 * `Deoptimizer::DoComputeBuiltinContinuation`, SIGTRAP) when TurboFan-optimised code that inlined
 * into a hot async loop calling Cedar deoptimises: bench/runtime.ts died in 2 of 4 runs on this
 * 2-core machine, and in 0 of 9 with TurboFan's inlining off (as a flag, or set here at load).
 * An agent must not die of it, so on Node 20 the runtime turns that one optimisation off before
 * any policy is evaluated (a little slower hot JavaScript; later Node lines are left as they are).
 */
if (process.versions.node.split(".")[0] === "20") setFlagsFromString("--no-turbo-inlining");

const TYPES = CEDAR_ENTITY_TYPES;
const A = CEDAR_ANNOTATIONS;
const DECISIONS: ReadonlySet<string> = new Set(["allow", "approve", "always-approve", "forbid"]);

/** One policy of the set, by its `@id`. */
interface PolicyInfo {
  readonly decision: PolicyDecision;
  readonly condition: string;
}

/** What the context needs for one argument path: the path's segments and how to check its value. */
interface ContextSlot {
  readonly path: string;
  readonly segments: readonly string[];
  readonly check: (v: unknown) => string | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "number") return `the number ${v}`;
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** The checker of a declared argument's value, or why the argument cannot be compared. */
function checkerOf(schema: unknown): ((v: unknown) => string | undefined) | string {
  if (!isObject(schema)) return "is not declared with a type";
  switch (schema.type) {
    case "string": {
      let pattern: RegExp | undefined;
      if (typeof schema.pattern === "string") {
        try {
          pattern = new RegExp(schema.pattern, "u");
        } catch (e) {
          return `has a pattern that does not compile (${(e as Error).message})`;
        }
      }
      const allowed = Array.isArray(schema.enum) ? schema.enum : undefined;
      return (v) => {
        if (typeof v !== "string") return `must be a string, not ${kind(v)}`;
        if (pattern !== undefined && !pattern.test(v)) return `must match the pattern ${schema.pattern as string}`;
        if (allowed !== undefined && !allowed.includes(v)) return `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`;
        return undefined;
      };
    }
    case "integer":
      return (v) => (typeof v === "number" && Number.isSafeInteger(v) ? undefined : `must be a whole number from -(2^53 - 1) to 2^53 - 1, not ${kind(v)}`);
    case "boolean":
      return (v) => (typeof v === "boolean" ? undefined : `must be true or false, not ${kind(v)}`);
    default:
      return `is a ${String(schema.type)}, which conditions do not compare`;
  }
}

/** The declared schema at `segments` of a tool's input, walking own properties only. */
function schemaAt(input: unknown, segments: readonly string[]): unknown {
  let level: unknown = input;
  for (const seg of segments) {
    if (!isObject(level) || !isObject(level.properties) || !Object.hasOwn(level.properties, seg)) return undefined;
    level = level.properties[seg];
  }
  return level;
}

/** Sets `value` at `segments` of `root` as own, enumerable properties (never through a setter such as `__proto__`'s). */
function setAt(root: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let level = root;
  segments.forEach((seg, n) => {
    if (n === segments.length - 1) {
      Object.defineProperty(level, seg, { value, enumerable: true, writable: true, configurable: true });
      return;
    }
    if (!Object.hasOwn(level, seg)) Object.defineProperty(level, seg, { value: {}, enumerable: true, writable: true, configurable: true });
    level = level[seg] as Record<string, unknown>;
  });
}

let sets = 0;

/** Why the policy set cannot be used, or its policies by id. */
function parsePolicies(text: string): Map<string, PolicyInfo & { text: string }> | string {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type !== "success") return parts.errors.map((e) => e.message).join("; ");
  if (parts.policy_templates.length > 0) return "it holds templates, which Airlock does not compile";
  const out = new Map<string, PolicyInfo & { text: string }>();
  for (const [n, p] of parts.policies.entries()) {
    const json = cedar.policyToJson(p);
    if (json.type !== "success") return json.errors.map((e) => e.message).join("; ");
    const a = json.json.annotations ?? {};
    const id = a[A.id];
    if (typeof id !== "string" || id === "") return `policy ${n} has no @id`;
    if (out.has(id)) return `two policies have @id ${JSON.stringify(id)}`;
    const decision = a[A.decision];
    if (typeof decision !== "string" || !DECISIONS.has(decision)) return `policy ${id} has no @decision (allow, approve, always-approve or forbid)`;
    if ((decision === "forbid") !== (json.json.effect === "forbid")) return `policy ${id} says @decision ${decision} but is a ${json.json.effect}`;
    out.set(id, { decision: decision as PolicyDecision, condition: typeof a[A.condition] === "string" ? a[A.condition]! : id, text: p });
  }
  return out;
}

/** The tools each policy applies to (by its action constraint), or "all". */
function toolsOf(text: string): readonly string[] | "all" {
  const json = cedar.policyToJson(text);
  if (json.type !== "success") return "all";
  const action = json.json.action;
  const ids = (uids: readonly unknown[]): string[] => uids.map((u) => (isObject(u) ? String((isObject(u.__entity) ? u.__entity : u).id) : ""));
  if (action.op === "==" && "entity" in action) return ids([action.entity]);
  if (action.op === "in" && "entities" in action) return ids(action.entities);
  if (action.op === "in" && "entity" in action) return ids([action.entity]);
  return "all";
}

const forbid = (reason: string): PolicyVerdict => ({ decision: "forbid", reason });

/**
 * The argument policy of a shipped model: its compiled Cedar policies, evaluated per call; or
 * undefined when the model has none (no risk line has conditions). Never throws: a policy set that
 * does not parse gives a policy that forbids every call, with the reason.
 */
/** What the argument policy reads of a model: a compiled `AgentModel` or a {@link ShippedModel}. */
export interface ArgumentPolicySource {
  readonly name: string;
  readonly tools: readonly { readonly name: string; readonly actionType?: string; readonly input?: unknown }[];
  readonly riskLines: AgentModel["riskLines"];
  readonly argumentPolicies?: string;
}

export function cedarArgumentPolicy(model: ArgumentPolicySource | ShippedModel): ArgumentPolicy | undefined {
  try {
    return compiledPolicy(model as ArgumentPolicySource);
  } catch (e) {
    // A model whose conditions are not shaped as `compile` writes them: nothing can be decided.
    const why = e instanceof Error ? e.message : String(e);
    return () => forbid(`the agent's argument policies cannot be read from its model (${why}), which denies every call`);
  }
}

function compiledPolicy(model: ArgumentPolicySource): ArgumentPolicy | undefined {
  const text: unknown = model.argumentPolicies;
  if (text !== undefined && typeof text !== "string") throw new Error("`argumentPolicies` is not text");
  const conditioned = model.riskLines.filter((l) => (l.when?.length ?? 0) > 0);
  if ((text === undefined || text.trim() === "") && conditioned.length === 0) return undefined;
  if (text === undefined || text.trim() === "") {
    return () => forbid("the model's risk lines have conditions but no compiled argument policies; ship the model exactly as `compile` returns it");
  }
  const policies = parsePolicies(text);
  const setId = `airlock-${++sets}`;
  const parsed = typeof policies === "string" ? undefined : cedar.preparsePolicySet(setId, { staticPolicies: Object.fromEntries([...policies].map(([id, p]) => [id, p.text])) });
  if (typeof policies === "string" || parsed?.type !== "success") {
    const why = typeof policies === "string" ? policies : parsed!.type === "failure" ? parsed!.errors.map((e) => e.message).join("; ") : "unknown";
    return () => forbid(`the agent's argument policies do not parse (${why}), which denies every call`);
  }
  const infos: ReadonlyMap<string, PolicyInfo> = policies;
  const covered = new Set<string>();
  let all = false;
  for (const p of policies.values()) {
    const tools = toolsOf(p.text);
    if (tools === "all") all = true;
    else tools.forEach((t) => covered.add(t));
  }

  // Per tool: the context slots its conditions need, or why its calls cannot be evaluated.
  const slots = new Map<string, readonly ContextSlot[] | string>();
  for (const tool of model.tools) {
    const paths = new Set(conditioned.filter((l) => l.actionType === tool.actionType).flatMap((l) => l.when!.flatMap((c) => Object.keys(c.if))));
    const out: ContextSlot[] = [];
    let problem: string | undefined;
    for (const path of [...paths].sort()) {
      const segments = path.split(".");
      const checker = checkerOf(schemaAt(tool.input, segments));
      if (typeof checker === "string") {
        problem = `the condition's argument \`${path}\` ${checker === "is not declared with a type" ? `is not declared in the tool's input` : checker}`;
        break;
      }
      out.push({ path, segments, check: checker });
    }
    slots.set(tool.name, problem ?? out);
  }

  return (tool, args) => {
    const need = slots.get(tool.name);
    if (need === undefined) return forbid(`"${tool.name}" is not a tool of the model the argument policies were made for`);
    if (typeof need === "string") return forbid(`${need}, which denies the call`);
    // No condition names this tool: no verdict, without asking Cedar (no policy's scope takes it).
    if (need.length === 0 && !all && !covered.has(tool.name)) return undefined;
    const context: Record<string, unknown> = {};
    const problems: PolicyVerdict[] = [];
    for (const slot of need) {
      let v: unknown = args;
      for (const seg of slot.segments) v = isObject(v) && Object.hasOwn(v, seg) ? v[seg] : undefined;
      if (v === undefined) {
        problems.push(forbid(`the argument \`${slot.path}\` is missing, and the policy compares it`));
        continue;
      }
      const wrong = slot.check(v);
      if (wrong !== undefined) problems.push(forbid(`the argument \`${slot.path}\` ${wrong}, so the policy cannot compare it`));
      else setAt(context, slot.segments, v);
    }
    if (problems.length > 0) return problems;
    const answer = cedar.statefulIsAuthorized({
      principal: { type: TYPES.agent, id: model.name },
      action: { type: TYPES.action, id: tool.name },
      resource: { type: TYPES.actionType, id: tool.actionType ?? "" },
      context: context as cedar.Context,
      preparsedPolicySetId: setId,
      entities: [],
    });
    if (answer.type !== "success") return forbid(`the argument policy could not be evaluated (${answer.errors.map((e) => e.message).join("; ")}), which denies the call`);
    const { decision, diagnostics } = answer.response;
    // Plain indexed loops over the arrays the Wasm module made (no callbacks into Array builtins).
    const out: PolicyVerdict[] = [];
    const errors = diagnostics.errors;
    for (let k = 0; k < errors.length; k++) {
      const e = errors[k]!;
      out.push(forbid(`the rule ${e.policyId} (${infos.get(e.policyId)?.condition ?? "unknown"}) could not be evaluated (${e.error.message}), which denies the call`));
    }
    if (out.length > 0) return out;
    const reasons = diagnostics.reason;
    for (let k = 0; k < reasons.length; k++) {
      const id = String(reasons[k]);
      const info = infos.get(id);
      if (decision === "deny") out.push(forbid(info === undefined ? `the unknown rule ${id} forbids it` : `${info.condition} (${id})`));
      else out.push(info === undefined ? forbid(`the unknown rule ${id} matched`) : { decision: info.decision, reason: `${info.condition} (${id})` });
    }
    return out;
  };
}
