/**
 * Policy configuration: the file an organisation gives Pulumi (`pulumi preview --policy-pack <dir>
 * --policy-pack-config <file.json>`) and `airlock plan --policy-config <file.json>`, in Pulumi's
 * format. Keys are policy names (`air-g002-iam-no-wildcard-resources`: the rule id and name in kebab
 * case) or `all`; each value is an enforcement level, or an object with an optional
 * `enforcementLevel` and the policy's settings (its `configSchema`):
 *
 *     { "all": "mandatory",
 *       "air-d016-dns-firewall-association-mutation-protection": "disabled",
 *       "air-d008-role-trust-policy-size": { "enforcementLevel": "mandatory", "maxCharacters": 4096 } }
 *
 * A policy's own entry wins over `all`, which wins over the pack's default. Offline the levels
 * become finding severities:
 * - no level configured: the pack's severity (its default enforcement is `mandatory` for errors,
 *   `advisory` for warnings and info, as `pulumi preview` runs it);
 * - `disabled`: the rule does not run;
 * - `advisory`: an error becomes a warning (the plan shows it; `--fail-on error` passes); warnings and
 *   info stay as they are;
 * - `mandatory`: every finding of the rule is an error (a warning or info rule is raised);
 * - `remediate`: as `mandatory` (no Airlock rule remediates, and Pulumi enforces a policy without a
 *   remediation as mandatory).
 */
import { readFileSync } from "node:fs";
import { PACK, PACK_NAME, policyName, type PackEntry, type Severity } from "./pack.ts";
import type { RuleConfig, RuleConfigSchema } from "./rule.ts";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** One policy's entry: its enforcement level and settings. */
export interface PolicySettings {
  readonly enforcementLevel?: EnforcementLevel;
  readonly [setting: string]: unknown;
}

/** A policy config as Pulumi reads it: `all` and policy names → a level or settings. */
export type PolicyConfig = Readonly<Record<string, EnforcementLevel | PolicySettings>>;

/** A policy config that does not fit the pack; the message names the key and the fix. */
export class PolicyConfigError extends Error {
  override readonly name = "PolicyConfigError";
}

const LEVELS = ENFORCEMENT_LEVELS.map((l) => `"${l}"`).join(", ");

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "string" ? JSON.stringify(v) : `${typeof v} ${JSON.stringify(v)}`;
}

function isLevel(v: unknown): v is EnforcementLevel {
  return typeof v === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(v);
}

function checkSetting(at: string, schema: RuleConfigSchema["properties"][string], v: unknown): void {
  const range = schema.minimum !== undefined && schema.maximum !== undefined ? ` from ${schema.minimum} to ${schema.maximum}` : "";
  const ok =
    schema.type === "integer" ? Number.isInteger(v) : schema.type === "number" ? typeof v === "number" && Number.isFinite(v) : typeof v === schema.type;
  const inRange = typeof v !== "number" || ((schema.minimum === undefined || v >= schema.minimum) && (schema.maximum === undefined || v <= schema.maximum));
  if (!ok || !inRange) throw new PolicyConfigError(`${at} must be ${schema.type === "integer" ? "an integer" : `a ${schema.type}`}${range}, not ${describe(v)}`);
}

/**
 * Checks a parsed policy config against the pack (names, levels, each policy's settings) and
 * returns it; `source` names it in errors (a file path).
 */
export function validatePolicyConfig(value: unknown, source = "policy config"): PolicyConfig {
  const where = `\`${source}\``;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new PolicyConfigError(`${where}: must be a JSON object of policy names (or "all") to enforcement levels, e.g. {"all": "advisory"}, not ${describe(value)}`);
  }
  const byName = new Map(PACK.map((e) => [policyName(e), e]));
  for (const [key, v] of Object.entries(value)) {
    const at = `${where}: \`${key}\``;
    const entry = byName.get(key);
    if (key !== "all" && entry === undefined) {
      const id = /^air-[gd]\d{3}/i.exec(key)?.[0]?.toUpperCase();
      const meant = PACK.find((e) => e.id === id);
      throw new PolicyConfigError(
        `${at} is not a policy of ${PACK_NAME}; ${meant !== undefined ? `write \`${policyName(meant)}\`` : "write a policy name (the rule id and name in kebab case, e.g. `air-g001-iam-no-wildcard-actions`) or `all`"}`,
      );
    }
    if (typeof v === "string") {
      if (!isLevel(v)) throw new PolicyConfigError(`${at}: ${describe(v)} is not an enforcement level; use ${LEVELS}`);
      continue;
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      throw new PolicyConfigError(`${at} must be an enforcement level (${LEVELS}) or an object such as {"enforcementLevel": "advisory"}, not ${describe(v)}`);
    }
    const schema = entry?.rule.configSchema?.properties ?? {};
    for (const [prop, setting] of Object.entries(v as Record<string, unknown>)) {
      if (prop === "enforcementLevel") {
        if (!isLevel(setting)) throw new PolicyConfigError(`${where}: \`${key}.enforcementLevel\`: ${describe(setting)} is not an enforcement level; use ${LEVELS}`);
        continue;
      }
      const s = schema[prop];
      if (s === undefined) {
        const names = Object.keys(schema);
        throw new PolicyConfigError(
          `${where}: \`${key}.${prop}\` is not a setting of ${key === "all" ? "`all`, which takes only `enforcementLevel`" : `this policy; ${names.length > 0 ? `its settings are ${names.map((n) => `\`${n}\``).join(", ")}` : "it has none besides `enforcementLevel`"}`}`,
        );
      }
      checkSetting(`${where}: \`${key}.${prop}\``, s, setting);
    }
  }
  return value as PolicyConfig;
}

/** Reads and checks a policy config file (JSON, Pulumi's `--policy-pack-config` format). */
export function loadPolicyConfig(path: string): PolicyConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PolicyConfigError(`\`${path}\`: cannot read the policy config (${code ?? (e as Error).message}); pass the path of a JSON file such as {"all": "advisory"}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    // Where, in the file's terms (the parser's own wording differs between Node versions).
    const at = /position (\d+)/.exec((e as Error).message);
    const before = at === null ? undefined : text.slice(0, Number(at[1])).split("\n");
    const where = before === undefined ? "" : ` at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
    throw new PolicyConfigError(`\`${path}\`: not valid JSON${where}; write an object such as {"all": "advisory"}`);
  }
  return validatePolicyConfig(parsed, path);
}

/** The level configured for a pack entry (its own entry, else `all`), or undefined for the pack's default. */
export function configuredLevel(entry: PackEntry, config: PolicyConfig | undefined): EnforcementLevel | undefined {
  const level = (v: EnforcementLevel | PolicySettings | undefined) => (typeof v === "string" ? v : v?.enforcementLevel);
  return level(config?.[policyName(entry)]) ?? level(config?.all);
}

/** The severity of an entry's findings under a config; undefined when the rule is disabled. */
export function configuredSeverity(entry: PackEntry, config: PolicyConfig | undefined): Severity | undefined {
  switch (configuredLevel(entry, config)) {
    case undefined:
      return entry.severity;
    case "disabled":
      return undefined;
    case "advisory":
      return entry.severity === "error" ? "warning" : entry.severity;
    case "mandatory":
    case "remediate":
      return "error";
  }
}

/** A rule's settings: its schema's defaults, then what `config` gives for it (Pulumi's `getConfig()` shape). */
export function ruleConfig(entry: PackEntry, given: Readonly<Record<string, unknown>> | undefined): RuleConfig {
  const schema = entry.rule.configSchema?.properties ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(schema)) if (s.default !== undefined) out[k] = s.default;
  for (const [k, v] of Object.entries(given ?? {})) if (k !== "enforcementLevel" && k in schema) out[k] = v;
  return out;
}

/** The settings a config gives one entry (for `ruleConfig`). */
export function settingsFor(entry: PackEntry, config: PolicyConfig | undefined): Readonly<Record<string, unknown>> | undefined {
  const v = config?.[policyName(entry)];
  return typeof v === "object" ? v : undefined;
}
