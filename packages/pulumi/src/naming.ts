/**
 * Physical names: every name Airlock gives an AWS resource is unique to the stack, so any number
 * of stacks of one program (dev and prod) coexist in one account and region, and fits the
 * resource type's length limit even for the longest platform, agent and stack names allowed.
 * A name that would be too long is cut and ends with a hash of the whole name, so two long
 * names that share a beginning still differ.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** The stack as it appears in physical names: lowercase letters, digits and `-`. */
export function stackLabel(stack: string = pulumi.getStack()): string {
  const label = stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  return label === "" ? "stack" : label;
}

/**
 * `parts` joined by `separator` with the stack label inserted after the first part
 * (`airlock-<stack>-…`, `airlock/<stack>/…`), at most `max` characters. When the whole name is
 * longer, it is cut and ends with `-` and the first 8 hex digits of its sha256.
 */
export function stackScopedName(parts: readonly string[], max: number, separator = "-", stack: string = stackLabel()): string {
  if (parts.length === 0) throw new Error("stackScopedName: give at least one part");
  const [first, ...rest] = parts;
  return fitName([first!, stack, ...rest].join(separator), max);
}

/** `name` if it fits in `max` characters, else its beginning, `-` and 8 hex digits of its sha256. */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  if (max < 16) throw new Error(`fitName: a limit of ${max} characters leaves no room for a hash`);
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, max - 9).replace(/[-_/.]+$/, "")}-${hash}`;
}
