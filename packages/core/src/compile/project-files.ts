/**
 * The files a manifest names, kept inside its project (the manifest's directory): the system
 * prompt (read and hashed into every release) and the image's build context and Dockerfile (sent
 * to the image builder). A path that leaves the project — `../…`, an absolute path elsewhere, or a
 * symbolic link pointing out — is refused before anything is read.
 *
 * A manifest compiled from an object (a TypeScript program, no `baseDir`) has no file to be
 * relative to: there an absolute path is the program's own choice and is accepted, except the
 * filesystem root; relative paths still stay inside the working directory.
 */
import { existsSync, lstatSync, realpathSync } from "node:fs";
import { isAbsolute, parse, relative, resolve, sep } from "node:path";
import type { ProblemList } from "../errors.ts";
import type { Manifest } from "../manifest/schema.ts";

/** Whether `path` is `dir` or inside it (both absolute, already resolved). */
function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** The real path (symbolic links followed) of an existing path, or the path itself when it has none. */
function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Where `given` leads from `project`, or a reason it leaves the project: lexically (`..`,
 * absolute), or through a symbolic link.
 */
function placeInProject(project: string, given: string, trustAbsolute = false): { file: string } | { outside: "path" } | { outside: "link"; target: string; self: boolean } {
  const file = resolve(project, given);
  if (trustAbsolute && isAbsolute(given)) return parse(file).root === file ? { outside: "path" } : { file };
  if (!isInside(project, file)) return { outside: "path" };
  if (!existsSync(file)) return { file };
  const target = real(file);
  if (!isInside(real(project), target)) {
    let self = false;
    try {
      self = lstatSync(file).isSymbolicLink();
    } catch {
      /* gone meanwhile: reported as a link through the path */
    }
    return { outside: "link", target, self };
  }
  return { file };
}

/** The prompt file's absolute path when it is inside the project and exists; otherwise a problem at `agent.prompt`. */
export function resolvePrompt(m: Manifest, baseDir: string | undefined, problems: ProblemList): string | undefined {
  if (m.agent.prompt === undefined) return undefined;
  const project = resolve(baseDir ?? process.cwd());
  const given = m.agent.prompt;
  const place = placeInProject(project, given, baseDir === undefined);
  if ("outside" in place) {
    problems.add(
      "agent.prompt",
      place.outside === "path"
        ? `"${given}" is outside the manifest's directory; give the prompt's path relative to the manifest, inside its project (e.g. \`prompts/system.md\`)`
        : `"${given}" ${place.self ? "is a symbolic link" : "resolves through a symbolic link"} to ${place.target}, outside the manifest's directory; copy the prompt into the project instead of linking to it`,
    );
    return undefined;
  }
  if (!existsSync(place.file)) {
    problems.add("agent.prompt", `file ${place.file} does not exist; give the system prompt's path relative to the manifest`);
    return undefined;
  }
  return place.file;
}

/** The build context (and its Dockerfile) must be inside the project: the builder is sent every file under the context. */
export function checkBuildContext(m: Manifest, baseDir: string | undefined, problems: ProblemList): void {
  if (!("build" in m.agent.image)) return;
  const project = resolve(baseDir ?? process.cwd());
  const { context, dockerfile } = m.agent.image.build;
  const place = placeInProject(project, context, baseDir === undefined);
  if ("outside" in place) {
    problems.add(
      "agent.image.build.context",
      place.outside === "path"
        ? `"${context}" is outside the manifest's directory, so the image would be built from (and send to the builder) files outside the project; give a directory inside it, e.g. \`.\``
        : `"${context}" resolves through a symbolic link to ${place.target}, outside the manifest's directory; give a directory inside the project`,
    );
    return;
  }
  if (dockerfile === undefined) return;
  const inContext = placeInProject(place.file, dockerfile);
  if ("outside" in inContext) {
    problems.add(
      "agent.image.build.dockerfile",
      `"${dockerfile}" is outside the build context${inContext.outside === "link" ? ` (a symbolic link to ${inContext.target})` : ""}; give the Dockerfile's path inside \`agent.image.build.context\``,
    );
  }
}
