/**
 * Errors raised for bad input. Every problem carries the path of the field it is about
 * (`tools[2].aws[0].actions[1]`) and a message that says what to do about it.
 */

export interface ManifestProblem {
  /** Path of the offending field, e.g. `tools[2].aws[0].actions[1]`; empty for the document root. */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** Renders a path array (as zod reports it) in the `a.b[2].c` form used in every message. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") {
      out += `[${part}]`;
    } else {
      const key = String(part);
      out += /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? (out === "" ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** Marks ManifestErrors across copies of the package (`Symbol.for`: one symbol per process). */
const MANIFEST_ERROR_BRAND = Symbol.for("airlock.ManifestError");

/**
 * Thrown when a manifest (or any input Airlock validates) is invalid. It lists every problem at
 * once, so a team fixes their manifest in one pass rather than one error at a time.
 */
export class ManifestError extends Error {
  readonly problems: readonly ManifestProblem[];
  readonly source: string | undefined;

  constructor(problems: readonly ManifestProblem[], source?: string) {
    const sorted = [...problems].sort((a, b) => comparePaths(a.path, b.path) || a.message.localeCompare(b.message));
    const where = source ? ` (${source})` : "";
    const lines = sorted.map((p) => `  ${p.path || "(root)"}: ${p.message}`);
    super(`invalid agent manifest${where}: ${sorted.length} problem${sorted.length === 1 ? "" : "s"}\n${lines.join("\n")}`);
    this.name = "ManifestError";
    this.problems = sorted;
    this.source = source;
    Object.defineProperty(this, MANIFEST_ERROR_BRAND, { value: true });
  }

  /**
   * `e instanceof ManifestError` holds for a ManifestError from any copy of this package: a program
   * may load another copy than the CLI that catches its errors (a nested install, or sources beside
   * a build), and its manifest errors are still input errors.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MANIFEST_ERROR_BRAND] === true;
  }
}

/** Orders paths so that `tools[2]` sorts before `tools[10]`. */
function comparePaths(a: string, b: string): number {
  const split = (p: string) => p.split(/(\d+)/).map((s, i) => (i % 2 === 1 ? Number(s) : s));
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Collects problems while a check runs, then throws them together. */
export class ProblemList {
  private readonly items: ManifestProblem[] = [];

  add(path: string, message: string): void {
    this.items.push({ path, message });
  }

  get size(): number {
    return this.items.length;
  }

  get all(): readonly ManifestProblem[] {
    return this.items;
  }

  throwIfAny(source?: string): void {
    if (this.items.length > 0) throw new ManifestError(this.items, source);
  }
}

/**
 * Whether an error is a refusal of bad input in Airlock's convention: its message starts with
 * the field it is about, in backticks, then the fix (`` `releases.v2.image`: … ``). Components
 * throw these before creating anything; the CLI exits 2 on them, as on any input error.
 */
export function isFieldError(e: unknown): e is Error {
  if (!(e instanceof Error)) return false;
  if (/^`[^`\n]+`: \S/.test(e.message)) return true;
  // Pulumi's own refusals of stack config (`config.require*`): missing, mistyped, out of range.
  return /^(ConfigMissingError|ConfigTypeError|ConfigEnumError|ConfigRangeError|ConfigPatternError)$/.test(e.constructor.name);
}
