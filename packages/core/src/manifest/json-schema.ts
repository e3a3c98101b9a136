/**
 * The JSON Schema of `agent.yaml` as a person writes it (defaults optional), generated from the
 * zod schema in `schema.ts` so the two cannot drift. Editors read it through a first line
 * `# yaml-language-server: $schema=<path>/agent.schema.json` and show each field's description,
 * its allowed values and default, and flag shape errors as you type. `scripts/gen-schema.ts`
 * writes it to `packages/core/schema/agent.schema.json`, which the package ships.
 *
 * The target is draft-07: yaml-language-server (VS Code's YAML extension, monaco-yaml, any editor
 * that runs it as a language server) validates against draft-07 and not, so far, later drafts.
 *
 * What JSON Schema cannot say, `compile` still checks: references between tools, secrets and risk
 * lines, IAM actions and ARNs against AWS's dataset, Fargate cpu/memory pairs, host ranges,
 * credential-looking values, and white space around required text (zod trims before it counts).
 * The zod refinements of a single object are written out here by hand (`REFINEMENTS`).
 */
import { z } from "zod";
import { AwsGrantSchema, GithubGrantSchema, GITHUB_PERMISSIONS, ManifestSchema, SecretSchema } from "./schema.ts";

/**
 * A JSON Schema document (draft-07) as plain JSON: the keywords this generator writes. Declared
 * here rather than taken from zod, so the package's main entry declares nothing of zod (see
 * schema.ts).
 */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  $ref?: string;
  title?: string;
  description?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema | boolean>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema | boolean;
  items?: JsonSchema | boolean | (JsonSchema | boolean)[];
  anyOf?: (JsonSchema | boolean)[];
  oneOf?: (JsonSchema | boolean)[];
  allOf?: (JsonSchema | boolean)[];
  not?: JsonSchema | boolean;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  dependencies?: Record<string, string[] | JsonSchema | boolean>;
  definitions?: Record<string, JsonSchema | boolean>;
  [keyword: string]: unknown;
}

/** The schema's `$id`: names the manifest format it describes (`apiVersion: airlock/v1`). */
export const MANIFEST_SCHEMA_ID = "urn:airlock:schema:agent-manifest:v1";

/** Where `@airlock/core` ships the generated schema, relative to the package root. */
export const MANIFEST_SCHEMA_FILE = "schema/agent.schema.json";

const TITLE = "Airlock agent manifest (agent.yaml)";
const DESCRIPTION =
  "An Airlock agent manifest, `apiVersion: airlock/v1`: the agent, every tool it can call and what each may touch, the risk lines that decide which actions wait for a person, its secrets and its egress. " +
  "An editor checks the shape and the allowed values; `airlock plan` also checks what a schema cannot: references between tools, secrets and risk lines, IAM actions and ARNs, Fargate sizes, address ranges, and credentials written as values.";

const rotationSchema = SecretSchema.shape.rotation.unwrap();
const githubPermissions = GithubGrantSchema.shape.permissions;

/**
 * "The object has `key`", as a branch of `oneOf`/`anyOf`. The `properties` entry (`true`: any
 * value) only names the key where `required` is, which strict validators ask for (ajv's
 * `strictRequired`); the field's own schema and description are the object's.
 */
function has(key: string): JsonSchema {
  return { properties: { [key]: true }, required: [key] };
}

/**
 * JSON Schema equivalents of the zod refinements (`superRefine`), which `z.toJSONSchema` cannot
 * see. Each says the same as the refinement it stands for, so the schema accepts exactly what the
 * refinement accepts.
 */
const REFINEMENTS = new Map<z.core.$ZodType, JsonSchema>([
  // "give either `actions` or `access`, not both or neither"
  [AwsGrantSchema, { oneOf: [has("actions"), has("access")] }],
  // "set `days` or `maxAgeDays`"; "a rotation Lambda needs a schedule; set `days`"
  [rotationSchema, { anyOf: [has("days"), has("maxAgeDays")], dependencies: { lambdaArn: ["days"] } }],
]);

/**
 * The JSON Schema (draft-07) of what a user writes in `agent.yaml`: fields with defaults are
 * optional, every field and object has a description. A new object on every call.
 */
export function manifestJsonSchema(): JsonSchema {
  const generated = z.toJSONSchema(ManifestSchema, {
    io: "input",
    target: "draft-07",
    // Every part of the manifest schema has a JSON Schema form; refuse to generate if one stops having it.
    unrepresentable: "throw",
    override: ({ zodSchema, jsonSchema }) => {
      const refinement = REFINEMENTS.get(zodSchema);
      if (refinement !== undefined) Object.assign(jsonSchema, structuredClone(refinement));
      if (zodSchema === githubPermissions) listKeys(jsonSchema, GITHUB_PERMISSIONS);
      collapseConstUnion(jsonSchema);
    },
  });
  const { $schema, description: _root, ...rest } = generated as JsonSchema;
  return { $schema, $id: MANIFEST_SCHEMA_ID, title: TITLE, description: DESCRIPTION, ...rest };
}

/** `manifestJsonSchema()` as the file ships it: two-space indented, with a final newline. */
export function manifestJsonSchemaText(): string {
  return `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;
}

/**
 * A record whose keys are a fixed list (`z.partialRecord(z.enum([...]), v)`) comes out as
 * `propertyNames` + `additionalProperties`; written as one optional property per key it means the
 * same, and an editor can then offer the keys and describe each one.
 */
function listKeys(json: JsonSchema, keys: readonly string[]): void {
  const value = json.additionalProperties;
  if (value === undefined || typeof value === "boolean") throw new Error("listKeys: expected a record's value schema");
  json.properties = Object.fromEntries(
    keys.map((k) => [k, { ...structuredClone(value), description: `The \`${k}\` permission on the repository: \`read\` or \`write\`.` }]),
  );
  json.additionalProperties = false;
  delete json.propertyNames;
}

/** `anyOf` of same-typed constants (a union of literals) as one `enum`, which editors offer as completions. */
function collapseConstUnion(json: JsonSchema): void {
  const all = json.anyOf;
  if (all === undefined || all.length === 0 || all.some((b) => typeof b === "boolean")) return;
  const branches = all as JsonSchema[];
  const type = branches[0]!.type;
  const plain = branches.every((b) => b.const !== undefined && b.type === type && Object.keys(b).every((k) => k === "const" || k === "type"));
  if (!plain || typeof type !== "string") return;
  json.type = type;
  json.enum = branches.flatMap((b) => (b.const === undefined ? [] : [b.const]));
  delete json.anyOf;
}
