import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level, so equal values always serialise the same. Every
 * key JSON can carry is kept, `__proto__` included (`JSON.parse` makes it an own property; a copy
 * made by assignment would call its setter and drop it from the hash).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) setOwn(out, k, sortKeys(v));
    }
    return out;
  }
  return value;
}

/**
 * Sets `key` as an own enumerable property, as `JSON.parse` does, whatever the key (`out[key] = v`
 * with `key` "__proto__" calls the prototype setter instead of adding a key). For copies of JSON.
 */
export function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The SHA-256 digest of `text`, as 64 lowercase hex characters. */
export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Whether `value` nests objects or arrays deeper than `max` levels (checked without recursion, so
 * a hostile depth cannot overflow the stack here as it would in `canonicalJson`).
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d >= max) return true;
    for (const x of Object.values(v)) stack.push([x, d + 1]);
  }
  return false;
}

/**
 * Fields of a compiled model (`AgentModel`) that its `hash` does not cover: where it was compiled
 * (`promptFile`, `manifestDir`), its findings, the hash itself, and the image it runs in (`image`,
 * and the sandbox's `image`). The image ships the model (`agent-model.json`), so the model cannot
 * name the image's own digest; and the model a stack builds from source (`image: {build}`) must hash
 * like the same manifest pinned by digest, so an image built in dev is the one prod runs.
 */
export const MODEL_UNHASHED_FIELDS: readonly string[] = ["hash", "promptFile", "manifestDir", "findings", "image"];

/**
 * The hash of a compiled model's content: sha256 of its canonical JSON without
 * {@link MODEL_UNHASHED_FIELDS} (and without `sandbox.image`). `compile` sets `AgentModel.hash` to
 * it; the runtime recomputes it on the shipped model and checks it against the task's
 * `AIRLOCK_MODEL_HASH`.
 */
export function modelContentHash(model: Readonly<Record<string, unknown>>): string {
  const content: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(model)) {
    if (MODEL_UNHASHED_FIELDS.includes(k)) continue;
    if (k === "sandbox" && v !== null && typeof v === "object" && !Array.isArray(v)) {
      const { image: _image, ...rest } = v as Record<string, unknown>;
      setOwn(content, k, rest);
    } else setOwn(content, k, v);
  }
  return sha256(canonicalJson(content));
}
