/**
 * Reading `agent.yaml` from disk. YAML syntax errors are reported with their line and column; so
 * are bytes that are not UTF-8, tags outside YAML's core schema (`!!js/function`, `!include`,
 * YAML 1.1's `!!binary`/`!!set`) and alias expansion past `MAX_YAML_ALIASES` (an alias bomb).
 */
import { readFileSync, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isAlias, isPair, isSeq, isScalar, parseDocument, visit, type Document } from "yaml";
import { ManifestError, type ManifestProblem } from "../errors.ts";
import { compile } from "../compile/compile.ts";
import type { AgentModel } from "../compile/model.ts";

/** How many alias nodes a manifest's YAML may expand to (the yaml library's `maxAliasCount`). */
export const MAX_YAML_ALIASES = 100;

/** The tags of YAML 1.2's core schema: the only types a manifest is made of. */
const CORE_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

/** Parses YAML text into a plain object, or throws `ManifestError` pointing at the bad line. */
export function parseYaml(text: string, source: string): unknown {
  // resolveKnownTags off: YAML 1.1's !!binary, !!set, !!omap, !!timestamp stay unresolved, and refused.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, schema: "core", resolveKnownTags: false });
  if (doc.errors.length > 0) {
    throw new ManifestError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return {
          path: pos ? `line ${pos.line}, column ${pos.col}` : "",
          message: `${e.message.split("\n")[0]}; fix the YAML syntax`,
        };
      }),
      source,
    );
  }
  const tags = foreignTags(doc, text);
  if (tags.length > 0) throw new ManifestError(tags, source);
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      throw new ManifestError(
        [
          {
            path: "(aliases)",
            message: `the YAML's aliases (\`*name\`) expand past Airlock's limit of ${MAX_YAML_ALIASES} alias nodes, as an alias bomb (billion laughs) does; write the values out instead of repeating anchors`,
          },
        ],
        source,
      );
    }
    throw e;
  }
}

/** Every node whose tag is not one of YAML's core types, named by its field and position. */
function foreignTags(doc: Document, text: string): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  visit(doc, {
    Node(_key, node, path) {
      if (isAlias(node)) return;
      const tag = node.tag;
      if (tag === undefined || CORE_TAGS.has(tag)) return;
      const shown = tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice("tag:yaml.org,2002:".length)}` : tag;
      const at = node.range?.[0];
      // The tag's own position: the node's range starts at its value, the tag just before it.
      const tagAt = at === undefined ? undefined : text.lastIndexOf(shown, at);
      out.push({
        path: `${fieldPath([...path, node]) || "(root)"}${tagAt !== undefined && tagAt >= 0 ? ` (${lineCol(text, tagAt)})` : ""}`,
        message: `has the YAML tag \`${shown}\`, which Airlock does not read (only YAML's core types: strings, numbers, booleans, null, lists and mappings); remove the tag and write a plain value`,
      });
    },
  });
  return out;
}

/** `tools[0].name` from the visitor's ancestors (Document, mappings, pairs, sequences) and the node. */
function fieldPath(chain: readonly unknown[]): string {
  let out = "";
  for (let i = 0; i < chain.length; i++) {
    const n = chain[i];
    if (isPair(n)) {
      if (chain[i + 1] === n.key) break; // a tag on a key: the path so far is the place
      const key = isScalar(n.key) ? String(n.key.value) : String(n.key);
      out += /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? (out === "" ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
    } else if (isSeq(n)) {
      const index = n.items.indexOf(chain[i + 1] as never);
      if (index >= 0) out += `[${index}]`;
    }
  }
  return out;
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `line ${line}, column ${offset - before.lastIndexOf("\n")}`;
}

/** Decodes a manifest's bytes as UTF-8, or throws `ManifestError` at the first byte that is not. */
export function decodeUtf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const prefix = new TextDecoder("utf-8").decode(bytes.subarray(0, at));
    throw new ManifestError(
      [
        {
          path: lineCol(prefix, prefix.length),
          message: `byte 0x${bytes[at]!.toString(16).padStart(2, "0")} (offset ${at}) is not UTF-8; save the file as UTF-8 (Airlock reads manifests only as UTF-8)`,
        },
      ],
      source,
    );
  }
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const strict = new TextDecoder("utf-8", { fatal: true });
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0) return i;
    try {
      strict.decode(bytes.subarray(i, i + n));
    } catch {
      return i;
    }
    i += n;
  }
  return bytes.length;
}

/** Reads and compiles a manifest file; relative paths in it resolve against its directory. */
export async function loadManifest(file: string): Promise<AgentModel> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new ManifestError([{ path: "", message: `file ${path} does not exist; pass the path of an agent.yaml` }], file);
  }
  const raw = parseYaml(decodeUtf8(readFileSync(path), file), file);
  return compile(raw, { baseDir: dirname(path), source: file });
}
