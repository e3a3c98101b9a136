/**
 * The manifest's fixed vocabularies, as plain constants and types: no zod here, so the package's
 * main entry can export them to any TypeScript project (the zod schemas are the subpath
 * `@airlock/core/manifest-schema`).
 */

/** A tool's (or grant's) access level: read tools may hold only read and list actions. */
export const ACCESS_LEVELS = ["read", "write"] as const;
/** Risk line tiers: whether a call of an outward tool waits for a person. */
export const TIERS = ["auto", "approve", "always-approve"] as const;
/** Risk classes that autonomy never widens to `auto`. */
export const RISK_CLASSES = ["money", "mass-communication"] as const;
/** Where a secret's value comes from. */
export const SECRET_SOURCES = ["generated", "out-of-band", "pulumi-config"] as const;
/** The GitHub fine-grained permissions a tool may ask for on a repository. */
export const GITHUB_PERMISSIONS = [
  "actions",
  "checks",
  "contents",
  "deployments",
  "issues",
  "metadata",
  "pull_requests",
  "statuses",
] as const;

/** A tool's (or grant's) access level, one of {@link ACCESS_LEVELS}. */
export type AccessLevel = (typeof ACCESS_LEVELS)[number];
/** A risk line tier, one of {@link TIERS}: whether a call of an outward tool waits for a person. */
export type Tier = (typeof TIERS)[number];
/** A risk class autonomy never widens to `auto`, one of {@link RISK_CLASSES}. */
export type RiskClass = (typeof RISK_CLASSES)[number];
/** Where a secret's value comes from, one of {@link SECRET_SOURCES}. */
export type SecretSource = (typeof SECRET_SOURCES)[number];

/** The environment variable a secret is exposed as: its `env`, else its name in upper case with `_` for `-`. */
export function secretEnvName(name: string, env?: string): string {
  return env ?? name.toUpperCase().replace(/-/g, "_");
}
