/**
 * The container's environment as the manifest sets it: plain `agent.runtime.environment` and the
 * secrets' variables. Refused: a credential in plain environment (a password inside a connection
 * URL, or any value under a name that says it is a credential: `AWS_SECRET_ACCESS_KEY`,
 * `CLAUDE_CODE_OAUTH_TOKEN`), variables the AWS SDKs take credentials from (they replace the task
 * role), and `AIRLOCK_*` variables (Airlock sets those). Names and values are judged by the scan
 * engine (`scan/names.ts`, `scan/engine.ts`), the same judgement the scanner and the redactors make.
 */
import { AIRLOCK_ENV_PREFIX } from "../contracts/environment.ts";
import { isAwsCredentialEnv } from "../aws/credentials-env.ts";
import type { ProblemList } from "../errors.ts";
import { formatPath } from "../errors.ts";
import { detectSecrets, URL_PASSWORD_ID } from "../scan/engine.ts";
import { isSecretName } from "../scan/names.ts";
import type { Manifest } from "./schema.ts";
import { secretEnvName } from "./vocabulary.ts";

const AIRLOCK_OWNS = `${AIRLOCK_ENV_PREFIX}* variables are set by Airlock (the model hash, the approval tiers, …)`;

function replacesTaskRole(name: string): string {
  return `${name} makes the AWS SDKs take credentials from somewhere other than the task role (the default chain reads the environment first), so the agent would act outside its permission map`;
}

/** Adds a problem for every variable of `m`'s environment and secrets that must not be set so. */
export function checkEnvironment(m: Manifest, problems: ProblemList): void {
  const reported = new Set(problems.all.map((p) => p.path));
  for (const [name, value] of Object.entries(m.agent.runtime.environment)) {
    const at = formatPath(["agent", "runtime", "environment", name]);
    if (reported.has(at)) continue; // already refused as a literal credential
    if (name.startsWith(AIRLOCK_ENV_PREFIX)) {
      problems.add(at, `${AIRLOCK_OWNS}; rename it`);
    } else if (isAwsCredentialEnv(name)) {
      problems.add(at, `${replacesTaskRole(name)}; remove it and grant the tools what they need under \`tools[].aws\``);
    } else if (isSecretName(name)) {
      problems.add(at, `${name} names a credential, and plain environment is visible in the task definition; declare it under \`secrets\` (with \`env: ${name}\`) and let Secrets Manager inject it`);
    } else {
      // A URL's password is a credential whatever it looks like (documented examples included).
      const password = detectSecrets(value, { key: name }).find((d) => d.id === URL_PASSWORD_ID);
      if (password !== undefined) {
        problems.add(
          at,
          `holds a password inside a connection URL (${password.description}); plain environment is visible in the task definition: put the URL in Secrets Manager (declare it under \`secrets\` with \`env: ${name}\`)`,
        );
      }
    }
  }
  m.secrets.forEach((s, i) => {
    const env = secretEnvName(s.name, s.env);
    if (env.startsWith(AIRLOCK_ENV_PREFIX)) problems.add(`secrets[${i}].env`, `${env}: ${AIRLOCK_OWNS}; give the secret another \`env\``);
    else if (isAwsCredentialEnv(env)) problems.add(`secrets[${i}].env`, `${replacesTaskRole(env)}; remove the secret and grant the tools what they need under \`tools[].aws\``);
  });
}
