/**
 * Turns raw input (parsed YAML or a TypeScript object) into a validated `Manifest`, or throws a
 * `ManifestError` listing every problem with its path and fix. Checks that need the IAM dataset
 * (actions, access levels, ARNs) run in `compile`.
 */
import type { z } from "zod";
import { ManifestError, ProblemList, formatPath } from "../errors.ts";
import { ManifestSchema, type Manifest } from "./schema.ts";
import { secretEnvName } from "./vocabulary.ts";
import { findSecrets } from "../scan/secret-patterns.ts";
import { parseCidr } from "../network/net.ts";
import { fargateSizeProblem } from "../aws/fargate.ts";
import { checkArguments, checkReservedArgumentNames } from "./validate-arguments.ts";
import { checkEnvironment } from "./environment.ts";

/** Validates a manifest object. Throws `ManifestError` with every problem found. */
export function parseManifest(input: unknown, source?: string): Manifest {
  const problems = new ProblemList();
  checkCredentialLiterals(input, [], problems);
  checkReservedArgumentNames(input, problems);
  const parsed = ManifestSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues.flatMap(unionBranch)) {
      problems.add(formatPath(issue.path), describeIssue(issue, input));
    }
    problems.throwIfAny(source);
    throw new ManifestError([{ path: "", message: "invalid manifest" }], source);
  }
  checkReferences(parsed.data, problems);
  checkArguments(parsed.data, problems);
  checkEnvironment(parsed.data, problems);
  checkFargateSizes(parsed.data, problems);
  problems.throwIfAny(source);
  return parsed.data;
}

/**
 * A union's issue as the issues of the one branch the value took the shape of (the risk line
 * written as a mapping, not a tier), so a problem deep inside is reported at its own field.
 */
function unionBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];
  const shaped = issue.errors.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0 || i.code === "unrecognized_keys" || i.code === "custom"));
  if (shaped.length !== 1) return [issue];
  return shaped[0]!.flatMap((i) => unionBranch({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue));
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key as string];
  }
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case "invalid_type": {
      const actual = valueAt(input, issue.path);
      if (actual === undefined) return `is required; add it (${article(issue.expected)})`;
      return `must be ${article(issue.expected)}, not ${describeValue(actual)}`;
    }
    case "unrecognized_keys": {
      const keys = issue.keys.map((k) => `\`${k}\``).join(", ");
      return `unknown field${issue.keys.length === 1 ? "" : "s"} ${keys}; remove ${issue.keys.length === 1 ? "it" : "them"} or check the spelling`;
    }
    case "invalid_value": {
      const got = valueAt(input, issue.path);
      const allowed = issue.values.map((v) => `\`${String(v)}\``).join(", ");
      if (issue.message && !issue.message.startsWith("Invalid")) return issue.message;
      return `must be one of ${allowed}${got === undefined ? "" : ` (got ${describeValue(got)})`}`;
    }
    case "too_small":
      if (issue.message && !issue.message.startsWith("Too small")) return issue.message;
      return issue.origin === "array"
        ? `needs at least ${String(issue.minimum)} item${issue.minimum === 1 ? "" : "s"}`
        : issue.origin === "string"
          ? `must be at least ${String(issue.minimum)} characters`
          : `must be at least ${String(issue.minimum)}`;
    case "too_big":
      return issue.origin === "array" ? `has more than ${String(issue.maximum)} items` : `must be at most ${String(issue.maximum)}`;
    case "invalid_key": {
      // A record's key: the key schema's own message (`must be an argument path: …`).
      const inner = issue.issues.find((i) => i.message && !i.message.startsWith("Invalid"));
      return inner?.message ?? issue.message;
    }
    case "invalid_union":
      if (issue.message && !issue.message.startsWith("Invalid input")) return issue.message;
      return `does not match any accepted form; see the manifest reference for this field`;
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${String(v)}`;
}

/** Any string in the manifest that looks like a credential is rejected: credentials belong in Secrets Manager. */
function checkCredentialLiterals(value: unknown, path: PropertyKey[], problems: ProblemList): void {
  if (typeof value === "string") {
    const hits = findSecrets(value);
    if (hits.length > 0) {
      const hit = hits[0]!;
      problems.add(
        formatPath(path),
        `looks like a literal credential (${hit.description}, ${hit.masked}); never put credentials in the manifest: store the value in Secrets Manager and reference it by name under \`secrets\``,
      );
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkCredentialLiterals(v, [...path, i], problems));
    return;
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) checkCredentialLiterals(v, [...path, k], problems);
  }
}

function checkReferences(m: Manifest, problems: ProblemList): void {
  const secretNames = new Set<string>();
  m.secrets.forEach((s, i) => {
    if (secretNames.has(s.name)) problems.add(`secrets[${i}].name`, `duplicate secret \`${s.name}\`; secret names must be unique`);
    secretNames.add(s.name);
    if (s.source === "pulumi-config" && s.configKey === undefined) {
      problems.add(`secrets[${i}].configKey`, "is required when `source` is `pulumi-config`; name the secret config key (`pulumi config set --secret <key>`)");
    }
    if (s.source !== "pulumi-config" && s.configKey !== undefined) {
      problems.add(`secrets[${i}].configKey`, "only applies to `source: pulumi-config`; remove it");
    }
    if (s.source !== "generated" && s.length !== undefined) {
      problems.add(`secrets[${i}].length`, "only applies to `source: generated`; remove it");
    }
    if (s.source !== "generated" && s.rotation?.days !== undefined && s.rotation.lambdaArn === undefined) {
      problems.add(
        `secrets[${i}].rotation.lambdaArn`,
        "Airlock can only rotate values it generates; give a rotation `lambdaArn` for this secret or use `maxAgeDays` for an age alarm",
      );
    }
    if (s.source === "generated" && s.rotation?.lambdaArn !== undefined) {
      problems.add(`secrets[${i}].rotation.lambdaArn`, "generated secrets rotate with Airlock's built-in Lambda; remove `lambdaArn`");
    }
  });
  const envNames = new Map<string, string>();
  for (const s of m.secrets) {
    const env = secretEnvName(s.name, s.env);
    const other = envNames.get(env);
    if (other !== undefined) problems.add(`secrets`, `secrets \`${other}\` and \`${s.name}\` both map to environment variable ${env}; set \`env\` on one`);
    envNames.set(env, s.name);
  }
  m.secrets.forEach((s, i) => {
    const env = secretEnvName(s.name, s.env);
    if (env in m.agent.runtime.environment) {
      problems.add(`secrets[${i}].env`, `${env} is also set in \`agent.runtime.environment\`; remove one`);
    }
  });

  if (m.agent.model.secret !== undefined && !secretNames.has(m.agent.model.secret)) {
    problems.add("agent.model.secret", `names secret \`${m.agent.model.secret}\`, which is not declared; add it under \`secrets\``);
  }
  if (m.agent.model.provider === "anthropic" && m.agent.model.secret === undefined) {
    problems.add("agent.model.secret", "is required for the `anthropic` provider; name the secret that holds the API key");
  }
  if (m.agent.model.provider === "bedrock" && m.agent.model.secret !== undefined) {
    problems.add("agent.model.secret", "Bedrock authenticates with the task role; remove `secret`");
  }

  const toolNames = new Set<string>();
  m.tools.forEach((t, i) => {
    const at = `tools[${i}]`;
    if (toolNames.has(t.name)) problems.add(`${at}.name`, `duplicate tool \`${t.name}\`; tool names must be unique`);
    toolNames.add(t.name);
    t.secrets.forEach((s, j) => {
      if (!secretNames.has(s)) problems.add(`${at}.secrets[${j}]`, `names secret \`${s}\`, which is not declared; add it under \`secrets\``);
    });
    if (t.outward && t.actionType === undefined) {
      problems.add(`${at}.actionType`, "is required for an outward tool; name its action type (e.g. `customer.reply`) and give it a risk line");
    }
    if (t.actionType !== undefined && !(t.actionType in m.riskLines)) {
      problems.add(`${at}.actionType`, `\`${t.actionType}\` has no risk line; add \`riskLines.${t.actionType}\` (auto, approve or always-approve)`);
    }
    if (t.outward && t.access === "read") {
      problems.add(`${at}.access`, "an outward tool acts on the world, so it cannot be `read`; declare `access: write`");
    }
    if (t.sandbox) {
      if (t.aws.length > 0) problems.add(`${at}.aws`, "a sandboxed tool runs with no AWS access; move AWS calls to a separate tool");
      if (t.hosts.length > 0) problems.add(`${at}.hosts`, "a sandboxed tool has no egress; remove `hosts`");
      if (t.secrets.length > 0) problems.add(`${at}.secrets`, "a sandboxed tool receives no secrets; remove `secrets`");
      if (t.github.length > 0) problems.add(`${at}.github`, "a sandboxed tool has no egress; remove `github`");
      if (t.outward) problems.add(`${at}.outward`, "a sandboxed tool cannot act outward; remove `outward`");
    }
    t.github.forEach((g, j) => {
      const writes = Object.entries(g.permissions).filter(([, level]) => level === "write");
      if (t.access === "read" && writes.length > 0) {
        problems.add(`${at}.github[${j}].permissions.${writes[0]![0]}`, `is \`write\` but the tool is declared read; make it \`read\` or declare the tool \`access: write\``);
      }
      if (Object.keys(g.permissions).length === 0) problems.add(`${at}.github[${j}].permissions`, "list at least one permission, e.g. `contents: read`");
    });
  });

  for (const [type, line] of Object.entries(m.riskLines)) {
    if (typeof line === "object" && line.class !== undefined && line.tier === "auto") {
      problems.add(formatPath(["riskLines", type, "tier"]), `\`${line.class}\` actions can never be \`auto\`; use \`approve\` or \`always-approve\``);
    }
  }

  if (m.sandbox === undefined && m.tools.some((t) => t.sandbox)) {
    const i = m.tools.findIndex((t) => t.sandbox);
    problems.add(`tools[${i}].sandbox`, "needs a sandbox task; add `sandbox.image` (the code-execution image by digest)");
  }
  if (m.sandbox !== undefined && m.sandbox.image === undefined) {
    problems.add("sandbox.image", "is required; give the code-execution image as `registry/repository@sha256:<digest>`");
  }
  if (typeof m.sandbox?.image === "object" && !("build" in m.agent.image)) {
    problems.add(
      "sandbox.image.build",
      "builds a stage of the agent's Dockerfile, so `agent.image` must be `build` too; with the agent's image pinned by digest, give the sandbox image by digest (`registry/repository@sha256:<digest>`)",
    );
  }

  for (const [host, cidrs] of Object.entries(m.egress.ranges)) {
    cidrs.forEach((c, j) => {
      const parsed = parseCidr(c);
      if (parsed === undefined) problems.add(`egress.ranges[${JSON.stringify(host)}][${j}]`, `"${c}" is not a CIDR block such as 192.0.2.0/24 or 2001:db8::/32`);
      else if (parsed.prefix === 0) problems.add(`egress.ranges[${JSON.stringify(host)}][${j}]`, `"${c}" is the whole internet; use \`egress.anyIpOn443\` with a reason if you mean it`);
    });
  }
}

/**
 * The agent task and the sandbox task run on Fargate (Linux), which runs only its documented
 * cpu/memory pairs (`FARGATE_TASK_SIZES`); any other pair fails when the task definition registers.
 */
function checkFargateSizes(m: Manifest, problems: ProblemList): void {
  const tasks: [string, number, number][] = [["agent.runtime", m.agent.runtime.cpu, m.agent.runtime.memory]];
  if (m.sandbox !== undefined) tasks.push(["sandbox", m.sandbox.cpu, m.sandbox.memory]);
  for (const [at, cpu, memory] of tasks) {
    const problem = fargateSizeProblem(cpu, memory);
    if (problem === undefined) continue;
    const field = problem.startsWith(`cpu ${cpu} is not`) ? "cpu" : "memory";
    problems.add(`${at}.${field}`, `${problem} (Fargate task sizes, see FARGATE_TASK_SIZES)`);
  }
}
