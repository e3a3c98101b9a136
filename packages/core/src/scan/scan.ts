/**
 * The leak scanner behind `airlock scan`: finds credentials in prompts, tool definitions, `.env`
 * files, code, notebooks, shell history and exported conversation logs, with the one detection
 * engine the redactors and the log masking use (`engine.ts`). Files of any size are read in
 * chunks (bounded memory: a window of about `chunkBytes` plus an overlap, so a PEM block or a YAML
 * block scalar across a chunk edge is still seen whole); a file that cannot be read is a finding
 * (`Unscannable`), never a silent skip. Binary files are searched for the vendor formats, URL
 * passwords and PEM blocks (a key inside a SQLite file or a core dump is still a leak).
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { detectSecrets, HIGH_ENTROPY_ID } from "./engine.ts";
import { maskSecret } from "./secret-patterns.ts";

export { HIGH_ENTROPY_ID };

export interface ScanFinding {
  /** Path as given or relative to the scan root's working directory. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters. */
  readonly column: number;
  /** Characters the finding covers in the file as written (escaped or encoded). */
  readonly length: number;
  /** A SECRET_PATTERNS id, `HighEntropyString`, or `Unscannable`. */
  readonly patternId: string;
  readonly description: string;
  /** The secret masked for printing (never the value). */
  readonly masked: string;
}

export interface ScanResult {
  /** The findings, unless `onFinding` took them. */
  readonly findings: readonly ScanFinding[];
  /** How many findings there were (with `onFinding`, `findings` is empty). */
  readonly findingCount: number;
  readonly filesScanned: number;
  readonly bytesScanned: number;
  /** Files that could not be read, with why; each is also an `Unscannable` finding. */
  readonly unscannable: readonly { readonly file: string; readonly reason: string }[];
}

export interface ScanOptions {
  /** Paths in findings are relative to this directory. @default process.cwd() */
  readonly cwd?: string;
  /** Called with each finding as it is found (then `findings` is not kept): for output that streams. @default - findings are collected */
  readonly onFinding?: (finding: ScanFinding) => void;
  /** Bytes read at a time; memory stays within a few times this, whatever the file's size. @default 1 MiB */
  readonly chunkBytes?: number;
}

export const UNSCANNABLE_ID = "Unscannable";
/** A line containing this marker is not reported (for test fixtures that hold fake keys on purpose). */
export const SCAN_ALLOW_MARKER = "airlock-scan:allow";
/** Directory names never descended into. */
export const SKIPPED_DIRS: readonly string[] = ["node_modules", ".git"];

/** Source files where an unquoted right-hand side is a reference to a name, not a literal. */
const CODE_FILE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|py|go|java|kt|rb|rs|cs|swift|php|c|h|cc|cpp|hpp|scala)$/i;
/** Characters of the previous window searched again with the next (a 4096-bit RSA PEM block is about 3.3 KB). */
const OVERLAP = 16_384;

interface Position {
  line: number;
  column: number;
}

/** Line and column of offset `at` of `text`, whose first character is at `base`. */
function positionAt(text: string, at: number, base: Position): Position {
  let line = base.line;
  let lastNl = -1;
  for (let i = text.indexOf("\n"); i !== -1 && i < at; i = text.indexOf("\n", i + 1)) {
    line++;
    lastNl = i;
  }
  return lastNl === -1 ? { line, column: base.column + at } : { line, column: at - lastNl };
}

/** Findings in one window of text: those starting in `[from, to)`. */
function scanWindow(text: string, from: number, to: number, base: Position, file: string, code: boolean, binary: boolean, emit: (f: ScanFinding) => void): void {
  const found = detectSecrets(text, { code, formatsOnly: binary }).filter((d) => !d.example && d.index >= from && d.index < to);
  if (found.length === 0) return;
  let pos = base;
  let at = 0;
  for (const d of found) {
    pos = positionAt(text.slice(at, d.index), d.index - at, pos);
    at = d.index;
    const lineStart = text.lastIndexOf("\n", d.index - 1) + 1;
    const lineEnd = text.indexOf("\n", d.index);
    if (text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd).includes(SCAN_ALLOW_MARKER)) continue;
    emit({ file, line: pos.line, column: pos.column, length: d.length, patternId: d.id, description: d.description, masked: maskSecret(text.slice(d.index, d.index + d.length)) });
  }
}

/**
 * Findings in one text; `file` is copied into each finding (its extension tells code from
 * config). Holds the whole text: for files, {@link scanPaths} reads in chunks.
 */
export function scanText(text: string, file: string): ScanFinding[] {
  const out: ScanFinding[] = [];
  scanWindow(text, 0, text.length, { line: 1, column: 1 }, file, CODE_FILE.test(file), false, (f) => out.push(f));
  return out;
}

/** Scans one file in chunks; returns the bytes read. Throws what the file system throws. */
function scanFile(abs: string, shown: string, chunkBytes: number, emit: (f: ScanFinding) => void): number {
  const fd = openSync(abs, "r");
  try {
    const buf = Buffer.alloc(chunkBytes);
    const code = CODE_FILE.test(abs);
    let first = true;
    let binary = false;
    let decoder = new StringDecoder("utf8");
    // The window is the tail kept from the last one (context before) and the new text; each window
    // reports what starts in the part it owns, which ends OVERLAP / 2 before its end (context after).
    let carry = "";
    let carryPos: Position = { line: 1, column: 1 };
    let ownFrom = 0;
    let total = 0;
    const window = (text: string, final: boolean): void => {
      const keep = final ? text.length : Math.max(0, text.length - OVERLAP);
      const ownTo = final ? text.length : Math.max(keep, text.length - OVERLAP / 2);
      if (ownTo > ownFrom) scanWindow(text, ownFrom, ownTo, carryPos, shown, code, binary, emit);
      carryPos = positionAt(text, keep, carryPos);
      carry = text.slice(keep);
      ownFrom = Math.max(0, ownTo - keep);
    };
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      const bytes = buf.subarray(0, n);
      if (first) {
        binary = bytes.subarray(0, 8000).includes(0);
        if (binary) decoder = new StringDecoder("latin1");
        first = false;
      }
      // In a binary file a NUL ends a string, as a line break ends one in text.
      window(carry + decoder.write(binary ? Buffer.from(bytes.map((b) => (b === 0 ? 0x0a : b))) : bytes), false);
    }
    window(carry + decoder.end(), true);
    return total;
  } finally {
    closeSync(fd);
  }
}

/** Scans files and directories (recursively, skipping node_modules and .git). */
export function scanPaths(paths: readonly string[], options: ScanOptions = {}): ScanResult {
  const cwd = options.cwd ?? process.cwd();
  const chunkBytes = Math.max(4096, options.chunkBytes ?? 1 << 20);
  const findings: ScanFinding[] = [];
  const unscannable: { file: string; reason: string }[] = [];
  let findingCount = 0;
  let filesScanned = 0;
  let bytesScanned = 0;
  const emit = (f: ScanFinding): void => {
    findingCount++;
    if (options.onFinding) options.onFinding(f);
    else findings.push(f);
  };
  const cannot = (shown: string, reason: string): void => {
    unscannable.push({ file: shown, reason });
    emit({ file: shown, line: 1, column: 1, length: 0, patternId: UNSCANNABLE_ID, description: `could not be scanned (${reason}); a file that is not scanned may hold a credential`, masked: "" });
  };
  const seenDirs = new Set<string>();

  const visit = (abs: string): void => {
    const shown = relative(cwd, abs) || abs;
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      const link = (() => {
        try {
          return lstatSync(abs).isSymbolicLink();
        } catch {
          return false;
        }
      })();
      return cannot(shown, link ? `a symbolic link to nothing (${codeOf(e)})` : codeOf(e));
    }
    if (st.isDirectory()) {
      let real: string;
      let entries: string[];
      try {
        real = realpathSync(abs);
        entries = readdirSync(abs).sort();
      } catch (e) {
        return cannot(shown, codeOf(e));
      }
      if (seenDirs.has(real)) return;
      seenDirs.add(real);
      for (const entry of entries) {
        if (SKIPPED_DIRS.includes(entry)) continue;
        visit(join(abs, entry));
      }
      return;
    }
    if (!st.isFile()) return cannot(shown, "not a regular file (a socket, FIFO or device)");
    try {
      bytesScanned += scanFile(abs, shown, chunkBytes, emit);
      filesScanned++;
    } catch (e) {
      cannot(shown, codeOf(e));
    }
  };
  for (const p of paths) visit(resolve(cwd, p));
  return { findings, findingCount, filesScanned, bytesScanned, unscannable };
}

function codeOf(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  return typeof err.code === "string" ? err.code : String(err.message ?? e);
}

/** `file:line:column  PatternId  masked  (description)`, one finding per line. */
export function formatScanFinding(f: ScanFinding): string {
  return f.patternId === UNSCANNABLE_ID ? `${f.file}  ${f.patternId}  (${f.description})` : `${f.file}:${f.line}:${f.column}  ${f.patternId}  ${f.masked}  (${f.description})`;
}
