/**
 * `airlock plan`: a Pulumi program (or a bare agent.yaml) planned offline into a PlanDocument.
 */
import { existsSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { PLAN_VERSION, REQUIREMENT_TOKEN, loadManifest, plannedAlarms, toolsNeedingApproval, type Finding, type PlanDocument, type PlannedPermission, type PlannedResource } from "@airlock/core";
import { OPT_OUT_PREFIX, TAGS } from "@airlock/core/contracts";
import { runProgram } from "./load-program.ts";
import { readPulumiProject } from "./project.ts";
import { bareManifestRegion } from "./region.ts";
import { UsageError } from "../io.ts";

export interface PlanOptions {
  /** Stack whose config is used. @default "dev" */
  readonly stack?: string;
  /** Run the guardrails over the plan. @default true */
  readonly guardrails?: boolean;
  /** Config values that replace the stack file's (`"<namespace>:<key>"` → string), e.g. to plan a rollback. */
  readonly configOverrides?: Readonly<Record<string, string>>;
  /**
   * A policy config file (Pulumi's `--policy-pack-config` JSON: `"all"` and policy names → enforcement
   * levels and settings) applied to the guardrails as `pulumi preview` applies it to the pack.
   * @default - the pack's severities
   */
  readonly policyConfig?: string;
  /**
   * AWS region a bare agent.yaml is planned for (the platform's `region` and the mocks' `aws:region`).
   * @default - the region of the manifest's ECR image; without one, planning a bare manifest refuses
   */
  readonly region?: string;
}

/** Plans `target`: a directory with Pulumi.yaml, or an agent.yaml (deployed with Airlock's defaults). */
export async function planTarget(target: string, options: PlanOptions = {}): Promise<PlanDocument> {
  const path = resolve(target);
  if (!existsSync(path)) throw new UsageError(`${target} does not exist; pass a Pulumi project directory or an agent.yaml`);
  const stack = options.stack ?? "dev";
  /** Findings of the plan itself (not of a manifest, a component or the pack). */
  const extraFindings: Finding[] = [];
  const { recordProgram } = await import("@airlock/pulumi");
  let recording;
  let project: string;
  if (statSync(path).isFile()) {
    if (!/\.ya?ml$/.test(path)) throw new UsageError(`${target} is not a directory or an agent.yaml`);
    project = basename(resolve(path, ".."));
    const model = await loadManifest(path);
    const region = bareManifestRegion(model.image, options.region, target);
    const { AgentPlatform, AgentDeployment, privateRoutesVia } = await import("@airlock/pulumi");
    recording = await recordProgram({
      project,
      stack,
      // The mocks answer getRegion with this region, so the plan's ARNs and endpoints are its own.
      config: { "aws:region": region },
      program: () => {
        const needsApprovals = toolsNeedingApproval(model).length > 0;
        const approvals = needsApprovals ? { agents: { [model.name]: { disabled: "planned from a bare agent.yaml: no Slack channel or approvers configured" } } } : undefined;
        // Routes to the manifest's private ranges belong to the platform a real program declares.
        const privateRoutes = privateRoutesVia([model], { managedElsewhere: { reason: "planned from a bare agent.yaml: routes to private ranges are the platform's (`privateRoutes`)" } });
        const platform = new AgentPlatform(`${model.name}-platform`, { agents: [model], region, privateRoutes, ...(approvals ? { approvals } : {}) });
        new AgentDeployment(model.name, {
          platform,
          model,
          evalGate: { disabled: "planned from a bare agent.yaml: no releases or eval reports to gate" },
        });
      },
    });
  } else {
    const p = readPulumiProject(path, stack);
    project = p.name;
    // As under `pulumi up`, the program runs in its project's directory (paths relative to the
    // working directory mean the same thing in both).
    const config: Record<string, string> = { ...p.config, ...options.configOverrides };
    if (config["aws:region"] === undefined) {
      // The AWS provider's own fallbacks, in its order: the environment, else no region at all.
      const fromEnv = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
      config["aws:region"] = fromEnv || "us-east-1";
      if (!fromEnv) {
        extraFindings.push({
          rule: "AIR-W007",
          severity: "warning",
          subject: `stack ${stack}`,
          message: `the stack sets no \`aws:region\` (and AWS_REGION is unset), so this plan assumed us-east-1; \`pulumi up\` on the default AWS provider fails without one: \`pulumi config set aws:region <region>\``,
        });
      }
    }
    const cwd = process.cwd();
    process.chdir(p.dir);
    try {
      recording = await recordProgram({
        project: p.name,
        stack,
        config,
        secretKeys: p.secretKeys,
        program: () => runProgram(p.main),
      });
    } finally {
      process.chdir(cwd);
    }
  }

  const permissions: PlannedPermission[] = [...recording.agents.flatMap((a) => a.permissions.map((p) => ({ agent: a.name, ...p }))), ...secretReaders(recording.resources)]
    .sort((a, b) => a.agent.localeCompare(b.agent) || a.tool.localeCompare(b.tool) || a.system.localeCompare(b.system));
  const base: PlanDocument = {
    version: PLAN_VERSION,
    project,
    stack,
    resources: recording.resources,
    // Paths on this machine stay out of the plan, so plans made elsewhere compare equal.
    agents: recording.agents.map(({ promptFile: _prompt, manifestDir: _dir, ...agent }) => agent),
    permissions,
    // The manifests' findings, then the components' own (what a bring-your-own resource must allow).
    findings: [...recording.agents.flatMap((a) => a.findings.map((f) => ({ ...f, subject: `${a.name}: ${f.subject}` }))), ...recording.findings],
    // Each agent's alarms, and which roll a release back (the service's deployment alarms).
    alarms: plannedAlarms(recording.resources),
  };
  const findings: Finding[] = [...base.findings, ...extraFindings, ...evalGateFindings(base)];
  if (options.guardrails ?? true) findings.push(...(await guardrailFindings(base, options.policyConfig)));
  return { ...base, findings: findings.sort((a, b) => a.rule.localeCompare(b.rule) || a.subject.localeCompare(b.subject) || a.message.localeCompare(b.message)) };
}

/** Prefix of the permission-map rows that say who, besides the tools, may read a secret's value. */
export const SECRET_READER_TOOL = "(reads the value)";

/**
 * Who may read each secret's value, from the secrets' resource policies (the principals let through
 * the deny-everyone-else statement): the agent's execution role, the consumers of a generated
 * credential, the platform's rotation function, and the principal that runs `pulumi up` where the
 * provider reads back a version it wrote. One row per secret and principal, so `airlock diff`
 * shows a new reader as a widening.
 */
export function secretReaders(resources: readonly PlannedResource[]): PlannedPermission[] {
  const secrets = new Map(resources.filter((r) => r.type === "aws:secretsmanager/secret:Secret").map((r) => [r.urn, r]));
  const rows: PlannedPermission[] = [];
  for (const r of resources.filter((x) => x.type === "aws:secretsmanager/secretPolicy:SecretPolicy")) {
    const secret = r.dependsOn.map((u) => secrets.get(u)).find((x) => x !== undefined);
    const tags = (secret?.inputs.tags ?? {}) as Record<string, string>;
    let doc: { Statement?: { Sid?: string; Effect?: string; Action?: unknown; Condition?: { StringNotEquals?: Record<string, unknown> } }[] };
    try {
      doc = JSON.parse(String(r.inputs.policy));
    } catch {
      continue;
    }
    for (const st of doc.Statement ?? []) {
      const actions = ([] as unknown[]).concat(st.Action ?? []);
      if (st.Effect !== "Deny" || !actions.includes("secretsmanager:GetSecretValue")) continue;
      const readers = ([] as unknown[]).concat(st.Condition?.StringNotEquals?.["aws:PrincipalArn"] ?? []).filter((x): x is string => typeof x === "string");
      for (const principal of [...new Set(readers)].sort()) {
        rows.push({
          agent: tags[TAGS.agent] ?? "?",
          tool: `${SECRET_READER_TOOL} ${principal}`,
          system: `secret:${tags[TAGS.secret] ?? String(secret?.inputs.name ?? r.name)}`,
          access: "read",
          actions: ["secretsmanager:GetSecretValue"],
          resources: [String(r.inputs.secretArn ?? secret?.inputs.name ?? "")],
        });
      }
    }
  }
  // Secrets the user brought (`existingSecrets`): Airlock wrote no resource policy, so the readers
  // are the ones it granted, as the component's requirement note lists them.
  for (const r of resources.filter((x) => x.type === REQUIREMENT_TOKEN)) {
    const { secretArn, readers, subject } = r.inputs as { secretArn?: unknown; readers?: unknown; subject?: unknown };
    if (typeof secretArn !== "string" || !Array.isArray(readers)) continue;
    const [agent, field] = String(subject ?? "").split(": ");
    const name = /^existingSecrets\.(.+)$/.exec(field ?? "")?.[1] ?? secretArn;
    for (const principal of [...new Set(readers.filter((x): x is string => typeof x === "string"))].sort()) {
      rows.push({ agent: agent ?? "?", tool: `${SECRET_READER_TOOL} ${principal}`, system: `secret:${name}`, access: "read", actions: ["secretsmanager:GetSecretValue"], resources: [secretArn] });
    }
  }
  return rows;
}

interface GuardrailsModule {
  readonly evaluatePlan?: (p: PlanDocument, options?: { readonly config?: unknown }) => Finding[] | Promise<Finding[]>;
  readonly loadPolicyConfig?: (path: string) => unknown;
}

async function guardrailFindings(plan: PlanDocument, policyConfig: string | undefined): Promise<Finding[]> {
  // Loaded by name so that the CLI runs even where the guardrails package is not installed.
  const specifier = "@airlock/guardrails";
  const mod = (await import(specifier).catch(() => undefined)) as GuardrailsModule | undefined;
  if (mod?.evaluatePlan === undefined) {
    if (policyConfig !== undefined) throw new UsageError(`\`--policy-config\`: @airlock/guardrails is not installed, so there is no pack to configure; install it (\`npm install --save-dev @airlock/guardrails\`) or leave out \`--policy-config\``);
    return [];
  }
  if (policyConfig === undefined) return await mod.evaluatePlan(plan);
  if (mod.loadPolicyConfig === undefined) throw new UsageError("`--policy-config`: the installed @airlock/guardrails reads no policy config; upgrade it to the CLI's version");
  let config: unknown;
  try {
    config = mod.loadPolicyConfig(policyConfig);
  } catch (e) {
    // A config that does not fit the pack is an input error (exit 2), named by key with its fix.
    if ((e as Error).name === "PolicyConfigError") throw new UsageError((e as Error).message);
    throw e;
  }
  return await mod.evaluatePlan(plan, { config });
}

/** A service running with its eval gate off is always a finding: the opt-out shows in every plan. */
function evalGateFindings(plan: PlanDocument): Finding[] {
  const out: Finding[] = [];
  for (const r of plan.resources) {
    if (r.type !== "aws:ecs/service:Service") continue;
    const tags = (r.inputs.tags ?? {}) as Record<string, string>;
    const gate = tags[TAGS.evalGate];
    if (gate?.startsWith(OPT_OUT_PREFIX)) {
      out.push({ rule: "AIR-W006", severity: "warning", subject: `${tags[TAGS.agent] ?? "?"}: service ${String(r.inputs.name ?? r.name)}`, message: `eval gate is off: ${gate.slice(OPT_OUT_PREFIX.length)}` });
    }
  }
  return out;
}
