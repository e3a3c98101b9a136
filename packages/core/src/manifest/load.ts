/** Reading `agent.yaml` from disk. YAML syntax errors are reported with their line and column. */
import { readFileSync, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseDocument } from "yaml";
import { ManifestError } from "../errors.ts";
import { compile } from "../compile/compile.ts";
import type { AgentModel } from "../compile/model.ts";

/** Parses YAML text into a plain object, or throws `ManifestError` pointing at the bad line. */
export function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
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
  return doc.toJS();
}

/** Reads and compiles a manifest file; relative paths in it resolve against its directory. */
export async function loadManifest(file: string): Promise<AgentModel> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new ManifestError([{ path: "", message: `file ${path} does not exist; pass the path of an agent.yaml` }], file);
  }
  const raw = parseYaml(readFileSync(path, "utf8"), file);
  return compile(raw, { baseDir: dirname(path), source: file });
}
