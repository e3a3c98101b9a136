/**
 * The agent as its container runs it: a process of its own, started with its entry's command line
 * and an environment like the task definition's (what `AgentDeployment` sets, the secrets ECS
 * injects, the AWS SDK's endpoint variables pointing at the loopback stand-ins), in a working
 * directory that holds the release's shipped model as the image does. Its stdout (EMF lines and
 * the entry's own output) and stderr are collected whole.
 *
 * The TypeScript sources run through tsx with the repository's tsconfig (`TSX_TSCONFIG_PATH`), so
 * `@airlock/*` resolve to the sources as in every test and nothing needs building first.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** tsx's loader, by absolute URL: the process's working directory is outside the repository. */
export const TSX_LOADER = import.meta.resolve("tsx");

export interface AgentProcessOptions {
  /** The entry file (TypeScript). */
  readonly entry: string;
  readonly argv: readonly string[];
  /** The whole environment (nothing of this process's is inherited but PATH and HOME). */
  readonly env: Readonly<Record<string, string>>;
  /** The working directory (the release's files: the shipped model). */
  readonly cwd: string;
  /** Told each stdout line as it arrives (for a live timeline). */
  readonly onLine?: (line: string) => void;
  /** Sends SIGTERM (as ECS stops a task) once this holds, checked every 50 ms: the service mode. */
  readonly stopWhen?: () => boolean;
  /**
   * Ends the process (SIGKILL) when it runs longer; its result says so.
   * @default 90000
   */
  readonly killAfterMs?: number;
}

export interface AgentExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly killed: boolean;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** Runs the agent to its end; never rejects (a failure to start is an exit with its message on stderr). */
export function runAgentProcess(options: AgentProcessOptions): Promise<AgentExit> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX_LOADER, options.entry, ...options.argv], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? options.cwd, TSX_TSCONFIG_PATH: join(REPO_ROOT, "tsconfig.json"), ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let partial = "";
    let killed = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (options.onLine === undefined) return;
      partial += chunk;
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) options.onLine(line);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, options.killAfterMs ?? 90_000);
    let stopping = false;
    const poll = options.stopWhen === undefined ? undefined : setInterval(() => {
      if (!stopping && options.stopWhen!()) {
        stopping = true;
        child.kill("SIGTERM");
      }
    }, 50);
    child.on("error", (e) => {
      stderr += `could not start the agent: ${e.message}\n`;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (poll !== undefined) clearInterval(poll);
      if (partial !== "") options.onLine?.(partial);
      resolve({ code, signal, stdout, stderr, killed, startedAt, endedAt: Date.now() });
    });
  });
}
