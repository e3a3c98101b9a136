/**
 * `airlock rollback`: points the service back at the previous good release. Nothing else changes:
 * every release keeps its own task definition, so a rollback only moves the service's pointer,
 * and this command proves it by planning both and comparing.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, join, relative, resolve } from "node:path";
import { UsageError, type Io } from "../io.ts";
import { parseCommand } from "../options.ts";
import { ROLLBACK } from "./specs.ts";
import { planTarget } from "../plan/plan.ts";
import { readPulumiProject } from "../plan/project.ts";
import { StackConfigFile } from "../plan/stack-config.ts";
import { runbookNames, type PlanDocument } from "@airlock/core";

interface ReleaseEntry {
  readonly id: string;
  readonly bad?: string;
}

/** The release to roll back to: `to` if given, else the nearest good release declared before `active`. */
export function chooseRollbackTarget(releases: readonly ReleaseEntry[], active: string, to?: string): string {
  const ids = releases.map((r) => r.id);
  if (!ids.includes(active)) throw new UsageError(`the active release "${active}" is not among the declared releases (${ids.join(", ")})`);
  if (to !== undefined) {
    const target = releases.find((r) => r.id === to);
    if (target === undefined) throw new UsageError(`\`--to\`: "${to}" is not a declared release; declared: ${ids.join(", ")}`);
    if (to === active) throw new UsageError(`\`--to\`: "${to}" is already the active release`);
    if (target.bad !== undefined) throw new UsageError(`\`--to\`: "${to}" is marked bad (${target.bad}); pick another release`);
    return to;
  }
  const before = releases.slice(0, ids.indexOf(active)).reverse();
  const good = before.find((r) => r.bad === undefined);
  if (good === undefined) {
    throw new UsageError(`no good release is declared before "${active}"; declare one in the stack config or pass \`--to <id>\``);
  }
  return good.id;
}

/** Inputs that differ between two plans of the same program, as `type name.input`. */
export function changedInputs(a: PlanDocument, b: PlanDocument): { added: string[]; removed: string[]; changed: string[] } {
  const byUrn = (p: PlanDocument) => new Map(p.resources.map((r) => [r.urn, r]));
  const ma = byUrn(a);
  const mb = byUrn(b);
  const added = [...mb.keys()].filter((u) => !ma.has(u));
  const removed = [...ma.keys()].filter((u) => !mb.has(u));
  const changed: string[] = [];
  for (const [urn, ra] of ma) {
    const rb = mb.get(urn);
    if (rb === undefined) continue;
    for (const key of new Set([...Object.keys(ra.inputs), ...Object.keys(rb.inputs)])) {
      if (JSON.stringify(ra.inputs[key]) !== JSON.stringify(rb.inputs[key])) changed.push(`${ra.type} ${ra.name}.${key}`);
    }
  }
  return { added, removed, changed };
}

function pulumiOnPath(env: Io["env"]): boolean {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    try {
      accessSync(join(dir, "pulumi"), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/**
 * What to run once the rollback is deployed: Pulumi reports a deployment ECS rolled back as
 * "updated", and its ECS service does not wait for a steady state, so `airlock deploy verify`
 * reads the service back. Names from the plan of the target release when there is one.
 */
export function verifyHint(plan: PlanDocument | undefined, target: string): string {
  const commands = (plan?.agents ?? []).flatMap((model) => {
    const n = runbookNames(model, plan);
    // An auto-named cluster is looked up first, as the runbook does.
    return [...(n.clusterLookup !== undefined ? [`  ${n.clusterLookup}`] : []), `  airlock deploy verify --region ${n.region} --cluster ${n.cluster} --service ${n.service} --release ${target}`];
  });
  return [
    "Once deployed, check that the service runs it and ECS did not roll it back (Pulumi reports that as updated):",
    ...(commands.length > 0 ? commands : [`  airlock deploy verify --cluster <cluster> --service <service> --release ${target}`]),
  ].join("\n");
}

export async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(ROLLBACK, argv);
  if (parsed.values.write && parsed.values["print-only"]) throw new UsageError("`--write` edits the stack file and `--print-only` only prints the change; pass one of them");
  const dir = resolve(io.cwd, parsed.positionals[0] ?? ".");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${parsed.positionals[0] ?? "."} is not a directory; pass the Pulumi project directory`);
  const stack = parsed.values.stack;
  const project = readPulumiProject(dir, stack);
  const file = new StackConfigFile(project.stackConfigFile);
  const releasesKey = `${project.name}:releases`;
  const activeKey = `${project.name}:activeRelease`;
  const releasesValue = file.get(releasesKey) as Record<string, { bad?: string } | null> | undefined;
  if (releasesValue === undefined || typeof releasesValue !== "object") {
    throw new UsageError(`${relative(io.cwd, file.path)} declares no \`${releasesKey}\`; declare the releases the stack keeps before rolling back`);
  }
  const active = file.get(activeKey);
  if (typeof active !== "string") throw new UsageError(`${relative(io.cwd, file.path)} sets no \`${activeKey}\``);
  const releases = file.mapKeys(releasesKey).map((id) => ({ id, ...(releasesValue[id]?.bad ? { bad: releasesValue[id]!.bad } : {}) }));
  const target = chooseRollbackTarget(releases, active, parsed.values.to);

  io.out(`Roll back ${project.name} (stack ${stack}) from release ${active} to ${target}.`);
  let planned: PlanDocument | undefined;
  if (!parsed.values["skip-verify"]) {
    const now = await planTarget(dir, { stack, guardrails: false });
    const after = await planTarget(dir, { stack, guardrails: false, configOverrides: { [activeKey]: target } });
    planned = after;
    const diff = changedInputs(now, after);
    const onlyPointer = diff.added.length === 0 && diff.removed.length === 0 && diff.changed.every((c) => /^aws:ecs\/service:Service .+\.taskDefinition$/.test(c));
    if (!onlyPointer) {
      io.err(`airlock rollback: the rollback would change more than the service's task definition:\n${[...diff.added.map((u) => `  + ${u}`), ...diff.removed.map((u) => `  - ${u}`), ...diff.changed.map((c) => `  ~ ${c}`)].join("\n")}\nRefusing; review the config.`);
      return 1;
    }
    io.out(`Verified offline: the only change is ${diff.changed.join(", ")}.`);
  }

  if (parsed.values.write) {
    file.set(activeKey, target);
    file.save();
    io.out(`Wrote ${activeKey}: ${target} to ${relative(io.cwd, file.path)}. Deploy it with: pulumi up --stack ${stack}`);
    io.out(verifyHint(planned, target));
    return 0;
  }
  if (!parsed.values["print-only"] && pulumiOnPath(io.env)) {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation/index.js");
    const ws = await LocalWorkspace.selectStack({ stackName: stack, workDir: dir });
    await ws.setConfig(activeKey, { value: target });
    io.out(`Set ${activeKey} to ${target}; running pulumi up…`);
    const result = await ws.up({ onOutput: (o: string) => io.out(o.replace(/\n$/, "")) });
    io.out(`Rolled back: ${result.summary.result}.`);
    io.out(verifyHint(planned, target));
    return result.summary.result === "succeeded" ? 0 : 1;
  }
  io.out(
    [
      "No Pulumi CLI found; make this change and deploy it:",
      `  pulumi config set ${activeKey} ${target} --stack ${stack} && pulumi up --stack ${stack}`,
      `or in ${relative(io.cwd, file.path)}:`,
      `  -  ${activeKey}: ${active}`,
      `  +  ${activeKey}: ${target}`,
      "(airlock rollback --write makes the edit for you.)",
      verifyHint(planned, target),
    ].join("\n"),
  );
  return 0;
}
