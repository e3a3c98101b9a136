/**
 * `compile(manifest)`: validates a manifest against the schema and the IAM dataset and returns the
 * plain model every other part of Airlock renders. All problems are reported at once.
 *
 * This file wires the manifest to the `AgentModel`; the builders it calls are its siblings:
 * `aws-grant.ts` (one AWS grant → exact statements), `permissions.ts` (the permission map's rows),
 * `egress.ts`, `secrets.ts` and `risk-lines.ts` (risk lines, tool tiers, approval tiers).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ProblemList } from "../errors.ts";
import { modelContentHash, sha256 } from "../hash.ts";
import { prefetchIamData } from "../iam/dataset.ts";
import { BASE_SERVICES } from "../network/endpoints.ts";
import type { Manifest } from "../manifest/schema.ts";
import { parseManifest } from "../manifest/validate.ts";
import { argumentPolicyText, compileConditions } from "./argument-policies.ts";
import { compileGrant } from "./aws-grant.ts";
import { compileEgress } from "./egress.ts";
import { uniqSorted } from "./lists.ts";
import type { AgentModel, Finding, GithubScope, IamStatement, PermissionEntry, ToolSummary } from "./model.ts";
import { grantPermissions, toolAccessPermissions } from "./permissions.ts";
import { compileRiskLines, toolTier } from "./risk-lines.ts";
import { compileSecrets } from "./secrets.ts";
import { checkBuildContext, resolvePrompt } from "./project-files.ts";
import { checkGrantPlacement } from "./placement.ts";

/** Options of `compile` (and `loadManifest`). */
export interface CompileOptions {
  /** Directory that relative paths in the manifest (prompt, build context) are resolved against. */
  readonly baseDir?: string;
  /** Shown in error messages, e.g. the manifest's file name. */
  readonly source?: string;
}

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
      const compiled = await compileGrant(tool, grant, path, problems, manifest.agent.name);
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
      permissions.push(...grantPermissions(tool, grant, compiled));
      if (compiled.wildcard && tool.allowWildcard) {
        findings.push({
          rule: "AIR-W003",
          severity: "warning",
          subject: path,
          message: `wildcard allowed for tool \`${tool.name}\`: ${tool.allowWildcard.reason}`,
        });
      }
      if (compiled.escalation.length > 0 && tool.allowPrivilegeEscalation) {
        findings.push({
          rule: "AIR-W008",
          severity: "warning",
          subject: path,
          message: `privilege escalation allowed for tool \`${tool.name}\` (${compiled.escalation.join(", ")}): ${tool.allowPrivilegeEscalation.reason}`,
        });
      }
    }
    permissions.push(...toolAccessPermissions(manifest, tool));
  }

  if (manifest.tools.some((t) => t.sandbox)) awsServices.add("ecs");
  // Outward tools that wait for a person ask the approval gateway (a Lambda) through its endpoint.
  if (manifest.tools.some((t) => t.outward && toolTier(manifest, t) !== "auto")) awsServices.add("lambda");
  if (manifest.agent.model.provider === "bedrock") awsServices.add("bedrock");

  checkGrantPlacement(manifest, problems);
  const promptFile = resolvePrompt(manifest, options.baseDir, problems);
  checkBuildContext(manifest, options.baseDir, problems);
  const egress = compileEgress(manifest, [...awsServices], problems, findings);
  const secrets = compileSecrets(manifest, findings);
  const conditions = compileConditions(manifest);
  const riskLines = compileRiskLines(manifest, findings).map((l) => {
    const when = conditions.find((c) => c.actionType === l.actionType)?.conditions;
    return when === undefined ? l : { ...l, when };
  });
  const argumentPolicies = argumentPolicyText(manifest.agent.name, conditions);

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
      ...(t.input !== undefined ? { input: t.input } : {}),
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
    riskLines,
    ...(argumentPolicies !== undefined ? { argumentPolicies } : {}),
    github,
    ...(manifest.sandbox?.image !== undefined && sandboxTools.length > 0
      ? { sandbox: { image: typeof manifest.sandbox.image === "string" ? manifest.sandbox.image : { build: { target: manifest.sandbox.image.build.target } }, cpu: manifest.sandbox.cpu, memory: manifest.sandbox.memory, tools: sandboxTools } }
      : {}),
  };
  return {
    ...model,
    ...(promptFile ? { promptFile } : {}),
    ...(options.baseDir !== undefined ? { manifestDir: resolve(options.baseDir) } : {}),
    findings: findings.sort((a, b) => a.rule.localeCompare(b.rule) || a.subject.localeCompare(b.subject)),
    // Without the image references: the image ships this model (see MODEL_UNHASHED_FIELDS).
    hash: modelContentHash(model),
  };
}

/** `read_ticket` → `ReadTicket`: the part of a statement id that comes from a name. */
function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}
