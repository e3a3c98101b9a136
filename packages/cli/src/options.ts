/**
 * A command's arguments and options, declared once: the same table parses the command line and
 * writes `--help`, so an option cannot exist without its description, argument and default.
 */
import { parseArgs } from "node:util";
import { editDistance } from "@airlock/core";
import { UsageError } from "./io.ts";

export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** One-letter alias, e.g. `s` for `-s`. */
  readonly short?: string;
  /** May be given more than once; the values are collected in order. */
  readonly multiple?: boolean;
  /** The value when the option is not given; shown in the help. */
  readonly default?: string;
  /** The value's placeholder in the help, e.g. `<file>`. Required for string options. */
  readonly arg?: string;
  /** What happens when the option is not given, when that is not a plain value (e.g. "the `aws:region` config"). */
  readonly defaultText?: string;
  /** The only values accepted; anything else is a usage error naming them. */
  readonly choices?: readonly string[];
  /** The command refuses to run without it (shown in the synopsis). */
  readonly required?: boolean;
  /** What the option does, in a sentence a newcomer can act on. */
  readonly description: string;
}

export interface ArgumentSpec {
  /** As the synopsis shows it: `dir|agent.yaml`, `report.json`. */
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  /** Takes any number of values (`paths...`); only the last argument may. */
  readonly variadic?: boolean;
  /** What is used when it is left out. */
  readonly defaultText?: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export interface CommandSpec<T extends OptionTable = OptionTable> {
  /** The words after `airlock`: `plan`, `evals check`. */
  readonly path: string;
  readonly summary: string;
  readonly arguments: readonly ArgumentSpec[];
  readonly options: T;
  /** Whole command lines, each with what it does. */
  readonly examples: readonly (readonly [command: string, what: string])[];
  /** Extra paragraphs printed after the options (exit codes, files read). */
  readonly notes?: readonly string[];
}

/** Declares a command, keeping its option table's literal types for `parseCommand`. */
export function defineCommand<const T extends OptionTable>(spec: CommandSpec<T>): CommandSpec<T> {
  return spec;
}

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean"
  ? boolean
  : S["multiple"] extends true
    ? string[]
    : S extends { default: string } | { required: true }
      ? string
      : string | undefined;

export interface Parsed<T extends OptionTable> {
  readonly values: { [K in keyof T]: ValueOf<T[K]> };
  readonly positionals: string[];
}

/**
 * Parses `argv` against the command's table. Every mistake is a UsageError naming the option or
 * argument and the fix: an unknown option (with the nearest known one), a missing value, a value
 * on a flag, a value outside `choices`, a missing or extra argument.
 */
export function parseCommand<T extends OptionTable>(spec: CommandSpec<T>, argv: readonly string[]): Parsed<T> {
  const config: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(spec.options)) config[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  const { tokens } = parseArgs({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === "positional") {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== "option") continue;
    const o = spec.options[t.name];
    if (o === undefined) {
      const near = nearest(t.name, Object.keys(spec.options));
      throw new UsageError(`unknown option \`${t.rawName}\`${near ? `; did you mean \`--${near}\`?` : ""} (\`airlock ${spec.path} --help\` lists every option)`);
    }
    const flag = `--${t.name}`;
    if (o.type === "boolean") {
      if (t.inlineValue) throw new UsageError(`\`${flag}\` is a flag and takes no value; write \`${flag}\` alone`);
      values[t.name] = true;
      continue;
    }
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith("-") && t.value !== "-")) {
      throw new UsageError(`\`${flag}\` needs a value: ${flag} ${o.arg ?? "<value>"}${t.value !== undefined ? ` (got \`${t.value}\`; write ${flag}=${t.value} if that is the value)` : ""}`);
    }
    if (o.choices !== undefined && !o.choices.includes(t.value)) throw new UsageError(`\`${flag}\` must be ${orList(o.choices)}, not "${t.value}"`);
    if (o.multiple) values[t.name] = [...((values[t.name] as string[] | undefined) ?? []), t.value];
    else values[t.name] = t.value;
  }
  for (const [name, o] of Object.entries(spec.options)) {
    if (values[name] !== undefined) continue;
    if (o.type === "boolean") values[name] = false;
    else if (o.multiple) values[name] = [];
    else if (o.default !== undefined) values[name] = o.default;
    else if (o.required) throw new UsageError(`\`--${name}\` is required: ${o.description}`);
  }
  const variadic = spec.arguments.at(-1)?.variadic === true;
  if (!variadic && positionals.length > spec.arguments.length) {
    const extra = positionals[spec.arguments.length]!;
    throw new UsageError(
      spec.arguments.length === 0
        ? `unexpected argument "${extra}"; \`airlock ${spec.path}\` takes options only`
        : `unexpected argument "${extra}"; \`airlock ${spec.path}\` takes ${spec.arguments.length === 1 ? "one argument" : `${spec.arguments.length} arguments`}, ${spec.arguments.map((a) => `<${a.name}>`).join(" ")}`,
    );
  }
  spec.arguments.forEach((a, i) => {
    if (a.required && positionals[i] === undefined) throw new UsageError(`missing <${a.name}>: ${a.description}`);
  });
  return { values: values as Parsed<T>["values"], positionals };
}

/** The command's synopsis: its arguments, its required options, then `[options]`. */
export function synopsis(spec: CommandSpec): string {
  const args = spec.arguments.map((a) => {
    const word = `${a.variadic ? `${a.name}...` : a.name}`;
    return a.required ? `<${word}>` : `[${word}]`;
  });
  const required = Object.entries(spec.options)
    .filter(([, o]) => o.required)
    .map(([name, o]) => `--${name} ${o.arg ?? "<value>"}`);
  const optional = Object.values(spec.options).some((o) => !o.required) ? ["[options]"] : [];
  return ["airlock", spec.path, ...args, ...required, ...optional].join(" ");
}

/** `usage: …` with one synopsis per line, as usage errors print it. */
export function usageLines(specs: readonly CommandSpec[]): string {
  return `usage: ${specs.map(synopsis).join("\n       ")}`;
}

/** The help of a command (and each of its subcommands): synopsis, arguments, every option with its argument and default, examples. */
export function renderHelp(summary: string, specs: readonly CommandSpec[]): string {
  const out: string[] = [usageLines(specs), "", summary];
  for (const spec of specs) {
    if (specs.length > 1) out.push("", `airlock ${spec.path}: ${spec.summary}`);
    if (spec.arguments.length > 0) {
      out.push("", "arguments:");
      const rows = spec.arguments.map((a) => [a.variadic ? `${a.name}...` : a.name, `${a.description}${a.defaultText ? ` (default: ${a.defaultText})` : ""}${a.required ? " (required)" : ""}`] as const);
      out.push(...table(rows));
    }
    out.push("", "options:");
    const rows = Object.entries(spec.options).map(([name, o]) => [optionLabel(name, o), optionText(o)] as const);
    out.push(...table([...rows, ["-h, --help", "print this help"]]));
    for (const note of spec.notes ?? []) out.push("", note);
    if (spec.examples.length > 0) {
      out.push("", "examples:");
      for (const [command, what] of spec.examples) out.push(`  ${command}`, `      ${what}`);
    }
  }
  return `${out.join("\n")}\n`;
}

function optionLabel(name: string, o: OptionSpec): string {
  const value = o.type === "string" ? ` ${o.arg ?? "<value>"}` : "";
  return `${o.short ? `-${o.short}, ` : ""}--${name}${value}`;
}

function optionText(o: OptionSpec): string {
  const parts = [o.description];
  if (o.choices !== undefined) parts.push(`one of ${o.choices.join(", ")}`);
  if (o.multiple) parts.push("may be repeated");
  if (o.required) parts.push("required");
  else if (o.default !== undefined) parts.push(`default: ${o.default}`);
  else if (o.defaultText !== undefined) parts.push(`default: ${o.defaultText}`);
  return parts.length === 1 ? parts[0]! : `${parts[0]} (${parts.slice(1).join("; ")})`;
}

/** Two columns, the text wrapped at 100 characters; a long label puts its text on the next line. */
function table(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.min(32, Math.max(...rows.map(([l]) => l.length)));
  const indent = " ".repeat(width + 4);
  const lines: string[] = [];
  for (const [label, text] of rows) {
    const wrapped = wrap(text, Math.max(40, 100 - indent.length));
    if (label.length > width) lines.push(`  ${label}`);
    else lines.push(`  ${label.padEnd(width)}  ${wrapped.shift() ?? ""}`);
    for (const line of wrapped) lines.push(`${indent}${line}`);
  }
  return lines;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** The known option closest to a mistyped one (at most two edits away), for "did you mean". */
function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/**
 * The subcommand `argv` starts with, and the rest. Refuses a missing or unknown one by name.
 */
export function pickSubcommand<K extends string>(command: string, names: readonly K[], argv: readonly string[]): [K, string[]] {
  const [sub, ...rest] = argv;
  const list = names.map((n) => `\`airlock ${command} ${n}\``);
  const choice = names.length === 1 ? `the only one is \`${names[0]}\`` : `use ${orList(names.map((n) => `\`${n}\``))}`;
  if (sub === undefined) throw new UsageError(`name the subcommand: ${orList(list)}`);
  if (sub.startsWith("-")) throw new UsageError(`name the subcommand before its options: ${orList(list)}`);
  if (!(names as readonly string[]).includes(sub)) throw new UsageError(`unknown subcommand "${sub}"; ${choice}`);
  return [sub as K, rest];
}
