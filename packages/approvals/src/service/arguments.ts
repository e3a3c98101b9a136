/**
 * What the service refuses in a request's arguments (and in an approver's edit) before anything is
 * stored, on every path into it (the gateway, Socket Mode, a caller's own service): JSON nested
 * deeper than `MAX_ARGUMENT_DEPTH` (redaction and hashing recurse; a hostile depth overflowed the
 * stack), and text the store cannot keep as it is. PostgreSQL's jsonb holds no U+0000 and no lone
 * UTF-16 surrogate, so the audit log's `jsonSafe` replaces them with U+FFFD: approvers would see
 * (and two keys could collapse into) something other than what is hashed and what the tool
 * receives. Such arguments are refused, naming the path, instead of shown altered.
 */
import { nestsDeeperThan } from "@airlock/core/hash";

/** How deep a request's arguments may nest. */
export const MAX_ARGUMENT_DEPTH = 64;

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The problem with `args` as a request's arguments (a message naming the field, `field` and its
 * path inside), or undefined.
 */
export function argumentsProblem(args: unknown, field = "action.arguments"): string | undefined {
  if (nestsDeeperThan(args, MAX_ARGUMENT_DEPTH)) return `\`${field}\`: nests deeper than ${MAX_ARGUMENT_DEPTH} levels; pass flatter arguments`;
  const stack: [unknown, string][] = [[args, field]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === "string") {
      if (UNSTORABLE.test(v)) return `\`${path}\`: holds U+0000 or a lone UTF-16 surrogate, which cannot be stored or shown as it is; send valid Unicode text`;
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    for (const [k, x] of Object.entries(v)) {
      if (UNSTORABLE.test(k)) return `\`${path}\`: a key holds U+0000 or a lone UTF-16 surrogate, which cannot be stored or shown as it is; send valid Unicode text`;
      stack.push([x, `${path}.${k}`]);
    }
  }
  return undefined;
}
