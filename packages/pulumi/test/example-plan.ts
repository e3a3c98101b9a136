/** Plans the repository's root Pulumi project (the support agent's program) as a stack, under mocks. */
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parse } from "yaml";
import { recordProgram, type Recording } from "../src/plan/record.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The root Pulumi project (examples/support-agent/index.ts) recorded as `stack`, with that stack's config file. */
export async function planExample(stack: string): Promise<Recording> {
  const project = (parse(readFileSync(`${ROOT}Pulumi.yaml`, "utf8")) as { name: string; main: string });
  const doc = parse(readFileSync(`${ROOT}stacks/Pulumi.${stack}.yaml`, "utf8")) as { config: Record<string, unknown> };
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.config)) config[k.includes(":") ? k : `${project.name}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  const cwd = process.cwd();
  process.chdir(ROOT); // eval reports are paths relative to the project, as under `pulumi up`
  try {
    return await recordProgram({
      project: project.name,
      stack,
      config,
      program: async () => {
        const mod = (await import(pathToFileURL(`${ROOT}${project.main}`).href)) as { default: () => unknown };
        return mod.default();
      },
    });
  } finally {
    process.chdir(cwd);
  }
}

