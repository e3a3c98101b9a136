/** Reading and editing a stack's config file while keeping its comments and layout. */
import { readFileSync, writeFileSync } from "node:fs";
import { isMap, isScalar, parseDocument, type Document } from "yaml";
import { UsageError } from "../io.ts";

export class StackConfigFile {
  private readonly doc: Document;

  constructor(readonly path: string) {
    this.doc = parseDocument(readFileSync(path, "utf8"));
    if (this.doc.errors.length > 0) throw new UsageError(`${path}: ${this.doc.errors[0]!.message.split("\n")[0]}`);
  }

  /** The value under `config.<key>` as plain data. */
  get(key: string): unknown {
    const node = this.doc.getIn(["config", key], true);
    return node === undefined ? undefined : (this.doc.getIn(["config", key]) as { toJSON?: () => unknown })?.toJSON?.() ?? (isScalar(node) ? node.value : node);
  }

  /** Keys of the mapping under `config.<key>`, in the order they are written. */
  mapKeys(key: string): string[] {
    const node = this.doc.getIn(["config", key], true);
    if (!isMap(node)) return [];
    return node.items.map((i) => String(isScalar(i.key) ? i.key.value : i.key));
  }

  set(key: string, value: string): void {
    this.doc.setIn(["config", key], value);
  }

  save(): void {
    writeFileSync(this.path, this.doc.toString());
  }
}
