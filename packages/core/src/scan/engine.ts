/**
 * The one detection engine behind the leak scanner (`airlock scan`), the manifest and plan checks,
 * the tracer's and the approvals' redaction: vendor formats (`rules.ts`) plus Airlock's context
 * rules:
 *   - values under secret names (`OPENAI_API_KEY=…`, `"password": "…"`, `X-Service-Key: …`,
 *     `--token …`, `aws configure set aws_secret_access_key …`, YAML block scalars, `name`/`value`
 *     pairs), judged by the name's strength and the value's entropy and character classes;
 *   - passwords in connection URLs (`postgres://user:password@host`, `rediss://:pw@…`, `mongodb+srv://…`);
 *   - whole PEM private-key blocks (header, body and footer; across `\n` escapes);
 *   - text inside JSON-escaped strings (`\n`, `\u002d`, `\/`), decoded and searched again;
 *   - base64-wrapped text (Kubernetes Secrets, a base64 `.env`), decoded and searched again.
 *
 * Documented example keys (AWS's `AKIAIOSFODNN7EXAMPLE`, values ending `EXAMPLE`/`EXAMPLEKEY`) and
 * placeholders (`xxxx…`, `****`, `<token>`, `${VAR}`, `{{ secrets.X }}`, `changeme`, `your-…`) are
 * matched but marked `example`: the scanner and the manifest checks do not report them (they are
 * no leak), the redactors still hide them (hiding costs nothing, and a real key that happens to
 * look like one is never shown).
 *
 * Names are judged in `names.ts`, values in `values.ts`. Pure and synchronous, no Node built-ins:
 * it is bundled into the approval gateway's Lambda.
 */
import { nameStrength } from "./names.ts";
import { FORMAT_RULES, type FormatRule } from "./rules.ts";
import { decodeBase64Text, isHighEntropySecret, isMostlyRepeated, isPlaceholder } from "./values.ts";

export interface Detection {
  readonly id: string;
  readonly description: string;
  /** Offset in the searched text. */
  readonly index: number;
  readonly length: number;
  /** A documented example or a placeholder: redacted, not reported. */
  readonly example: boolean;
}

export interface DetectOptions {
  /**
   * The text is the value of this name (an object key in a trace, an environment variable): the
   * whole text is judged as a value assigned to it, as the scanner judges `NAME=value`.
   */
  readonly key?: string;
  /** Source code: an unquoted right-hand side is an expression, not a literal. @default false */
  readonly code?: boolean;
  /** Only the vendor formats, URL passwords and PEM blocks (for binary files). @default false */
  readonly formatsOnly?: boolean;
}

export const HIGH_ENTROPY_ID = "HighEntropyString";
export const URL_PASSWORD_ID = "UrlPassword";
export const PRIVATE_KEY_ID = "PrivateKey";

const compiled = FORMAT_RULES.map((rule) => ({ rule, re: new RegExp(rule.regex, "g") }));

// --- text views --------------------------------------------------------------------------------

const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f", "/": "/", '"': '"', "'": "'", "\\": "\\" };

/** JSON-style escapes decoded, with each decoded character's offset in the raw text. */
function decodeEscapes(text: string): { text: string; map: Int32Array } | undefined {
  if (!/\\(?:u[0-9a-fA-F]{4}|[/nrtbf"'\\])/.test(text)) return undefined;
  const parts: string[] = [];
  const map = new Int32Array(text.length + 1);
  let n = 0;
  let from = 0;
  for (let i = text.indexOf("\\"); i !== -1 && i + 1 < text.length; i = text.indexOf("\\", from)) {
    // The plain run before the backslash, copied whole.
    parts.push(text.slice(from, i));
    for (let k = from; k < i; k++) map[n++] = k;
    const c = text[i + 1]!;
    let decoded: string | undefined;
    let width = 2;
    if (c === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      decoded = String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      width = 6;
    } else decoded = SIMPLE_ESCAPES[c];
    if (decoded === undefined) {
      decoded = "\\";
      width = 1;
    }
    parts.push(decoded);
    map[n++] = i;
    from = i + width;
  }
  parts.push(text.slice(from));
  for (let k = from; k < text.length; k++) map[n++] = k;
  map[n] = text.length;
  return { text: parts.join(""), map: map.subarray(0, n + 1) };
}

// --- context rules -----------------------------------------------------------------------------

/** `-----BEGIN … PRIVATE KEY-----` to its footer, or to the end of the base64 that follows. */
const PEM_BEGIN = /-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-[0-9]: /g;
const PEM_END = /-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----|Private-MAC: [0-9a-f]+/g;
const PEM_BODY = /^(?:[A-Za-z0-9+/=\s]|\\[nr]|\\\\[nr]|[A-Za-z-]+: [^\n\\]*|"\s*\+?\s*"|,)*/;

function pemBlocks(text: string, out: Detection[]): void {
  PEM_BEGIN.lastIndex = 0;
  for (let m = PEM_BEGIN.exec(text); m !== null; m = PEM_BEGIN.exec(text)) {
    const start = m.index;
    PEM_END.lastIndex = start + m[0].length;
    const end = PEM_END.exec(text);
    let stop: number;
    if (end !== null && end.index - start < 65_536) stop = end.index + end[0].length;
    else {
      const body = PEM_BODY.exec(text.slice(start + m[0].length, start + m[0].length + 65_536));
      stop = start + m[0].length + (body?.[0].length ?? 0);
      while (stop > start + m[0].length && /[\s"\\n,]/.test(text[stop - 1]!)) stop--;
    }
    out.push({ id: PRIVATE_KEY_ID, description: "PEM private key", index: start, length: stop - start, example: false });
    PEM_BEGIN.lastIndex = stop;
  }
}

/** `scheme://user:password@host`: the password (an empty user is allowed: `rediss://:pw@host`). */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]{1,20}):\/\/([^\s:/?#@'"`<>]{0,128}):([^\s/?#'"`<>]{1,256})@(?=[A-Za-z0-9[])/gi;

function urlPasswords(text: string, out: Detection[]): void {
  URL_CREDENTIALS.lastIndex = 0;
  for (let m = URL_CREDENTIALS.exec(text); m !== null; m = URL_CREDENTIALS.exec(text)) {
    let password = m[3]!;
    // A password holding `@` unencoded: the host starts after the last one.
    const start = m.index + m[1]!.length + 3 + m[2]!.length + 1;
    if (password.includes("@")) password = password.slice(0, password.lastIndexOf("@"));
    const user = m[2]!;
    const example = isPlaceholder(password) || /^(?:password|pass|pwd|secret|user|username|dbpassword|db_password)$/i.test(password) || /^[<{$%]/.test(user) && /^[<{$%]/.test(password);
    if (password.length === 0) continue;
    out.push({ id: URL_PASSWORD_ID, description: `password in a ${m[1]!.toLowerCase()} URL`, index: start, length: password.length, example });
  }
}

/** `name` then a separator then a value: `=`, `:`, `:=`, `=>`, `<-`, or a space after a flag or a snake/kebab name. */
const ASSIGNMENT =
  /(?<![A-Za-z0-9_$.:/-])(--?)?([A-Za-z_$][A-Za-z0-9_.$-]{0,80}?)(["'`]?\]?)(?:[ \t]*(?::=|=>|<-|=|:)[ \t]*|[ \t]+(?:(?:is|was|are|equals|of)[ \t]+)?(?=["'`]?[^\s"'`=:]{8,}))(["'`]?)(?:(?:Bearer|Basic|Token|token|bearer|Digest|ApiKey|Key)[ \t]+)?/g;
/** `name: |` / `name: >-` and the indented lines under it. */
const BLOCK_SCALAR = /^([ \t]*)(?:- )?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?[ \t]*:[ \t]*[|>][-+]?[0-9]?[ \t]*\r?\n((?:[ \t]*\r?\n)*)(\1[ \t]+)(\S[^\n]*)/gm;
/** `{"name": "API_KEY", "value": "…"}` and `- name: API_KEY\n  value: …` (container environments). */
const NAME_VALUE = /["']?name["']?[ \t]*[:=][ \t]*["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?[ \t]*(?:,[ \t]*|\r?\n[ \t]*)["']?value["']?[ \t]*[:=][ \t]*(["']?)/g;
const LONG_TOKEN = /[A-Za-z0-9+/_-]{32}/;
const KEYWORD = /pass|pwd|secret|token|key|auth|cred|cookie|session|bearer|dsn|webhook|pat|pin|sk/i;

/** The value starting at `at` (after an optional opening quote `q`); its end. */
function valueAt(text: string, at: number, q: string, urlQuery: boolean): [number, number] | undefined {
  if (q !== "") {
    let i = at;
    const limit = Math.min(text.length, at + 1100);
    while (i < limit && text[i] !== q && text[i] !== "\n") {
      if (text[i] === "\\" && i + 1 < limit) i++;
      i++;
    }
    if (i >= limit || text[i] !== q) return undefined;
    return [at, i];
  }
  let i = at;
  const limit = Math.min(text.length, at + 1100);
  while (i < limit && !/[\s"'`]/.test(text[i]!) && !(urlQuery && (text[i] === "&" || text[i] === "#"))) i++;
  let end = i;
  while (end > at && /[,;)}\]>]/.test(text[end - 1]!)) end--;
  return end > at ? [at, end] : undefined;
}

function assignments(text: string, code: boolean, out: Detection[]): void {
  // Secret names, or a token long enough to be judged under any name.
  if (!KEYWORD.test(text) && !LONG_TOKEN.test(text)) return;
  ASSIGNMENT.lastIndex = 0;
  for (let m = ASSIGNMENT.exec(text); m !== null; m = ASSIGNMENT.exec(text)) {
    const flag = m[1] ?? "";
    const key = m[2]!;
    const closing = m[3]!;
    const q = m[4]!;
    const spaced = !/[=:]|<-/.test(m[0].slice(flag.length + key.length + closing.length, m[0].length - q.length));
    if (m[0].length === flag.length + key.length + closing.length) continue;
    // Most names (`level`, `ts`, `path`) say nothing: only a long token can be a secret under them.
    const mentions = KEYWORD.test(key);
    if (!mentions && spaced) continue;
    const strength = mentions ? nameStrength(key) : "none";
    if (strength === "never" || strength === "none" && spaced) continue;
    // A space separates a name from its value only for flags and snake/kebab names (`--token x`, `aws_secret_access_key x`).
    if (spaced && flag === "" && !/[_-]/.test(key) && strength !== "strong") continue;
    if (spaced && flag === "" && !/[_-]/.test(key) && !/^(?:Bearer|Basic|Token|token)\b/.test(text.slice(m.index + m[0].length - 7))) {
      // `password hunter2` in prose is no assignment; `PGPASSWORD x` is rare enough.
      if (!/[_-]/.test(key)) continue;
    }
    const at = m.index + m[0].length;
    const prev = m.index > 0 ? text[m.index - 1] : "";
    const v = valueAt(text, at, q, prev === "?" || prev === "&");
    if (v === undefined) continue;
    if (code && q === "" && !spaced) {
      ASSIGNMENT.lastIndex = Math.max(ASSIGNMENT.lastIndex, at);
      continue;
    }
    if (!mentions && v[1] - v[0] < 32) continue;
    const value = text.slice(v[0], v[1]);
    if (isHighEntropySecret(key.split(".").pop()!, value)) {
      out.push({ id: HIGH_ENTROPY_ID, description: `high-entropy value assigned to \`${key}\``, index: v[0], length: v[1] - v[0], example: false });
      ASSIGNMENT.lastIndex = Math.max(ASSIGNMENT.lastIndex, v[1]);
    }
  }
  BLOCK_SCALAR.lastIndex = 0;
  for (let m = BLOCK_SCALAR.exec(text); m !== null; m = BLOCK_SCALAR.exec(text)) {
    const value = m[5]!.trimEnd();
    const index = m.index + m[0].length - m[5]!.length;
    if (isHighEntropySecret(m[2]!, value)) out.push({ id: HIGH_ENTROPY_ID, description: `high-entropy value assigned to \`${m[2]!}\``, index, length: value.length, example: false });
  }
  NAME_VALUE.lastIndex = 0;
  for (let m = NAME_VALUE.exec(text); m !== null; m = NAME_VALUE.exec(text)) {
    const v = valueAt(text, m.index + m[0].length, m[2]!, false);
    if (v === undefined) continue;
    if (isHighEntropySecret(m[1]!, text.slice(v[0], v[1]))) out.push({ id: HIGH_ENTROPY_ID, description: `high-entropy value assigned to \`${m[1]!}\``, index: v[0], length: v[1] - v[0], example: false });
  }
}

function formats(text: string, out: Detection[]): void {
  for (const { rule, re } of compiled) {
    if (!rule.keywords.some((k) => text.includes(k))) continue;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      out.push({ id: rule.id, description: rule.description, index: m.index, length: m[0].length, example: isPlaceholder(m[0]) || isExampleBody(rule, m[0]) });
      if (m[0].length === 0) re.lastIndex++;
    }
  }
}

/** A vendor prefix with a placeholder body (`ghp_` and 36 `x`, `sk-ant-api03-XXXX…AA`). */
function isExampleBody(rule: FormatRule, match: string): boolean {
  const body = match.replace(/^[A-Za-z0-9]+[-_.]/, "");
  if (isMostlyRepeated(body)) return true;
  return rule.id === "AwsAccessKeyId" && /EXAMPLE$/.test(match);
}

/** Base64 runs that decode to text holding a secret: the whole run is the finding. */
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{24,}={0,2}(?![A-Za-z0-9+/=_-])/g;

function base64Wrapped(text: string, depth: number, out: Detection[]): void {
  // The runs first: searching a decoded run calls this again, which moves BASE64_RUN's lastIndex.
  const runs: { index: number; run: string }[] = [];
  BASE64_RUN.lastIndex = 0;
  let budget = 1 << 20;
  for (let m = BASE64_RUN.exec(text); m !== null && budget > 0; m = BASE64_RUN.exec(text)) {
    const run = m[0];
    if (run.length % 4 === 1 || /^eyJ|^[A-Za-z_]+$|^[0-9a-f]+$/.test(run)) continue;
    budget -= run.length;
    runs.push({ index: m.index, run });
  }
  for (const { index, run } of runs) {
    const decoded = decodeBase64Text(run.length > 262_144 ? run.slice(0, 262_144) : run);
    if (decoded === undefined) continue;
    const inner = detectIn(decoded, { formatsOnly: false }, depth + 1).filter((d) => !d.example);
    if (inner.length > 0) {
      const first = inner[0]!;
      out.push({ id: first.id, description: `${first.description} (base64-encoded)`, index, length: run.length, example: false });
    }
  }
}

function detectIn(text: string, options: DetectOptions, depth: number): Detection[] {
  const out: Detection[] = [];
  if (text.length < 8) return out;
  formats(text, out);
  if (text.includes("PRIVATE KEY") || text.includes("PuTTY-User-Key-File")) pemBlocks(text, out);
  if (text.includes("://")) urlPasswords(text, out);
  // With JSON escapes in the text, the context rules read the decoded text (below) instead.
  const view = depth < 2 ? decodeEscapes(text) : undefined;
  if (!options.formatsOnly && view === undefined) {
    assignments(text, options.code === true, out);
    if (depth < 2) base64Wrapped(text, depth, out);
  }
  {
    if (view !== undefined) {
      for (const d of detectIn(view.text, options, depth + 1)) {
        const start = view.map[d.index]!;
        const end = view.map[d.index + d.length] ?? text.length;
        out.push({ ...d, index: start, length: end - start });
      }
    }
  }
  return merge(out);
}

/**
 * Overlapping detections keep the earlier, then the longer; a vendor format or a PEM block wins
 * over a value judged by its name and entropy; a real one clears an overlapping example.
 */
function merge(found: Detection[]): Detection[] {
  const order = (a: Detection, b: Detection) => a.index - b.index || b.length - a.length || Number(a.example) - Number(b.example);
  const greedy = (list: Detection[]): Detection[] => {
    const kept: Detection[] = [];
    let end = -1;
    for (const d of list.sort(order)) {
      if (d.index >= end) {
        kept.push(d);
        end = d.index + d.length;
      } else if (!d.example && kept[kept.length - 1]!.example) kept[kept.length - 1] = { ...kept[kept.length - 1]!, example: false };
    }
    return kept;
  };
  const strong = greedy(found.filter((x) => x.id !== HIGH_ENTROPY_ID));
  const weak = greedy(found.filter((x) => x.id === HIGH_ENTROPY_ID));
  if (weak.length === 0) return strong;
  // Both lists are sorted and non-overlapping: walk them together.
  const out: Detection[] = [];
  let j = 0;
  for (const w of weak) {
    while (j < strong.length && strong[j]!.index + strong[j]!.length <= w.index) out.push(strong[j++]!);
    if (j < strong.length && strong[j]!.index < w.index + w.length) {
      // A value judged by its name that holds a format match and more (`api_key=IQoJ…%2F…`): the
      // format names it, the value's span is what goes.
      const s = strong[j]!;
      const start = Math.min(s.index, w.index);
      strong[j] = { ...s, index: start, length: Math.max(s.index + s.length, w.index + w.length) - start };
      continue;
    }
    out.push(w);
  }
  while (j < strong.length) out.push(strong[j++]!);
  return out;
}

/** Every credential in `text`, by position (examples and placeholders marked `example`). */
export function detectSecrets(text: string, options: DetectOptions = {}): Detection[] {
  const found = detectIn(text, options, 0);
  if (options.key !== undefined && found.length === 0) {
    const v = text.trim();
    if (v.length > 0 && isHighEntropySecret(options.key, v)) {
      return [{ id: HIGH_ENTROPY_ID, description: `high-entropy value assigned to \`${options.key}\``, index: text.indexOf(v), length: v.length, example: false }];
    }
  }
  return found;
}
