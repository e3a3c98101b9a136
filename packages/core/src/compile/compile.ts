/**
 * `compile(manifest)`: validates a manifest against the schema and the IAM dataset and returns the
 * plain model every other part of Airlock renders. All problems are reported at once.
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ProblemList } from "../errors.ts";
import { canonicalJson, sha256 } from "../hash.ts";
import {
  actionFacts,
  prefetchIamData,
  actionTakesResource,
  actionsOfService,
  isReadLevel,
  serviceExists,
  suggestAction,
  type ActionFacts,
} from "../iam/dataset.ts";
import { BASE_SERVICES, endpointsFor } from "../network/endpoints.ts";
import { PUBLISHED_RANGES, parseCidr } from "../network/net.ts";
import type { Manifest, ToolSpec, AwsGrant } from "../manifest/schema.ts";
import { parseManifest } from "../manifest/validate.ts";
import { secretEnvName, type RiskClass, type Tier } from "../manifest/vocabulary.ts";
import type {
  AgentModel,
  ApprovalTier,
  EgressModel,
  Finding,
  GithubScope,
  IamStatement,
  PermissionEntry,
  RotationPlan,
  SecretBinding,
  ToolSummary,
} from "./model.ts";

/** Options of `compile` (and `loadManifest`). */
export interface CompileOptions {
  /** Directory that relative paths in the manifest (prompt, build context) are resolved against. */
  readonly baseDir?: string;
  /** Shown in error messages, e.g. the manifest's file name. */
  readonly source?: string;
}

const GITHUB_API_HOST = "api.github.com";
const ANTHROPIC_API_HOST = "api.anthropic.com";
const DEFAULT_MAX_AGE_DAYS = 90;
const DEFAULT_ROTATION_DAYS = 30;

/** Validates and compiles a manifest (raw object or already parsed). Throws `ManifestError`. */
export async function compile(input: unknown, options: CompileOptions = {}): Promise<AgentModel> {
  const manifest = parseManifest(input, options.source);
  const problems = new ProblemList();
  const findings: Finding[] = [];

  const statements: IamStatement[] = [];
  const permissions: PermissionEntry[] = [];
  const awsServices = new Set<string>(BASE_SERVICES);

  const grants = manifest.tools.flatMap((t) => t.aws);
  await prefetchIamData(
    grants.map((g) => g.service),
    grants.flatMap((g) => (g.actions ?? []).filter((a) => !a.includes("*"))),
    grants.filter((g) => g.access !== undefined || (g.actions ?? []).some((a) => a.includes("*"))).map((g) => g.service),
  );

  // IAM requires unique Sids within a policy; Sids come from tool names, so two names that
  // normalise alike (`read_t1`, `read_t_1`) would collide. Report it rather than renumber silently:
  // a Sid that depended on other tools would change whenever a tool is added.
  const sidOwner = new Map<string, number>();
  const claimSid = (sid: string, i: number): void => {
    const key = sid.toLowerCase();
    const owner = sidOwner.get(key);
    if (owner === undefined) sidOwner.set(key, i);
    else if (owner !== i) {
      const other = manifest.tools[owner]!.name;
      problems.add(
        `tools[${i}].name`,
        `\`${manifest.tools[i]!.name}\` and \`${other}\` (tools[${owner}]) give the same IAM statement id \`${sid}\` (statement ids drop \`_\`, are compared ignoring case, and must be unique in the task role's policy); rename one of the tools`,
      );
    }
  };

  for (const [i, tool] of manifest.tools.entries()) {
    const sidBase = pascal(tool.name);
    for (const [j, grant] of tool.aws.entries()) {
      const path = `tools[${i}].aws[${j}]`;
      const compiled = await compileGrant(tool, grant, path, problems);
      if (compiled === undefined) continue;
      awsServices.add(grant.service);
      compiled.groups.forEach((g, k) => {
        const sid = `${sidBase}${pascal(grant.service)}${j}${compiled.groups.length > 1 ? String.fromCharCode(65 + k) : ""}`;
        claimSid(sid, i);
        statements.push({
          Sid: sid,
          Effect: "Allow",
          Action: g.actions,
          Resource: g.resources,
        });
      });
      // One row per statement: the map says exactly which action reaches which resource.
      for (const g of compiled.groups) {
        permissions.push({
          tool: tool.name,
          system: `aws:${grant.service}`,
          access: g.writes ? "write" : "read",
          actions: g.actions,
          resources: g.resources,
          ...(compiled.wildcard && tool.allowWildcard ? { wildcardReason: tool.allowWildcard.reason } : {}),
        });
      }
      if (compiled.wildcard && tool.allowWildcard) {
        findings.push({
          rule: "AIR-W003",
          severity: "warning",
          subject: path,
          message: `wildcard allowed for tool \`${tool.name}\`: ${tool.allowWildcard.reason}`,
        });
      }
    }
    for (const g of tool.github) {
      permissions.push({
        tool: tool.name,
        system: `github:${g.repository}`,
        access: Object.values(g.permissions).includes("write") ? "write" : "read",
        actions: Object.entries(g.permissions)
          .map(([perm, level]) => `${perm}:${level}`)
          .sort(),
        resources: [`https://github.com/${g.repository}`],
      });
    }
    for (const host of uniqSorted([...tool.hosts, ...(tool.github.length > 0 ? [GITHUB_API_HOST] : [])])) {
      permissions.push({ tool: tool.name, system: `https:${host}`, access: tool.access, actions: ["HTTPS"], resources: [`https://${host}/`] });
    }
    for (const s of uniqSorted(tool.secrets)) {
      permissions.push({ tool: tool.name, system: `secret:${s}`, access: "read", actions: ["read at task start (ECS secrets)"], resources: [s] });
    }
    if (tool.sandbox) {
      permissions.push({
        tool: tool.name,
        system: "sandbox",
        access: "write",
        actions: ["ecs:RunTask", "iam:PassRole"],
        resources: [`${manifest.agent.name}-sandbox task definition`],
      });
    }
  }

  if (manifest.tools.some((t) => t.sandbox)) awsServices.add("ecs");
  // Outward tools that wait for a person ask the approval gateway (a Lambda) through its endpoint.
  if (manifest.tools.some((t) => t.outward && toolTier(manifest, t) !== "auto")) awsServices.add("lambda");
  if (manifest.agent.model.provider === "bedrock") awsServices.add("bedrock");

  const promptFile = resolvePrompt(manifest, options, problems);
  const egress = compileEgress(manifest, [...awsServices], problems, findings);
  const secrets = compileSecrets(manifest, findings);
  const approvals = compileApprovals(manifest, findings);

  problems.throwIfAny(options.source);

  const tools: ToolSummary[] = manifest.tools
    .map((t) => ({
      name: t.name,
      description: t.description,
      access: t.access,
      outward: t.outward,
      ...(t.actionType !== undefined ? { actionType: t.actionType } : {}),
      tier: toolTier(manifest, t),
      sandbox: t.sandbox,
      secrets: uniqSorted(t.secrets),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));

  const github: GithubScope[] = manifest.tools.flatMap((t) =>
    t.github.map((g) => ({ tool: t.name, repository: g.repository, permissions: { ...g.permissions } })),
  );

  const sandboxTools = manifest.tools.filter((t) => t.sandbox).map((t) => t.name);
  const model: Omit<AgentModel, "hash" | "promptFile" | "findings"> = {
    name: manifest.agent.name,
    owner: manifest.agent.owner,
    description: manifest.agent.description ?? "",
    image:
      "digest" in manifest.agent.image
        ? { kind: "digest", ref: manifest.agent.image.digest }
        : {
            kind: "build",
            context: manifest.agent.image.build.context,
            ...(manifest.agent.image.build.dockerfile ? { dockerfile: manifest.agent.image.build.dockerfile } : {}),
            ...(manifest.agent.image.build.platform ? { platform: manifest.agent.image.build.platform } : {}),
          },
    model: { ...manifest.agent.model },
    ...(promptFile ? { promptHash: sha256(readFileSync(promptFile)) } : {}),
    runtime: { ...manifest.agent.runtime, environment: { ...manifest.agent.runtime.environment } },
    tools,
    taskRoleStatements: statements.sort((a, b) => a.Sid.localeCompare(b.Sid)),
    permissions: permissions.sort((a, b) => a.tool.localeCompare(b.tool) || a.system.localeCompare(b.system) || a.resources.join().localeCompare(b.resources.join())),
    secrets,
    egress,
    approvals,
    github,
    ...(manifest.sandbox?.image !== undefined && sandboxTools.length > 0
      ? { sandbox: { image: manifest.sandbox.image, cpu: manifest.sandbox.cpu, memory: manifest.sandbox.memory, tools: sandboxTools } }
      : {}),
  };
  return {
    ...model,
    ...(promptFile ? { promptFile } : {}),
    ...(options.baseDir !== undefined ? { manifestDir: resolve(options.baseDir) } : {}),
    findings: findings.sort((a, b) => a.rule.localeCompare(b.rule) || a.subject.localeCompare(b.subject)),
    hash: sha256(canonicalJson(model)),
  };
}

interface CompiledGrant {
  readonly groups: { actions: string[]; resources: string[]; writes: boolean }[];
  readonly writes: boolean;
  readonly wildcard: boolean;
}

async function compileGrant(tool: ToolSpec, grant: AwsGrant, path: string, problems: ProblemList): Promise<CompiledGrant | undefined> {
  const before = problems.size;
  if (!(await serviceExists(grant.service))) {
    problems.add(`${path}.service`, `"${grant.service}" is not an IAM service prefix; use the prefix from the AWS service authorization reference (e.g. \`dynamodb\`, \`s3\`)`);
    return undefined;
  }
  let wildcard = false;
  grant.resources.forEach((r, k) => {
    if (r.includes("*")) {
      wildcard = true;
      if (!tool.allowWildcard) {
        problems.add(
          `${path}.resources[${k}]`,
          `"${r}" contains a wildcard; list exact resource ARNs, or set \`allowWildcard.reason\` on the tool if a wildcard is truly needed`,
        );
      }
    } else if (!/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$/.test(r)) {
      problems.add(`${path}.resources[${k}]`, `"${r}" is not a resource ARN; write it as arn:aws:<service>:<region>:<account>:<resource>`);
    } else if (r.split(":")[2] !== grant.service) {
      problems.add(`${path}.resources[${k}]`, `"${r}" belongs to service \`${r.split(":")[2]}\`, not \`${grant.service}\`; move it to a grant for that service`);
    }
  });

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
        for (const a of matched) {
          const f = await actionFacts(`${grant.service}:${a}`);
          if (f === undefined) continue;
          if (tool.access === "read" && !isReadLevel(f.accessLevel)) writes.push(f.action);
          else facts.push(f);
        }
        if (writes.length > 0) {
          const shown = writes.slice(0, 4).join(", ") + (writes.length > 4 ? `, and ${writes.length - 4} more` : "");
          problems.add(at, `"${action}" matches write actions (${shown}) but the tool is declared read; list the read actions exactly or declare the tool \`access: write\``);
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
      facts.push(f);
    }
  } else {
    const level = grant.access!;
    if (level === "write" && tool.access === "read") {
      problems.add(`${path}.access`, "is `write` but the tool is declared read; use `access: read` here or declare the tool `access: write`");
    }
    for (const a of await actionsOfService(grant.service)) {
      const f = await actionFacts(`${grant.service}:${a}`);
      if (f === undefined || f.wildcardOnly || f.accessLevel === "Tagging") continue;
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
  const concrete = grant.resources.filter((r) => !r.includes("*"));
  const patterns = grant.resources.filter((r) => r.includes("*"));
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
  const levels = new Map(facts.map((f) => [f.action, f.accessLevel]));
  const groups = [...byResources.values()]
    .map((g) => ({ actions: uniqSorted(g.actions), resources: uniqSorted(g.resources), writes: g.actions.some((a) => !isReadLevel(levels.get(a)!)) }))
    .sort((a, b) => a.resources.join().localeCompare(b.resources.join()));
  return { groups, writes: facts.some((f) => !isReadLevel(f.accessLevel)), wildcard };
}

function resolvePrompt(m: Manifest, options: CompileOptions, problems: ProblemList): string | undefined {
  if (m.agent.prompt === undefined) return undefined;
  const file = isAbsolute(m.agent.prompt) ? m.agent.prompt : resolve(options.baseDir ?? process.cwd(), m.agent.prompt);
  if (!existsSync(file)) {
    problems.add("agent.prompt", `file ${file} does not exist; give the system prompt's path relative to the manifest`);
    return undefined;
  }
  return file;
}

function compileEgress(m: Manifest, awsServices: string[], problems: ProblemList, findings: Finding[]): EgressModel {
  const sources = new Map<string, string>();
  if (m.agent.model.provider === "anthropic") sources.set(ANTHROPIC_API_HOST, "agent.model.provider");
  m.tools.forEach((t, i) => {
    t.hosts.forEach((h, j) => sources.has(h) || sources.set(h, `tools[${i}].hosts[${j}]`));
    if (t.github.length > 0 && !sources.has(GITHUB_API_HOST)) sources.set(GITHUB_API_HOST, `tools[${i}].github`);
  });
  m.egress.hosts.forEach((h, j) => sources.has(h) || sources.set(h, `egress.hosts[${j}]`));

  const rangesByHost: Record<string, string[]> = {};
  for (const [host, path] of [...sources.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const ranges = m.egress.ranges[host] ?? PUBLISHED_RANGES[host];
    if (ranges !== undefined) {
      rangesByHost[host] = uniqSorted(ranges);
    } else if (m.egress.anyIpOn443 === undefined) {
      problems.add(
        path,
        `host "${host}" has no address range Airlock knows, so the security group cannot allow it; list its published CIDRs under \`egress.ranges["${host}"]\`, or set \`egress.anyIpOn443.reason\` to rely on the DNS firewall alone`,
      );
    }
  }
  for (const host of Object.keys(m.egress.ranges)) {
    if (!sources.has(host)) {
      findings.push({ rule: "AIR-W004", severity: "warning", subject: `egress.ranges["${host}"]`, message: `ranges for "${host}", which no tool calls; they are not opened` });
    }
  }
  if (m.egress.anyIpOn443 !== undefined) {
    findings.push({
      rule: "AIR-W002",
      severity: "warning",
      subject: "egress.anyIpOn443",
      message: `egress on 443 to any address, limited only by the DNS firewall: ${m.egress.anyIpOn443.reason}`,
    });
  }
  for (const s of awsServices) {
    if (endpointsFor(s) === undefined) {
      findings.push({
        rule: "AIR-W005",
        severity: "warning",
        subject: `aws:${s}`,
        message: `Airlock knows no VPC endpoint for \`${s}\`; calls to it cannot leave the private subnets`,
      });
    }
  }
  const all = Object.entries(rangesByHost).flatMap(([, c]) => c);
  const cidrsV4 = uniqSorted(all.filter((c) => parseCidr(c)?.family === 4));
  const cidrsV6 = uniqSorted(all.filter((c) => parseCidr(c)?.family === 6));
  return {
    hosts: [...sources.keys()].sort(),
    cidrsV4,
    cidrsV6,
    rangesByHost: Object.fromEntries(Object.entries(rangesByHost).filter(([h]) => sources.has(h))),
    ...(m.egress.anyIpOn443 ? { anyIpOn443: { reason: m.egress.anyIpOn443.reason } } : {}),
    awsServices: uniqSorted(awsServices),
  };
}

function compileSecrets(m: Manifest, findings: Finding[]): SecretBinding[] {
  return m.secrets
    .map((s, i): SecretBinding => {
      const consumers = m.tools.filter((t) => t.secrets.includes(s.name)).map((t) => t.name);
      if (m.agent.model.secret === s.name) consumers.push("model");
      if (consumers.length === 0) {
        findings.push({
          rule: "AIR-W001",
          severity: "warning",
          subject: `secrets[${i}]`,
          message: `secret \`${s.name}\` is used by no tool; it is created but not given to the agent`,
        });
      }
      let rotation: RotationPlan;
      if (s.rotation?.lambdaArn !== undefined) rotation = { kind: "lambda", days: s.rotation.days!, lambdaArn: s.rotation.lambdaArn };
      else if (s.source === "generated") rotation = { kind: "builtin", days: s.rotation?.days ?? DEFAULT_ROTATION_DAYS };
      else rotation = { kind: "max-age", maxAgeDays: s.rotation?.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS };
      return {
        name: s.name,
        envName: secretEnvName(s.name, s.env),
        source: s.source,
        description: s.description ?? "",
        ...(s.configKey !== undefined ? { configKey: s.configKey } : {}),
        length: s.length ?? 48,
        rotation,
        consumers: consumers.sort(),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function compileApprovals(m: Manifest, findings: Finding[]): ApprovalTier[] {
  return Object.entries(m.riskLines)
    .map(([actionType]): ApprovalTier => {
      const spec = riskLineOf(m, actionType)!;
      const tools = m.tools.filter((t) => t.actionType === actionType);
      if (tools.length === 0) {
        findings.push({ rule: "AIR-I001", severity: "info", subject: `riskLines.${actionType}`, message: `no tool has action type \`${actionType}\`` });
      }
      return {
        actionType,
        tier: spec.tier,
        ...(spec.riskClass !== undefined ? { riskClass: spec.riskClass } : {}),
        ...(spec.description !== undefined ? { description: spec.description } : {}),
        tools: tools.map((t) => t.name).sort(),
        outward: tools.some((t) => t.outward),
      };
    })
    .sort((a, b) => a.actionType.localeCompare(b.actionType));
}

/** A risk line as one shape, whichever way the manifest writes it (`approve`, or `{ tier, class, description }`). */
function riskLineOf(m: Manifest, actionType: string): { readonly tier: Tier; readonly riskClass?: RiskClass; readonly description?: string } | undefined {
  const line = m.riskLines[actionType];
  if (line === undefined) return undefined;
  if (typeof line === "string") return { tier: line };
  return { tier: line.tier, ...(line.class !== undefined ? { riskClass: line.class } : {}), ...(line.description !== undefined ? { description: line.description } : {}) };
}

/**
 * The one reading of a tool's tier: a tool without an action type runs on its own (`auto`); one
 * whose action type has no risk line waits for a person (`approve`); else its risk line's tier.
 */
function toolTier(m: Manifest, tool: ToolSpec): Tier {
  if (tool.actionType === undefined) return "auto";
  return riskLineOf(m, tool.actionType)?.tier ?? "approve";
}

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}

function uniqSorted(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort();
}
