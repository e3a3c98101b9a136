/**
 * The agent's secrets as the model binds them: each secret's environment variable, its consumers
 * (tools and the model) and its rotation plan (a bring-your-own Lambda, the built-in rotation of
 * `generated` secrets, or an age alarm), with AIR-W001 for a secret nothing uses.
 */
import type { Manifest } from "../manifest/schema.ts";
import { secretEnvName } from "../manifest/vocabulary.ts";
import type { Finding, RotationPlan, SecretBinding } from "./model.ts";

const DEFAULT_MAX_AGE_DAYS = 90;
const DEFAULT_ROTATION_DAYS = 30;

/** The secret bindings of manifest `m`, sorted by name. */
export function compileSecrets(m: Manifest, findings: Finding[]): SecretBinding[] {
  return m.secrets
    .map((s, i): SecretBinding => {
      const consumers = m.tools.filter((t) => t.secrets.includes(s.name)).map((t) => t.name);
      if (m.agent.model.secret === s.name) consumers.push("model");
      if (consumers.length === 0) {
        findings.push({
          rule: "AIR-W001",
          severity: "warning",
          subject: `secrets[${i}]`,
          message: `secret \`${s.name}\` is used by no tool; it is created but not given to the agent`,
        });
      }
      let rotation: RotationPlan;
      if (s.rotation?.lambdaArn !== undefined) rotation = { kind: "lambda", days: s.rotation.days!, lambdaArn: s.rotation.lambdaArn };
      else if (s.source === "generated") rotation = { kind: "builtin", days: s.rotation?.days ?? DEFAULT_ROTATION_DAYS };
      else rotation = { kind: "max-age", maxAgeDays: s.rotation?.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS };
      return {
        name: s.name,
        envName: secretEnvName(s.name, s.env),
        source: s.source,
        description: s.description ?? "",
        ...(s.configKey !== undefined ? { configKey: s.configKey } : {}),
        length: s.length ?? 48,
        rotation,
        consumers: consumers.sort(),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
