/**
 * `airlock init [dir]`: writes a commented starter manifest (agent.yaml), the prompt it names and
 * a Pulumi program that deploys it with AgentPlatform and AgentDeployment. Refuses to overwrite a
 * file unless `--force`; writes nothing unless it can write everything.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { ManifestSchema } from "@airlock/core/manifest-schema";
import { parse } from "yaml";
import { UsageError, type Io } from "../io.ts";
import { parseCommand } from "../options.ts";
import { manifestTemplate, programTemplate, PROMPT_FILE, promptTemplate, pulumiProjectTemplate } from "../init/templates.ts";
import { INIT } from "./specs.ts";
import { moduleKind } from "../plan/load-program.ts";

/** Where the program goes: Pulumi.yaml's `main` when the project has one, else index.ts. */
interface ProjectLayout {
  /** The program file, relative to the project directory. */
  readonly program: string;
  /** Pulumi.yaml to write, when the directory has none. */
  readonly pulumiYaml?: string;
  readonly notes: string[];
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand(INIT, argv);
  const given = positionals[0] ?? ".";
  const dir = resolve(io.cwd, given);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${given} is a file; pass the project directory to write into`);
  const name = agentName(values.name, dir);
  const layout = projectLayout(dir, name);

  const files = new Map<string, string>([
    ["agent.yaml", manifestTemplate(name)],
    [PROMPT_FILE, promptTemplate(name)],
    [layout.program, programTemplate("agent.yaml", moduleKind(join(dir, layout.program)))],
    ...(layout.pulumiYaml !== undefined ? ([["Pulumi.yaml", layout.pulumiYaml]] as const) : []),
  ]);
  const existing = [...files.keys()].filter((f) => existsSync(join(dir, f)));
  if (existing.length > 0 && !values.force) {
    const list = existing.length === 1 ? `${existing[0]} already exists` : `${existing.slice(0, -1).join(", ")} and ${existing.at(-1)} already exist`;
    throw new UsageError(`${list} in ${given}; pass --force to overwrite ${existing.length === 1 ? "it" : "them"} (nothing was written)`);
  }
  for (const [file, text] of files) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }

  const stacks = existsSync(dir) ? readdirSync(dir).filter((f) => /^Pulumi\.[^.]+\.ya?ml$/.test(f)) : [];
  const hasStackDir = layout.pulumiYaml === undefined && stackConfigDir(dir) !== undefined;
  const inDir = relative(io.cwd, dir);
  io.out(
    [
      `wrote ${[...files.keys()].map((f) => (existing.includes(f) ? `${f} (overwritten)` : f)).join(", ")} in ${inDir === "" ? "." : inDir}`,
      ...layout.notes,
      "",
      "next:",
      ...(inDir === "" ? [] : [`  cd ${inDir}`]),
      "  npm install @airlock/pulumi @airlock/core @pulumi/pulumi @pulumi/aws",
      "  # fill in agent.yaml (owner, image, tools), then check it offline:",
      "  airlock plan agent.yaml --region us-east-1",
      ...(stacks.length === 0 && !hasStackDir ? ["  pulumi stack init dev && pulumi config set aws:region us-east-1"] : []),
      "  airlock plan .",
      "  pulumi up",
    ].join("\n"),
  );
  return 0;
}

/** `--name`, else the directory's name; either must follow the manifest's rule for `agent.name`. */
function agentName(given: string | undefined, dir: string): string {
  const name = given ?? basename(dir);
  const check = ManifestSchema.shape.agent.shape.name.safeParse(name);
  if (check.success) return name;
  const rule = check.error.issues[0]?.message ?? "must be kebab-case";
  if (given !== undefined) throw new UsageError(`\`--name\`: "${given}" ${rule}, e.g. support-agent`);
  throw new UsageError(`\`--name\`: the directory's name "${name}" is not an agent name (it ${rule}); pass --name <agent>, e.g. --name support-agent`);
}

function readYaml(file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`${file} is not valid YAML (${(e as Error).message.split("\n")[0]}); fix it or remove it`);
  }
  return doc !== null && typeof doc === "object" ? (doc as Record<string, unknown>) : {};
}

function stackConfigDir(dir: string): string | undefined {
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (file === undefined) return undefined;
  const d = readYaml(file).stackConfigDir;
  if (typeof d !== "string") return undefined;
  const path = resolve(dir, d);
  return existsSync(path) && readdirSync(path).some((f) => /^Pulumi\.[^.]+\.ya?ml$/.test(f)) ? path : undefined;
}

/**
 * The program's file: index.ts, or what an existing Pulumi.yaml's `main` names (a `.ts` file, or
 * a directory's index.ts). A `main` that is JavaScript (a build's output) or a project that is not
 * Node.js is refused with the fix; an ES module package needs no change (the program is both).
 */
function projectLayout(dir: string, name: string): ProjectLayout {
  const notes: string[] = [];
  const pkgFile = join(dir, "package.json");
  if (existsSync(pkgFile)) {
    let pkg: { type?: unknown };
    try {
      pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { type?: unknown };
    } catch (e) {
      throw new UsageError(`${pkgFile} is not JSON (${(e as Error).message}); fix it, or run airlock init in another directory`);
    }
    if (pkg.type === "module") notes.push('package.json has "type": "module": the program is an ES module (its default export is the program)');
  }
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (file === undefined) return { program: "index.ts", pulumiYaml: pulumiProjectTemplate(name), notes };
  const project = readYaml(file);
  const runtime = typeof project.runtime === "string" ? project.runtime : (project.runtime as { name?: unknown } | undefined)?.name;
  if (runtime !== "nodejs") {
    throw new UsageError(`${basename(file)}: \`runtime\` is ${String(runtime)}; Airlock's program is TypeScript, so run airlock init in a nodejs project (\`pulumi new aws-typescript\`) or an empty directory`);
  }
  const main = project.main;
  if (main === undefined || main === null || main === "." || main === "./") return { program: "index.ts", notes };
  if (typeof main !== "string") throw new UsageError(`${basename(file)}: \`main\` must be a path; set it to index.ts or remove it`);
  const path = resolve(dir, main);
  if (relative(dir, path).startsWith("..")) throw new UsageError(`${basename(file)}: \`main\` (${main}) is outside the project; set it to index.ts`);
  if (existsSync(path) && statSync(path).isDirectory()) {
    const program = join(relative(dir, path), "index.ts");
    notes.push(`${basename(file)} \`main\` is ${main}: the program is ${program}`);
    return { program, notes };
  }
  if (/\.(ts|mts|cts)$/.test(main)) {
    notes.push(`${basename(file)} \`main\` is ${main}: the program is written there`);
    return { program: relative(dir, path), notes };
  }
  throw new UsageError(
    `${basename(file)}: \`main\` is ${main}, not a TypeScript file; airlock init writes a TypeScript program, so set \`main: index.ts\` (or remove \`main\`) and run it again`,
  );
}
