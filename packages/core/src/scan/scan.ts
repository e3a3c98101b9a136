/**
 * The leak scanner behind `airlock scan`: finds credentials in prompts, tool definitions, `.env`
 * files, code and exported conversation logs. Known formats come from SECRET_PATTERNS (the same
 * patterns that mask logs and redact traces); unlabelled secrets are caught as high-entropy values
 * in assignments, with an allowlist for digests, lockfile integrity hashes, ids and images.
 */
import { readdirSync, readFileSync, statSync, openSync, readSync, closeSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { findSecrets, maskSecret, shannonEntropy } from "./secret-patterns.ts";

export interface ScanFinding {
  /** Path as given or relative to the scan root's working directory. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters. */
  readonly column: number;
  /** A SECRET_PATTERNS id, or `HighEntropyString`. */
  readonly patternId: string;
  readonly description: string;
  /** The secret masked for printing (never the value). */
  readonly masked: string;
}

export interface ScanResult {
  readonly findings: readonly ScanFinding[];
  readonly filesScanned: number;
  /** Files left out, with why (binary, too large). Directories in SKIPPED_DIRS are not listed. */
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
}

export interface ScanOptions {
  /** Paths in findings are relative to this directory. @default process.cwd() */
  readonly cwd?: string;
  /** Larger files are skipped (and listed). @default 10 MiB */
  readonly maxFileBytes?: number;
}

export const HIGH_ENTROPY_ID = "HighEntropyString";
/** A line containing this marker is not reported (for test fixtures that hold fake keys on purpose). */
export const SCAN_ALLOW_MARKER = "airlock-scan:allow";
/** Directory names never descended into. */
export const SKIPPED_DIRS: readonly string[] = ["node_modules", ".git"];

/** Key names whose values are secrets by name: a lower entropy bar applies to them. */
const SECRET_KEY = /(secret|token|passw(or)?d|passwd|pwd|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth|credential|signing[_-]?key|(^|[_-])key$)/i;
/** Key names whose values are digests or identifiers, never secrets. */
const NON_SECRET_KEY = /(sha\d*|digest|hash|checksum|integrity|etag|fingerprint|commit|revision|uuid|version|(^|[_-])ids?$|media_?type|mime|(^|[_-])sig$|[a-z]Sig$|signature$)/i;
/** camelCase and SCREAMING identifiers: `requestId`, `toolUseID`. */
const ID_KEY = /[a-z0-9](Id|ID|Ids|IDs)$/;
/** Values that look random but are digests, integrity hashes or public identifiers. */
const NON_SECRET_VALUE = [
  /^(sha1|sha224|sha256|sha384|sha512|md5)[:-]/i,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  // Anthropic API object ids in exported conversations (messages, tool calls, requests, files, batches).
  /^(msg|toolu|srvtoolu|req|file|msgbatch|compl)_[A-Za-z0-9]+$/,
  // Base64 file contents (PNG, JPEG, GIF, WebP, PDF, SVG) in logs of image and document blocks.
  /^(iVBORw0KGgo|\/9j\/|R0lGOD|UklGR|JVBERi0|PHN2Zy|PD94bWwg)/,
];
const TOKEN = /^[A-Za-z0-9+/=_-]+$/;
const HEX = /^[0-9a-fA-F-]+$/;

/**
 * Whether `value`, assigned to `key`, looks like an unlabelled secret by its entropy. Hex strings
 * count only under a secret-looking key (unlabelled hex is almost always a digest or a commit).
 */
export function isHighEntropySecret(key: string, value: string): boolean {
  if (NON_SECRET_KEY.test(key) || ID_KEY.test(key) || NON_SECRET_VALUE.some((re) => re.test(value))) return false;
  if (!TOKEN.test(value)) return false;
  const secretKey = SECRET_KEY.test(key);
  if (value.length < (secretKey ? 16 : 20) || value.length > 512) return false;
  if (looksLikeIdentifier(value) || hasAlphabetRun(value)) return false;
  const entropy = shannonEntropy(value);
  if (HEX.test(value)) return secretKey && value.replace(/-/g, "").length >= 16 && entropy >= 2.5;
  const hasDigit = /[0-9]/.test(value);
  const hasLetter = /[A-Za-z]/.test(value);
  if (secretKey) return hasLetter && (hasDigit || (/[A-Z]/.test(value) && /[a-z]/.test(value))) && entropy >= 3.0;
  return hasDigit && hasLetter && /[A-Z]/.test(value) && /[a-z]/.test(value) && entropy >= Math.min(4.0, 0.8 * Math.log2(value.length));
}

/**
 * Whether a value reads as words (`CancellationToken`, `Uint8Array`, `support-agent-task`): 85% of
 * its characters are in camel-case / `_` / `-` segments that are words (longer ones with a vowel),
 * and at least 28% of its letters are vowels. A random 20-character key passes this test about
 * once in 200 (measured); one of 32 characters about once in 2,000.
 */
export function looksLikeIdentifier(value: string): boolean {
  if (/[/+=]/.test(value)) return false;
  const parts = value
    .split(/[_-]+/)
    .flatMap((p) => p.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/))
    .filter(Boolean);
  if (parts.length === 0) return false;
  const isWord = (p: string): boolean => /^[A-Z]?[a-z]{2,}\d{0,2}$|^[A-Z]{2,5}\d{0,2}$/.test(p) && (p.length < 4 || /[aeiouyAEIOUY]/.test(p));
  // Numbers between words (`ELBSecurityPolicy-2016-08`, `v2`) neither count for nor against.
  const counted = parts.filter((p) => !/^\d+$/.test(p));
  if (counted.length === 0) return false;
  const wordChars = counted.filter(isWord).reduce((n, p) => n + p.length, 0);
  const total = counted.reduce((n, p) => n + p.length, 0);
  const letters = value.replace(/[^A-Za-z]/g, "");
  const vowels = letters.replace(/[^aeiouyAEIOUY]/g, "").length;
  return letters.length > 0 && wordChars / total >= 0.85 && vowels / letters.length >= 0.28;
}

/** Whether the value contains a run of six consecutive characters (`abcdef`, `456789`): an alphabet, not a key. */
function hasAlphabetRun(value: string): boolean {
  let run = 1;
  for (let i = 1; i < value.length; i++) {
    run = value.charCodeAt(i) === value.charCodeAt(i - 1) + 1 ? run + 1 : 1;
    if (run >= 6) return true;
  }
  return false;
}

/**
 * Assignments on one line: `KEY=value` (.env, shell), `key: value` (YAML), `"key": "value"`
 * (JSON, JSONL), `key = "value"` / `key: "value"` / `key => 'value'` (code).
 */
const ASSIGNMENT = /([A-Za-z_$][A-Za-z0-9_.$-]*)["'`]?\s*(?::=|=>|=|:)\s*(["'`]?)(?:(?:Bearer|Basic|Token|token)\s+)?([^\s"'`,;)}\]]+)/g;

/** Source files where an unquoted right-hand side is a reference to a name, not a literal. */
const CODE_FILE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|py|go|java|kt|rb|rs|cs|swift|php|c|h|cc|cpp|hpp|scala)$/i;

/** Findings in one text; `file` is copied into each finding (its extension tells code from config). */
export function scanText(text: string, file: string): ScanFinding[] {
  const out: ScanFinding[] = [];
  const code = CODE_FILE.test(file);
  const lines = text.split(/\r?\n/);
  lines.forEach((lineText, i) => {
    if (lineText.includes(SCAN_ALLOW_MARKER)) return;
    const covered: [number, number][] = [];
    for (const m of findSecrets(lineText)) {
      covered.push([m.index, m.index + m.length]);
      out.push({ file, line: i + 1, column: m.index + 1, patternId: m.patternId, description: m.description, masked: m.masked });
    }
    ASSIGNMENT.lastIndex = 0;
    for (let m = ASSIGNMENT.exec(lineText); m !== null; m = ASSIGNMENT.exec(lineText)) {
      const key = m[1]!;
      const value = m[3]!;
      if (code && m[2] === "") continue;
      const start = m.index + m[0].length - value.length;
      if (covered.some(([a, b]) => start < b && start + value.length > a)) continue;
      if (isHighEntropySecret(key.split(".").pop()!, value)) {
        out.push({
          file,
          line: i + 1,
          column: start + 1,
          patternId: HIGH_ENTROPY_ID,
          description: `high-entropy value assigned to \`${key}\``,
          masked: maskSecret(value),
        });
      }
    }
  });
  return out;
}

function isBinary(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(8000);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).includes(0);
  } finally {
    closeSync(fd);
  }
}

/** Scans files and directories (recursively, skipping node_modules, .git and binary files). */
export function scanPaths(paths: readonly string[], options: ScanOptions = {}): ScanResult {
  const cwd = options.cwd ?? process.cwd();
  const maxBytes = options.maxFileBytes ?? 10 * 1024 * 1024;
  const findings: ScanFinding[] = [];
  const skipped: { file: string; reason: string }[] = [];
  let filesScanned = 0;

  const visit = (abs: string): void => {
    const st = statSync(abs);
    const shown = relative(cwd, abs) || abs;
    if (st.isDirectory()) {
      for (const entry of readdirSync(abs).sort()) {
        if (SKIPPED_DIRS.includes(entry)) continue;
        visit(join(abs, entry));
      }
      return;
    }
    if (!st.isFile()) return;
    if (st.size > maxBytes) {
      skipped.push({ file: shown, reason: `larger than ${maxBytes} bytes` });
      return;
    }
    if (isBinary(abs)) {
      skipped.push({ file: shown, reason: "binary" });
      return;
    }
    filesScanned++;
    findings.push(...scanText(readFileSync(abs, "utf8"), shown));
  };
  for (const p of paths) visit(resolve(cwd, p));
  return { findings, filesScanned, skipped };
}

/** `file:line:column  PatternId  masked  (description)`, one finding per line. */
export function formatScanFinding(f: ScanFinding): string {
  return `${f.file}:${f.line}:${f.column}  ${f.patternId}  ${f.masked}  (${f.description})`;
}
