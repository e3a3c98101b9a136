import { readFileSync } from "node:fs";
import { isFieldError, ManifestError } from "@airlock/core";
import { CLI_ENV } from "@airlock/core/contracts";
import { COMMANDS } from "./commands/index.ts";
import { processIo, UsageError, type Io } from "./io.ts";
import { renderHelp, usageLines } from "./options.ts";

/** The CLI package's version, from its package.json (the packages' versions move together). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ["usage: airlock <command> [options]", "", "commands:", ...rows, "", "airlock <command> --help shows a command's options; airlock --version prints the version."].join("\n");
}

/** Runs the CLI; returns the exit code. Never throws: errors are printed without stack traces. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v" || name === "version") {
    io.out(`airlock ${cliVersion()}`);
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`airlock: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  // `--help` anywhere before a `--` prints the help, whatever else is on the line.
  const beforeTerminator = rest.includes("--") ? rest.slice(0, rest.indexOf("--")) : rest;
  if (beforeTerminator.includes("--help") || beforeTerminator.includes("-h")) {
    io.out(renderHelp(command.summary, command.specs));
    return 0;
  }
  try {
    const mod = await command.load();
    return await mod.run(rest, io);
  } catch (e) {
    if (e instanceof ManifestError) {
      io.err(e.message);
      return 2;
    }
    if (e instanceof UsageError) {
      io.err(`airlock ${name}: ${e.message}\n${usageLines(command.specs)}`);
      return 2;
    }
    // A component or program refusing its input names the field and the fix: an input error too.
    if (isFieldError(e)) {
      io.err(`airlock ${name}: ${e.message}`);
      return 2;
    }
    // A file that cannot be read (missing, a directory, no permission) is bad input too.
    const fsError = fileInputError(e);
    if (fsError !== undefined) {
      io.err(`airlock ${name}: ${fsError}\n${usageLines(command.specs)}`);
      return 2;
    }
    const err = e as Error;
    io.err(`airlock ${name}: ${err?.message ?? String(e)}`);
    if (io.env[CLI_ENV.debug]) io.err(String(err?.stack));
    return 1;
  }
}

/** The one-line reason and fix for a file the command was pointed at but cannot read, if `e` is one. */
function fileInputError(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof err.code !== "string" || typeof err.path !== "string") return undefined;
  switch (err.code) {
    case "ENOENT":
      return `${err.path} does not exist; check the path`;
    case "EACCES":
    case "EPERM":
      return `${err.path} cannot be read (permission denied); fix its permissions or pass another file`;
    case "EISDIR":
      return `${err.path} is a directory; pass a file`;
    case "ENOTDIR":
      return `${err.path}: a part of the path is not a directory; check the path`;
    default:
      return undefined;
  }
}
