/** Where a command writes. Tests pass buffers; the binary passes the process streams. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Working directory paths are resolved against. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The {@link Io} of the `airlock` binary: the process's stdout, stderr, working directory and environment. */
export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
    cwd: process.cwd(),
    env: process.env,
  };
}

/** An Io that records what was written, for tests. */
export function bufferIo(cwd: string, env: Record<string, string | undefined> = {}): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    cwd,
    env,
    out(t: string) {
      io.stdout += t.endsWith("\n") ? t : `${t}\n`;
    },
    err(t: string) {
      io.stderr += t.endsWith("\n") ? t : `${t}\n`;
    },
  };
  return io;
}

/** A usage or input error: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
