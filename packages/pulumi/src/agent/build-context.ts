/**
 * A digest of a Docker build context as the build sees it: the files `.dockerignore` lets through
 * (Docker's rules: patterns in order, `!` re-includes, the last match wins, a pattern that matches a
 * directory matches everything under it, `**` any number of directories), their modes and contents,
 * the Dockerfile (always sent) and the build's target and platform. Two contexts that build
 * differently hash differently, so the tag made from it is unique to the content and an IMMUTABLE
 * repository never refuses the push (review S1). When in doubt (a pattern this reader does not
 * understand) a file is kept: a spare file only makes a new tag, a missed one could reuse an old one.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { sha256 } from "@airlock/core/hash";

/** One `.dockerignore` line: the path pattern as a regular expression, and whether it re-includes (`!`). */
interface IgnoreRule {
  readonly exclude: boolean;
  readonly re: RegExp | undefined;
  /** The pattern's literal start (before any wildcard), to skip directories nothing re-includes. */
  readonly literal: string;
}

/** Docker's path pattern (Go's filepath.Match plus `**`) as an anchored regular expression; undefined when it cannot be read. */
function patternRegExp(pattern: string): RegExp | undefined {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        // `**/` or a trailing `**`: any number of path segments.
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          out += "(?:.*/)?";
        } else out += ".*";
      } else out += "[^/]*";
    } else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) return undefined;
      const body = pattern.slice(i + 1, end).replace(/^\^/, "!");
      out += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else if (c === "\\") {
      const next = pattern[++i];
      if (next === undefined) return undefined;
      out += next.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  try {
    return new RegExp(`^${out}$`);
  } catch {
    return undefined;
  }
}

/** The rules of a `.dockerignore` text (comments and blank lines dropped, each pattern cleaned as Docker does). */
export function dockerignoreRules(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const exclude = !line.startsWith("!");
    if (!exclude) line = line.slice(1).trim();
    // Docker cleans the pattern: no leading `/` or `./`, no trailing `/`, `a//b` → `a/b`.
    line = line.replace(/\/+/g, "/").replace(/^(\.\/|\/)+/, "").replace(/\/$/, "");
    if (line === "" || line === ".") continue;
    rules.push({ exclude, re: patternRegExp(line), literal: line.split(/[*?[\\]/)[0]! });
  }
  return rules;
}

/** Whether `path` (relative, `/`-separated) is left out of the context: the last rule that matches it or a directory above it decides. */
export function isIgnored(rules: readonly IgnoreRule[], path: string): boolean {
  const parts = path.split("/");
  let ignored = false;
  for (const rule of rules) {
    // A pattern this reader cannot parse never excludes (the file is kept), and still re-includes.
    if (rule.re === undefined) {
      if (!rule.exclude) ignored = false;
      continue;
    }
    for (let n = 1; n <= parts.length; n++) {
      if (rule.re.test(parts.slice(0, n).join("/"))) {
        ignored = rule.exclude;
        break;
      }
    }
  }
  return ignored;
}

/** What else decides the image besides the context's files. */
export interface BuildInputs {
  /** The build context directory. */
  readonly context: string;
  /** The Dockerfile (hashed whether or not the context holds it). */
  readonly dockerfile: string;
  readonly platform?: string;
  readonly target?: string;
}

/**
 * sha256 over the files the build sends (path, mode, content or link target, in path order), the
 * Dockerfile, the platform and the target. `files` is {@link contextFileEntries} of the context,
 * given when several images are built from one context so it is read once.
 */
export function buildContextHash(inputs: BuildInputs, files: readonly string[] = contextFileEntries(inputs.context)): string {
  return sha256(
    [`dockerfile\0${sha256(readFileSync(inputs.dockerfile))}`, `platform\0${inputs.platform ?? ""}`, `target\0${inputs.target ?? ""}`, ...files].join("\n"),
  );
}

/** The files a build of `context` sends, as `.dockerignore` selects them: one entry each (path, mode, content or link target), in path order. */
export function contextFileEntries(context: string): string[] {
  let ignoreText = "";
  try {
    ignoreText = readFileSync(join(context, ".dockerignore"), "utf8");
  } catch {
    // No .dockerignore: the whole directory is sent.
  }
  const rules = dockerignoreRules(ignoreText);
  const reincludes = rules.filter((r) => !r.exclude);
  const entries: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const rel = relative(context, abs).split(sep).join("/");
      const st = lstatSync(abs);
      const ignored = isIgnored(rules, rel);
      if (st.isDirectory()) {
        // An ignored directory is still read when a `!` rule may re-include something in it.
        if (!ignored || reincludes.some((r) => r.re === undefined || r.literal.startsWith(`${rel}/`) || r.literal === "" || `${rel}/`.startsWith(`${r.literal}`))) walk(abs);
        continue;
      }
      if (ignored) continue;
      const body = st.isSymbolicLink() ? `link:${readlinkSync(abs)}` : sha256(readFileSync(abs));
      entries.push(`${rel}\0${(st.mode & 0o777).toString(8)}\0${body}`);
    }
  };
  walk(context);
  return entries;
}
