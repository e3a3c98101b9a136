/**
 * `compileGrant`: one AWS grant of a tool (`tools[i].aws[j]`), checked against the IAM dataset
 * (service prefix, ARNs, each action's existence, spelling, access level and resource types) and
 * turned into exact actions grouped by the exact resources they act on. Problems go to the
 * caller's `ProblemList`, named by the grant's path.
 */
import type { ProblemList } from "../errors.ts";
import { actionFacts, actionTakesResource, actionsOfService, isReadLevel, resourceTypesOf, serviceExists, suggestAction, type ActionFacts } from "../iam/dataset.ts";
import { escalationRisk, isAdminRole, isOwnRole } from "../iam/escalation.ts";
import type { AwsGrant, ToolSpec } from "../manifest/schema.ts";
import { uniqSorted } from "./lists.ts";

/** A grant that passed every check: one group per set of resources (one task-role statement each). */
export interface CompiledGrant {
  readonly groups: { actions: string[]; resources: string[]; writes: boolean }[];
  readonly writes: boolean;
  readonly wildcard: boolean;
  /** The privilege-escalation, permissions-management and tagging actions it holds (allowed with the tool's reason), sorted. */
  readonly escalation: string[];
}

/** Checks and compiles one grant of agent `agent`; `undefined` when it added a problem (at `path` or below). */
export async function compileGrant(tool: ToolSpec, grant: AwsGrant, path: string, problems: ProblemList, agent = ""): Promise<CompiledGrant | undefined> {
  const before = problems.size;
  if (!(await serviceExists(grant.service))) {
    problems.add(`${path}.service`, `"${grant.service}" is not an IAM service prefix; use the prefix from the AWS service authorization reference (e.g. \`dynamodb\`, \`s3\`)`);
    return undefined;
  }
  let wildcard = false;
  for (const [k, r] of grant.resources.entries()) {
    // IAM matches `?` in a resource as any one character, as it matches `*` as any run.
    if (r.includes("*") || r.includes("?")) {
      wildcard = true;
      if (!tool.allowWildcard) {
        const which = r.includes("*") ? "" : " (`?` matches any one character)";
        problems.add(
          `${path}.resources[${k}]`,
          `"${r}" contains a wildcard${which}; list exact resource ARNs, or set \`allowWildcard.reason\` on the tool if a wildcard is truly needed`,
        );
      }
    } else if (!/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$/.test(r)) {
      problems.add(`${path}.resources[${k}]`, `"${r}" is not a resource ARN; write it as arn:aws:<service>:<region>:<account>:<resource>`);
    } else if (r.split(":")[2] !== grant.service && (await resourceTypesOf(grant.service, r)).length === 0) {
      // A service may act on another's resources when the authorization reference lists that
      // resource type for it: sts:AssumeRole takes `role` (arn:${Partition}:iam::${Account}:role/…).
      problems.add(`${path}.resources[${k}]`, `"${r}" belongs to service \`${r.split(":")[2]}\`, not \`${grant.service}\`; move it to a grant for that service`);
    }
  }

  const facts: ActionFacts[] = [];
  if (grant.actions !== undefined) {
    for (const [k, action] of grant.actions.entries()) {
      const at = `${path}.actions[${k}]`;
      const m = /^([a-z0-9-]+):([A-Za-z0-9*]+)$/.exec(action);
      if (m === null) {
        problems.add(at, `"${action}" is not an IAM action; write it as <service>:<Action>, e.g. ${grant.service}:Get...`);
        continue;
      }
      if (m[1] !== grant.service) {
        problems.add(at, `"${action}" belongs to service \`${m[1]}\`, not \`${grant.service}\`; move it to a grant for that service`);
        continue;
      }
      if (m[2]!.includes("*")) {
        wildcard = true;
        if (!tool.allowWildcard) {
          problems.add(at, `"${action}" is a wildcard; list the exact actions the tool needs, or set \`allowWildcard.reason\` on the tool`);
          continue;
        }
        const re = new RegExp(`^${m[2]!.replace(/\*/g, ".*")}$`, "i");
        const matched = (await actionsOfService(grant.service)).filter((a) => re.test(a));
        if (matched.length === 0) problems.add(at, `"${action}" matches no ${grant.service} action; check the spelling`);
        const writes: string[] = [];
        const risky: string[] = [];
        for (const a of matched) {
          const f = await actionFacts(`${grant.service}:${a}`);
          if (f === undefined) continue;
          if (tool.access === "read" && !isReadLevel(f.accessLevel)) writes.push(f.action);
          // Like an access level, a wildcard expands to escalation, permissions-management and tagging
          // actions only when the tool states why (`s3:PutObject*` is not `s3:PutObjectAcl`).
          else if (escalationRisk(f) !== undefined && !tool.allowPrivilegeEscalation) risky.push(f.action);
          else facts.push(f);
        }
        if (writes.length > 0) {
          const shown = writes.slice(0, 4).join(", ") + (writes.length > 4 ? `, and ${writes.length - 4} more` : "");
          problems.add(at, `"${action}" matches write actions (${shown}) but the tool is declared read; list the read actions exactly or declare the tool \`access: write\``);
        }
        if (risky.length > 0 && risky.length === matched.length) {
          const shown = risky.slice(0, 4).join(", ") + (risky.length > 4 ? `, and ${risky.length - 4} more` : "");
          problems.add(at, `"${action}" matches only privilege-escalation, permissions-management or tagging actions (${shown}); list them exactly with \`allowPrivilegeEscalation.reason\` on the tool, or remove the pattern`);
        }
        continue;
      }
      const f = await actionFacts(action);
      if (f === undefined) {
        const hint = await suggestAction(grant.service, m[2]!);
        problems.add(at, `"${action}" is not an action of ${grant.service}${hint ? `; did you mean "${hint}"?` : "; check the AWS service authorization reference"}`);
        continue;
      }
      if (f.action !== action) {
        problems.add(at, `"${action}" is spelled "${f.action}" in IAM; use that casing`);
        continue;
      }
      if (tool.access === "read" && !isReadLevel(f.accessLevel)) {
        problems.add(at, `"${action}" is a ${f.accessLevel.toLowerCase()} action but the tool is declared read; remove it or declare the tool \`access: write\``);
        continue;
      }
      const risk = escalationRisk(f);
      if (risk !== undefined && !tool.allowPrivilegeEscalation) {
        problems.add(at, `"${action}" is ${risk}; remove it, or set \`allowPrivilegeEscalation.reason\` on the tool if it truly needs it`);
        continue;
      }
      facts.push(f);
    }
  } else {
    const level = grant.access!;
    if (level === "write" && tool.access === "read") {
      problems.add(`${path}.access`, "is `write` but the tool is declared read; use `access: read` here or declare the tool `access: write`");
    }
    for (const a of await actionsOfService(grant.service)) {
      const f = await actionFacts(`${grant.service}:${a}`);
      // An access level never expands to escalation, permissions-management (policies, ACLs, public
      // access blocks) or tagging actions: those are listed exactly, with the tool's reason.
      if (f === undefined || f.wildcardOnly || escalationRisk(f) !== undefined) continue;
      if (level === "read" && !isReadLevel(f.accessLevel)) continue;
      for (const r of grant.resources) {
        if (await actionTakesResource(f, r)) {
          facts.push(f);
          break;
        }
      }
    }
    if (facts.length === 0 && problems.size === before) {
      problems.add(`${path}.access`, `no ${grant.service} ${level} action acts on these resources; check the ARNs or list exact \`actions\``);
    }
  }
  if (problems.size > before) return undefined;

  // Exact actions on exact resources: each action gets only the listed resources it acts on.
  const concrete = grant.resources.filter((r) => !r.includes("*") && !r.includes("?"));
  const patterns = grant.resources.filter((r) => r.includes("*") || r.includes("?"));
  const byResources = new Map<string, { actions: string[]; resources: string[] }>();
  const usedResources = new Set<string>();
  for (const f of facts) {
    let resources: string[];
    if (f.wildcardOnly) {
      if (!grant.resources.includes("*")) {
        problems.add(
          `${path}.actions`,
          `"${f.action}" does not support resource-level permissions (it needs Resource "*"); remove it, or add "*" to \`resources\` with \`allowWildcard.reason\` on the tool`,
        );
        continue;
      }
      resources = ["*"];
    } else {
      const taken: string[] = [];
      for (const r of concrete) if (await actionTakesResource(f, r)) taken.push(r);
      resources = [...taken, ...patterns];
      if (resources.length === 0) {
        const takes = f.resourceTypes.map((t) => `${t.name} (${t.arn})`).join(", ");
        problems.add(`${path}.actions`, `"${f.action}" acts on none of the listed resources; it takes ${takes}; add a matching ARN or remove the action`);
        continue;
      }
    }
    resources.forEach((r) => usedResources.add(r));
    const key = resources.join("\n");
    const entry = byResources.get(key) ?? { actions: [], resources };
    entry.actions.push(f.action);
    byResources.set(key, entry);
  }
  grant.resources.forEach((r, k) => {
    if (!usedResources.has(r) && problems.size === before) {
      problems.add(`${path}.resources[${k}]`, `"${r}" is not a resource any of the listed actions acts on; remove it or fix the ARN`);
    }
  });
  if (problems.size > before) return undefined;
  checkRoleTargets(facts, grant, path, agent, problems);
  if (problems.size > before) return undefined;
  const levels = new Map(facts.map((f) => [f.action, f.accessLevel]));
  const groups = [...byResources.values()]
    .map((g) => ({ actions: uniqSorted(g.actions), resources: uniqSorted(g.resources), writes: g.actions.some((a) => !isReadLevel(levels.get(a)!)) }))
    .sort((a, b) => a.resources.join().localeCompare(b.resources.join()));
  const escalation = uniqSorted(facts.filter((f) => escalationRisk(f) !== undefined).map((f) => f.action));
  return { groups, writes: facts.some((f) => !isReadLevel(f.accessLevel)), wildcard, escalation };
}

/**
 * Refusals no reason lifts: IAM writes to the agent's own roles (it would grant itself anything),
 * and passing a role named as an administrator's (whatever receives it acts as an administrator).
 */
function checkRoleTargets(facts: readonly ActionFacts[], grant: AwsGrant, path: string, agent: string, problems: ProblemList): void {
  if (grant.service !== "iam") return;
  const writes = facts.filter((f) => !isReadLevel(f.accessLevel)).map((f) => f.action);
  if (writes.length === 0) return;
  grant.resources.forEach((r, k) => {
    if (agent !== "" && isOwnRole(r, agent)) {
      problems.add(`${path}.resources[${k}]`, `"${r}" is one of agent \`${agent}\`'s own roles; no tool may change the roles the agent runs with (${writes.join(", ")}): remove the grant`);
    } else if (writes.includes("iam:PassRole") && isAdminRole(r)) {
      problems.add(`${path}.resources[${k}]`, `"${r}" is named as an administrator role; passing it hands its powers to whatever receives it: pass a role made for that service with only what it needs`);
    }
  });
}
