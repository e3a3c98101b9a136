import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject } from "ajv";
import { parse } from "yaml";
import { MANIFEST_SCHEMA_FILE, manifestJsonSchema, manifestJsonSchemaText, type JsonSchema } from "../src/index.ts";
import { ManifestSchema } from "../src/manifest/schema.ts";
import { baseManifest } from "./fixtures.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SCHEMA_PATH = fileURLToPath(new URL(`../${MANIFEST_SCHEMA_FILE}`, import.meta.url));
const EXAMPLES = join(ROOT, "examples");

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yamlFiles(path, out);
    else if (entry.name.endsWith(".yaml") && !entry.name.startsWith("Pulumi")) out.push(path);
  }
  return out;
}

/** The example agent manifests: every agent.yaml under examples/. */
const MANIFESTS = yamlFiles(EXAMPLES).filter((f) => f.endsWith("/agent.yaml"));

function validator(): (data: unknown) => { valid: boolean; errors: ErrorObject[] } {
  const ajv = new Ajv({ strict: true, allErrors: true });
  const validate = ajv.compile(manifestJsonSchema());
  return (data) => ({ valid: validate(data), errors: [...(validate.errors ?? [])] });
}

/**
 * Every schema that describes a value a user writes, with its JSON pointer: the root, each
 * property, array item, map key and value, and each alternative of a union. The `required`-only
 * branches that stand for zod refinements are constraints, not fields, and are not returned.
 */
function fieldSchemas(schema: JsonSchema | boolean, at = "#"): [string, JsonSchema][] {
  // A boolean schema (`true`: anything) has nowhere to put a description.
  if (typeof schema === "boolean") return [[at, {}]];
  const out: [string, JsonSchema][] = [[at, schema]];
  for (const [k, v] of Object.entries(schema.properties ?? {})) out.push(...fieldSchemas(v, `${at}/properties/${k}`));
  if (schema.items !== undefined && !Array.isArray(schema.items)) out.push(...fieldSchemas(schema.items, `${at}/items`));
  if (typeof schema.additionalProperties === "object") out.push(...fieldSchemas(schema.additionalProperties, `${at}/additionalProperties`));
  if (schema.propertyNames !== undefined) out.push(...fieldSchemas(schema.propertyNames, `${at}/propertyNames`));
  for (const key of ["anyOf", "oneOf"] as const) {
    (schema[key] ?? []).forEach((branch, i) => {
      if (typeof branch === "object" && isPresenceCheck(branch)) return;
      out.push(...fieldSchemas(branch, `${at}/${key}/${i}`));
    });
  }
  return out;
}

/** A branch that only says "the object has these keys" (`{ properties: { k: true }, required: [k] }`). */
function isPresenceCheck(branch: JsonSchema): boolean {
  const keys = Object.keys(branch).sort().join();
  return (keys === "required" || keys === "properties,required") && Object.values(branch.properties ?? {}).every((v) => v === true);
}

const has = (key: string) => ({ properties: { [key]: true }, required: [key] });

/** A subschema that must be an object schema (not `true`/`false`). */
function objectSchema(s: JsonSchema | boolean | (JsonSchema | boolean)[] | undefined): JsonSchema {
  assert.ok(s !== undefined && typeof s === "object" && !Array.isArray(s), `expected an object schema, got ${JSON.stringify(s)}`);
  return s;
}

describe("agent.yaml JSON Schema", () => {
  it("the committed packages/core/schema/agent.schema.json is a fresh generation (run `node --import tsx scripts/gen-schema.ts`)", () => {
    // Given the committed file, when the schema is generated again, then they are the same text.
    assert.equal(readFileSync(SCHEMA_PATH, "utf8"), manifestJsonSchemaText());
  });

  it("is draft-07 with an $id, a title and a description", () => {
    const schema = manifestJsonSchema();
    assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
    assert.equal(schema.$id, "urn:airlock:schema:agent-manifest:v1");
    assert.equal(schema.title, "Airlock agent manifest (agent.yaml)");
    assert.match(String(schema.description), /`airlock plan` also checks what a schema cannot/);
  });

  it("describes every field, item, map key and value and union alternative at every depth", () => {
    const fields = fieldSchemas(manifestJsonSchema());
    assert.ok(fields.length > 90, `only ${fields.length} schemas found; the walk missed some`);
    const missing = fields.filter(([, s]) => typeof s.description !== "string" || s.description.trim() === "").map(([at]) => at);
    assert.deepEqual(missing, []);
  });

  it("says what each refinement says: exactly one of `actions` and `access`, `days` or `maxAgeDays`, `lambdaArn` with `days`", () => {
    const schema = manifestJsonSchema();
    const tool = objectSchema(objectSchema(schema.properties?.tools).items);
    const aws = objectSchema(objectSchema(tool.properties?.aws).items);
    assert.deepEqual(aws.oneOf, [has("actions"), has("access")]);
    const rotation = objectSchema(objectSchema(objectSchema(schema.properties?.secrets).items).properties?.rotation);
    assert.deepEqual(rotation.anyOf, [has("days"), has("maxAgeDays")]);
    assert.deepEqual(rotation.dependencies, { lambdaArn: ["days"] });
  });

  it("compiles in ajv's strict mode", () => {
    assert.doesNotThrow(() => new Ajv({ strict: true }).compile(manifestJsonSchema()));
  });

  it("accepts every example agent manifest, which the zod schema accepts too", () => {
    assert.ok(MANIFESTS.length >= 4, `found only ${MANIFESTS.length} example manifests`);
    const validate = validator();
    for (const file of MANIFESTS) {
      const doc: unknown = parse(readFileSync(file, "utf8"));
      const { valid, errors } = validate(doc);
      assert.ok(valid, `${relative(ROOT, file)}: ${JSON.stringify(errors, null, 1)}`);
      assert.ok(ManifestSchema.safeParse(doc).success, `${relative(ROOT, file)}: zod rejects it`);
    }
    assert.ok(validate(baseManifest()).valid, "the test fixture manifest");
  });

  it("no other YAML file under examples/ is an agent manifest (so none is left out above)", () => {
    const others = yamlFiles(EXAMPLES).filter((f) => !MANIFESTS.includes(f));
    const manifests = others.filter((f) => String((parse(readFileSync(f, "utf8")) as { apiVersion?: unknown } | null)?.apiVersion ?? "").startsWith("airlock/"));
    assert.deepEqual(manifests.map((f) => relative(ROOT, f)), []);
  });

  it("every example agent manifest names the schema on its first line, by a path that resolves to it", () => {
    for (const file of MANIFESTS) {
      const first = readFileSync(file, "utf8").split("\n")[0]!;
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      assert.ok(m, `${relative(ROOT, file)}: first line is ${JSON.stringify(first)}`);
      assert.equal(resolve(dirname(file), m[1]!), SCHEMA_PATH, relative(ROOT, file));
    }
  });

  describe("accepts the forms the zod schema accepts", () => {
    const cases: { name: string; change: (m: Record<string, any>) => void }[] = [
      { name: "an image built from a directory", change: (m) => (m.agent.image = { build: { context: ".", dockerfile: "Dockerfile.agent", platform: "linux/amd64" } }) },
      { name: "an AWS grant by access level", change: (m) => (m.tools[0].aws[0] = { service: "dynamodb", access: "read", resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"] }) },
      { name: "risk lines as a tier and as a mapping", change: (m) => (m.riskLines = { "orders.note": "auto", "orders.refund": { tier: "always-approve", class: "money", description: "Money leaves." } }) },
      { name: "a rotation Lambda with a schedule", change: (m) => (m.secrets[0].rotation = { days: 30, lambdaArn: "arn:aws:lambda:us-east-1:123456789012:function:rotate-key" }) },
      { name: "GitHub permissions", change: (m) => (m.tools[0].github = [{ repository: "acme/kb", permissions: { contents: "read", pull_requests: "write" } }]) },
      { name: "a full runtime", change: (m) => (m.agent.runtime = { cpu: 1024, memory: 2048, architecture: "X86_64", user: "1000:1000", command: ["node", "main.js"], environment: { TABLE: "orders" }, desiredCount: 0 }) },
      {
        name: "egress hosts, ranges and the opt-out, and a sandbox",
        change: (m) => {
          m.egress = { hosts: ["*.example.com"], ranges: { "api.example.com": ["192.0.2.0/24"] }, anyIpOn443: { reason: "the vendor publishes no ranges" } };
          m.sandbox = { image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/sandbox@sha256:${"b".repeat(64)}`, cpu: 512, memory: 1024 };
        },
      },
    ];
    const validate = validator();
    for (const c of cases) {
      it(c.name, () => {
        const m = baseManifest();
        c.change(m);
        assert.ok(ManifestSchema.safeParse(m).success, "the zod schema rejects it; fix the case");
        const { valid, errors } = validate(m);
        assert.ok(valid, JSON.stringify(errors, null, 1));
      });
    }
  });

  describe("rejects a bad manifest where the zod schema rejects it, at the same place", () => {
    /** Each case breaks one thing in a valid manifest; `at` is where both report it (JSON pointer). */
    const cases: { name: string; at: string; breakIt: (m: Record<string, any>) => void }[] = [
      { name: "an unknown top-level key", at: "", breakIt: (m) => (m.permissions = []) },
      { name: "an unknown key in a tool", at: "/tools/0", breakIt: (m) => (m.tools[0].acess = "read") },
      { name: "a wrong `apiVersion`", at: "/apiVersion", breakIt: (m) => (m.apiVersion = "airlock/v2") },
      { name: "a wrong enum value (tool access)", at: "/tools/0/access", breakIt: (m) => (m.tools[0].access = "admin") },
      { name: "a wrong enum value (risk line tier)", at: "/riskLines/orders.cancel", breakIt: (m) => (m.riskLines = { "orders.cancel": "sometimes" }) },
      { name: "a wrong enum value (secret source)", at: "/secrets/0/source", breakIt: (m) => (m.secrets[0].source = "vault") },
      { name: "a cpu that is not one of the Fargate values", at: "/agent/runtime/cpu", breakIt: (m) => (m.agent.runtime = { cpu: 300 }) },
      { name: "an unknown GitHub permission", at: "/tools/0/github/0/permissions", breakIt: (m) => (m.tools[0].github = [{ repository: "acme/kb", permissions: { admin: "read" } }]) },
      { name: "a missing required field (agent.owner)", at: "/agent", breakIt: (m) => delete m.agent.owner },
      { name: "a missing required field (tools)", at: "", breakIt: (m) => delete m.tools },
      { name: "a missing required field (a tool's access)", at: "/tools/1", breakIt: (m) => delete m.tools[1].access },
      { name: "a wrong type (memory as a string)", at: "/agent/runtime/memory", breakIt: (m) => (m.agent.runtime = { memory: "1024" }) },
      { name: "a wrong type (tools as a mapping)", at: "/tools", breakIt: (m) => (m.tools = { read_orders: {} }) },
      { name: "a wrong type (outward as a string)", at: "/tools/0/outward", breakIt: (m) => (m.tools[0].outward = "yes") },
      { name: "a wrong type (an environment value as a number)", at: "/agent/runtime/environment/PORT", breakIt: (m) => (m.agent.runtime = { environment: { PORT: 8080 } }) },
      { name: "no tools", at: "/tools", breakIt: (m) => (m.tools = []) },
      { name: "an agent name that is not kebab-case", at: "/agent/name", breakIt: (m) => (m.agent.name = "Test_Agent") },
      { name: "an image by tag", at: "/agent/image", breakIt: (m) => (m.agent.image = { digest: "123456789012.dkr.ecr.us-east-1.amazonaws.com/test-agent:latest" }) },
      { name: "an image with both digest and build", at: "/agent/image", breakIt: (m) => (m.agent.image.build = { context: "." }) },
      { name: "an environment name that is not SCREAMING_SNAKE_CASE", at: "/agent/runtime/environment", breakIt: (m) => (m.agent.runtime = { environment: { tableName: "orders" } }) },
      { name: "an upper-case host", at: "/tools/0/hosts/0", breakIt: (m) => (m.tools[0].hosts = ["API.example.com"]) },
      { name: "an AWS grant with both `actions` and `access`", at: "/tools/0/aws/0", breakIt: (m) => (m.tools[0].aws[0].access = "read") },
      { name: "an AWS grant with neither `actions` nor `access`", at: "/tools/0/aws/0", breakIt: (m) => delete m.tools[0].aws[0].actions },
      { name: "a rotation with neither `days` nor `maxAgeDays`", at: "/secrets/0/rotation", breakIt: (m) => (m.secrets[0].rotation = {}) },
      {
        name: "a rotation Lambda without `days`",
        at: "/secrets/0/rotation",
        breakIt: (m) => (m.secrets[0].rotation = { maxAgeDays: 30, lambdaArn: "arn:aws:lambda:us-east-1:123456789012:function:rotate" }),
      },
      { name: "a short wildcard reason", at: "/tools/0/allowWildcard/reason", breakIt: (m) => (m.tools[0].allowWildcard = { reason: "needed" }) },
      { name: "a risk line object without a tier", at: "/riskLines/orders.cancel", breakIt: (m) => (m.riskLines = { "orders.cancel": { class: "money" } }) },
    ];

    const validate = validator();
    for (const c of cases) {
      it(c.name, () => {
        // Given a valid manifest with one thing broken,
        const m = baseManifest();
        c.breakIt(m);
        // when both schemas check it, then both reject it, and both point at `at` (or inside it).
        const { valid, errors } = validate(m);
        assert.equal(valid, false, "the JSON Schema accepts it");
        const parsed = ManifestSchema.safeParse(m);
        assert.equal(parsed.success, false, "the zod schema accepts it");
        const ajvAt = errors.map((e) => e.instancePath);
        assert.ok(ajvAt.includes(c.at), `JSON Schema errors at ${JSON.stringify(ajvAt)}, not ${c.at}`);
        const zodAt = parsed.error!.issues.map((i) => i.path.map((p) => `/${String(p)}`).join(""));
        assert.ok(zodAt.some((p) => p === c.at || p.startsWith(`${c.at}/`)), `zod issues at ${JSON.stringify(zodAt)}, not ${c.at}`);
      });
    }
  });
});
