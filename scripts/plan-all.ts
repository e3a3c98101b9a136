/**
 * CI step: plans every example project offline with the guardrails on, and fails on any finding
 * of severity error or warning (info findings are printed, not failed on).
 *
 *   node --import tsx scripts/plan-all.ts      (npm run plan:all)
 *
 * A project is the repository root (when it has a Pulumi.yaml) and every directory under
 * examples/ with a Pulumi.yaml; each is planned once per stack config file it has.
 * Exit 0: every plan is clean; 1: a finding or a plan that could not be made.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parse } from "yaml";
import type { Finding, PlanDocument } from "@airlock/core";
import { planTarget } from "@airlock/cli";

export const REPOSITORY_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Severities that fail the step. */
export const FAILING_SEVERITIES: readonly Finding["severity"][] = ["error", "warning"];

/** The root project (if any) and every examples/<dir> with a Pulumi.yaml, as absolute paths, sorted. */
export function exampleProjects(root: string = REPOSITORY_ROOT): string[] {
  const out: string[] = [];
  if (existsSync(join(root, "Pulumi.yaml"))) out.push(resolve(root));
  const examples = join(root, "examples");
  if (existsSync(examples)) {
    for (const entry of readdirSync(examples, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && existsSync(join(examples, entry.name, "Pulumi.yaml"))) out.push(join(examples, entry.name));
    }
  }
  return out;
}

/** Stacks of a project: the `<stack>` of every Pulumi.<stack>.yaml in its stack config directory. */
export function stacksOf(project: string): string[] {
  const doc = (parse(readFileSync(join(project, "Pulumi.yaml"), "utf8")) ?? {}) as { stackConfigDir?: unknown };
  const dir = typeof doc.stackConfigDir === "string" ? resolve(project, doc.stackConfigDir) : project;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^Pulumi\.([^.]+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export interface ProjectPlan {
  /** Project directory relative to the repository root (`.` for the root). */
  readonly project: string;
  readonly stack: string;
  readonly plan?: PlanDocument;
  /** Why the plan could not be made. */
  readonly error?: string;
  /** Findings whose severity fails the step. */
  readonly failing: readonly Finding[];
}

/** Plans every stack of every example project, one after another (recordings cannot overlap). */
export async function planAll(root: string = REPOSITORY_ROOT): Promise<ProjectPlan[]> {
  const results: ProjectPlan[] = [];
  for (const dir of exampleProjects(root)) {
    const project = relative(root, dir) || ".";
    const stacks = stacksOf(dir);
    if (stacks.length === 0) {
      results.push({ project, stack: "-", error: "has no stack config file (Pulumi.<stack>.yaml); nothing to plan", failing: [] });
      continue;
    }
    for (const stack of stacks) {
      try {
        const plan = await planTarget(dir, { stack, guardrails: true });
        results.push({ project, stack, plan, failing: plan.findings.filter((f) => FAILING_SEVERITIES.includes(f.severity)) });
      } catch (e) {
        results.push({ project, stack, error: e instanceof Error ? e.message : String(e), failing: [] });
      }
    }
  }
  return results;
}

/** One line per plan, then each finding; the lines CI prints. */
export function report(results: readonly ProjectPlan[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const where = `${r.project} (stack ${r.stack})`;
    if (r.error !== undefined) {
      lines.push(`FAIL ${where}: could not plan: ${r.error}`);
      continue;
    }
    const plan = r.plan!;
    const summary = `${plan.resources.length} resources, ${plan.agents.length} agent${plan.agents.length === 1 ? "" : "s"} (${plan.agents.map((a) => a.name).join(", ")})`;
    lines.push(`${r.failing.length > 0 ? "FAIL" : "ok  "} ${where}: ${summary}, ${plan.findings.length} finding${plan.findings.length === 1 ? "" : "s"}`);
    for (const f of plan.findings) lines.push(`     ${f.severity.toUpperCase().padEnd(7)} ${f.rule}  ${f.subject}: ${f.message}`);
  }
  const failed = results.filter((r) => r.error !== undefined || r.failing.length > 0).length;
  lines.push(failed === 0 ? `plan:all: ${results.length} plans, all clean` : `plan:all: ${failed} of ${results.length} plans failed (errors and warnings fail; info does not)`);
  return lines;
}

async function run(): Promise<number> {
  const results = await planAll();
  for (const line of report(results)) console.log(line);
  return results.some((r) => r.error !== undefined || r.failing.length > 0) ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await run();
}
