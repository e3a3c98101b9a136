/**
 * Reads the final stage of a Dockerfile to check that the image prepares the scratch paths the
 * task mounts on its read-only root for the non-root agent user.
 *
 * Why the image must: on Fargate every scratch path is a bind mount (Fargate supports no tmpfs:
 * "If you're using tasks that use the Fargate launch type, the tmpfs parameter isn't supported",
 * ECS API reference, LinuxParameters). ECS, "Use bind mounts with Amazon ECS"
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html): "To expose files
 * from a Dockerfile to a data volume when a task is run, the Amazon ECS data plane looks for a
 * VOLUME directive. If the absolute path that's specified in the VOLUME directive is the same as
 * the containerPath that's specified in the task definition, the data in the VOLUME directive path
 * is copied to the data volume. … By default, the volume permissions are set to 0755 and the owner
 * as root. You can customize these permissions in the Dockerfile. The following example defines
 * the owner of the directory as node. … RUN mkdir -p /var/log/exported && chown node:node
 * /var/log/exported … USER node … VOLUME ["/var/log/exported"]".
 *
 * An init container that chowns the volume at start would need CAP_CHOWN, which the hardened
 * container's "all capabilities dropped" forbids; so the image does it, and this check holds it
 * to that where Airlock builds the image.
 */

export interface ScratchImageSpec {
  /** `uid:gid` the task runs as (`agent.runtime.user`). */
  readonly user: string;
  /** Absolute, normalised scratch paths. */
  readonly scratchPaths: readonly string[];
  /** How messages name the file (relative to the project). */
  readonly file: string;
  /** The stage to check (`FROM … AS <target>`, what `docker build --target` builds). @default - the final stage */
  readonly target?: string;
}

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The instructions of a Dockerfile, with line continuations joined, comments and heredoc bodies kept with their instruction. */
export function parseDockerfile(text: string): Instruction[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const escape = /^#\s*escape\s*=\s*`/im.test(lines.slice(0, 5).join("\n")) ? "`" : "\\";
  const out: Instruction[] = [];
  let current = "";
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (current === "" && /^\s*(#.*)?$/.test(raw)) continue;
    if (current !== "" && /^\s*#/.test(raw)) continue; // comments inside a continued instruction are dropped
    const trimmed = raw.replace(/\s+$/, "");
    if (trimmed.endsWith(escape)) {
      current += `${trimmed.slice(0, -1)} `;
      continue;
    }
    current += trimmed;
    // A heredoc (`RUN <<EOF`) runs to its terminator line.
    const heredoc = /<<-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?/.exec(current);
    if (heredoc !== null) {
      const end = heredoc[1]!;
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== end) current += `\n${lines[++i]}`;
      i++;
    }
    const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(current);
    if (m !== null) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim() });
    current = "";
  }
  return out;
}

/** The instructions after the last `FROM`. */
function finalStage(instructions: readonly Instruction[]): Instruction[] {
  const last = instructions.map((x) => x.keyword).lastIndexOf("FROM");
  return instructions.slice(last + 1);
}

/** The instructions of the stage `FROM … AS <name>` (names compare without case, as Docker's do), or undefined. */
function namedStage(instructions: readonly Instruction[], name: string): Instruction[] | undefined {
  const start = instructions.findIndex((x) => x.keyword === "FROM" && words(x.args).some((w, i, all) => i > 0 && /^as$/i.test(all[i - 1]!) && w.toLowerCase() === name.toLowerCase()));
  if (start < 0) return undefined;
  const next = instructions.findIndex((x, i) => i > start && x.keyword === "FROM");
  return instructions.slice(start + 1, next < 0 ? undefined : next);
}

/** `a//b/` → `a/b`; paths are compared this way. */
function normalise(path: string): string {
  const p = path.replace(/\/{2,}/g, "/");
  return p.length > 1 ? p.replace(/\/+$/, "") : p;
}

function unquote(token: string): string {
  return token.replace(/^(["'])(.*)\1$/s, "$2");
}

/** The words of an exec-form (`["a", "b"]`) or shell-form argument list. */
function words(args: string): string[] {
  if (args.startsWith("[")) {
    try {
      const parsed = JSON.parse(args) as unknown;
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return parsed as string[];
    } catch {
      // Not valid JSON: Docker runs it in a shell, and so do we.
    }
  }
  return args.split(/\s+/).filter((w) => w !== "").map(unquote);
}

/** The shell commands of a RUN line, each as its words. */
function commands(args: string): string[][] {
  const script = args.startsWith("[") ? words(args).join(" ") : args;
  return script
    .split(/&&|\|\||;|\||\n/)
    .map((c) => c.trim().split(/\s+/).filter((w) => w !== "").map(unquote))
    .filter((c) => c.length > 0);
}

function uidOf(owner: string): string {
  return owner.split(/[:.]/)[0]!;
}

/** Whether `instruction` makes `path` owned by `uid` (a `chown`, or COPY/ADD `--chown` or `--chmod` onto it). */
function owns(instruction: Instruction, path: string, uid: string): boolean {
  const covers = (target: string, recursive: boolean) => {
    const t = normalise(target);
    return t === path || (recursive && (t === "/" || path.startsWith(`${t}/`)));
  };
  if (instruction.keyword === "RUN") {
    for (const cmd of commands(instruction.args)) {
      const at = cmd.findIndex((w) => w === "chown" || w.endsWith("/chown"));
      if (at < 0) continue;
      const rest = cmd.slice(at + 1);
      const options = rest.filter((w) => w.startsWith("-"));
      const operands = rest.filter((w) => !w.startsWith("-"));
      const recursive = options.some((o) => o === "-R" || o === "--recursive" || (/^-[A-Za-z]+$/.test(o) && o.includes("R")));
      const [owner, ...targets] = operands;
      if (owner === undefined || uidOf(owner) !== uid) continue;
      if (targets.some((t) => covers(t, recursive))) return true;
    }
    return false;
  }
  if (instruction.keyword === "COPY" || instruction.keyword === "ADD") {
    const w = words(instruction.args);
    const flags = w.filter((x) => x.startsWith("--"));
    const operands = w.filter((x) => !x.startsWith("--"));
    const dest = operands[operands.length - 1];
    if (dest === undefined || normalise(dest) !== path) return false;
    const chown = flags.find((f) => f.startsWith("--chown="))?.slice("--chown=".length);
    const chmod = flags.find((f) => f.startsWith("--chmod="))?.slice("--chmod=".length);
    if (chown !== undefined && uidOf(chown) === uid) return true;
    // A mode that lets anyone write (the other-write bit) serves the agent user too.
    return chmod !== undefined && /^[0-7]{3,4}$/.test(chmod) && (Number.parseInt(chmod.slice(-1), 8) & 2) === 2;
  }
  return false;
}

/** The paths a VOLUME instruction declares. */
function volumes(instruction: Instruction): string[] {
  return words(instruction.args).map(normalise);
}

/**
 * Why the Dockerfile's final stage does not prepare the scratch paths for `spec.user`, one line per
 * problem with its fix; empty when it does. For each path the final stage must declare it a VOLUME
 * and own it as the user's uid (a `chown` of it, or of a parent with `-R`, or a COPY/ADD onto it
 * with `--chown` or a world-writable `--chmod`); its last USER, if any, must be `runtime.user` (ECS
 * runs the container as that user whatever the image says, so a different USER only misleads).
 */
export function scratchImageProblems(text: string, spec: ScratchImageSpec): string[] {
  const instructions = parseDockerfile(text);
  const stage = spec.target === undefined ? finalStage(instructions) : namedStage(instructions, spec.target);
  if (stage === undefined) return [`${spec.file} has no stage \`${spec.target}\`; add \`FROM <image> AS ${spec.target}\` or build another target`];
  const [uid, gid] = spec.user.split(":") as [string, string];
  const declared = new Set(stage.filter((x) => x.keyword === "VOLUME").flatMap(volumes));
  const problems: string[] = [];
  const where = `${spec.file} (${spec.target === undefined ? "final stage" : `stage ${spec.target}`})`;
  for (const path of spec.scratchPaths) {
    if (!declared.has(path)) problems.push(`${where} does not declare ${path} as a VOLUME; add \`VOLUME ["${path}"]\` after the step that owns it`);
    if (!stage.some((x) => owns(x, path, uid))) {
      problems.push(
        `${where} does not give ${path} to the agent user ${spec.user}; add \`RUN mkdir -p ${path} && chown ${spec.user} ${path}\` (or \`COPY --chown=${spec.user} … ${path}\`) before the VOLUME`,
      );
    }
  }
  const user = stage.filter((x) => x.keyword === "USER").pop();
  if (user !== undefined) {
    const [u, g] = user.args.split(":").map((x) => x.trim());
    if (u !== uid || (g !== undefined && g !== gid)) {
      problems.push(`${where} sets \`USER ${user.args}\`, but the task runs as \`agent.runtime.user\` ${spec.user}; write \`USER ${spec.user}\` or remove the line`);
    }
  }
  return problems;
}
