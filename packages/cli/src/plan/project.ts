/** Reads a Pulumi project (Pulumi.yaml + stack config) the way the Pulumi CLI would, for offline plans. */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import { UsageError } from "../io.ts";

/** A Pulumi project as {@link readPulumiProject} reads it. */
export interface PulumiProject {
  readonly dir: string;
  readonly name: string;
  /** Absolute path of the program's entry file. */
  readonly main: string;
  readonly stackConfigFile: string;
  /** Flat config: `"<namespace>:<key>"` → string (structured values as JSON). */
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
}

/**
 * Reads a Pulumi project (`Pulumi.yaml` or `Pulumi.yml`, and the stack's config) the way the Pulumi CLI would, for offline plans.
 *
 * @param dir - the project directory
 * @param stack - the stack whose config is read
 * @throws UsageError when `dir` has no Pulumi.yaml
 */
export function readPulumiProject(dir: string, stack: string): PulumiProject {
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (file === undefined) throw new UsageError(`${dir} has no Pulumi.yaml; pass a Pulumi project directory or an agent.yaml`);
  const project = parse(readFileSync(file, "utf8")) as Record<string, unknown> | null;
  const name = project?.name;
  if (typeof name !== "string" || name === "") throw new UsageError(`${file}: \`name\` is required`);
  const runtime = typeof project!.runtime === "string" ? project!.runtime : (project!.runtime as { name?: string } | undefined)?.name;
  if (runtime !== "nodejs") throw new UsageError(`${file}: \`runtime\` is ${String(runtime)}; airlock plan runs nodejs programs`);
  const main = resolveMain(dir, typeof project!.main === "string" ? project!.main : ".");
  const configDir = typeof project!.stackConfigDir === "string" ? resolve(dir, project!.stackConfigDir) : dir;
  const stackConfigFile = join(configDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(stackConfigFile)) {
    throw new UsageError(`stack "${stack}" has no config file ${stackConfigFile}; pass --stack with one of the stacks in ${configDir}`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const projectDefaults = (project!.config ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(projectDefaults)) {
    const value = v !== null && typeof v === "object" && "default" in (v as object) ? (v as { default: unknown }).default : v;
    if (value !== undefined) config[qualify(name, k)] = asConfigString(value);
  }
  const stackDoc = (parse(readFileSync(stackConfigFile, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  for (const [k, v] of Object.entries(stackDoc.config ?? {})) {
    const key = qualify(name, k);
    if (v !== null && typeof v === "object" && "secure" in (v as object)) {
      // Encrypted values cannot be read offline; the plan shows a placeholder.
      config[key] = "[secret]";
      secretKeys.push(key);
    } else {
      config[key] = asConfigString(v);
    }
  }
  return { dir, name, main, stackConfigFile, config, secretKeys };
}

function qualify(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

function asConfigString(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function resolveMain(dir: string, main: string): string {
  const path = resolve(dir, main);
  if (existsSync(path) && statSync(path).isFile()) return path;
  if (existsSync(path) && statSync(path).isDirectory()) {
    const pkg = join(path, "package.json");
    if (existsSync(pkg)) {
      const m = (JSON.parse(readFileSync(pkg, "utf8")) as { main?: string }).main;
      if (m && existsSync(resolve(path, m))) return resolve(path, m);
    }
    for (const f of ["index.ts", "index.js", "index.mts", "index.mjs"]) if (existsSync(join(path, f))) return join(path, f);
  }
  throw new UsageError(`Pulumi.yaml \`main\` (${main}) does not name a program file in ${dirname(path)}`);
}
