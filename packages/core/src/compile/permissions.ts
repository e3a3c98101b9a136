/**
 * The permission map's rows (`AgentModel.permissions`) of one tool: one per task-role statement of
 * each AWS grant, and one per GitHub repository, host, secret and sandbox hand-off.
 */
import type { AwsGrant, Manifest, ToolSpec } from "../manifest/schema.ts";
import type { CompiledGrant } from "./aws-grant.ts";
import { GITHUB_API_HOST } from "./egress.ts";
import { uniqSorted } from "./lists.ts";
import type { PermissionEntry } from "./model.ts";

/** One row per statement of a compiled grant: the map says exactly which action reaches which resource. */
export function grantPermissions(tool: ToolSpec, grant: AwsGrant, compiled: CompiledGrant): PermissionEntry[] {
  return compiled.groups.map((g) => ({
    tool: tool.name,
    system: `aws:${grant.service}`,
    access: g.writes ? "write" : "read",
    actions: g.actions,
    resources: g.resources,
    ...(compiled.wildcard && tool.allowWildcard ? { wildcardReason: tool.allowWildcard.reason } : {}),
    ...escalationOf(g.actions, compiled, tool),
  }));
}

/** The row's escalation mark: its privilege-escalation, permissions-management and tagging actions, and the tool's reason. */
function escalationOf(actions: readonly string[], compiled: CompiledGrant, tool: ToolSpec): { escalation?: { actions: string[]; reason: string } } {
  const risky = actions.filter((a) => compiled.escalation.includes(a));
  return risky.length > 0 && tool.allowPrivilegeEscalation ? { escalation: { actions: [...risky], reason: tool.allowPrivilegeEscalation.reason } } : {};
}

/** The rows of a tool's access outside its task role: GitHub repositories, hosts (`api.github.com` with GitHub), secrets, the sandbox. */
export function toolAccessPermissions(m: Manifest, tool: ToolSpec): PermissionEntry[] {
  const permissions: PermissionEntry[] = [];
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
      resources: [`${m.agent.name}-sandbox task definition`],
    });
  }
  return permissions;
}
