/**
 * Secrets in disguise (issue #15): a password inside a connection URL in plain environment,
 * credentials under secret names in plain environment, static AWS keys as secrets (they replace
 * the task role), and variables that shadow Airlock's own `AIRLOCK_*`. Names and values are judged
 * by the scan engine (names.ts, values.ts), as everywhere else.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { compile } from "../../src/index.ts";
import { baseManifest, problemsOf } from "../fixtures.ts";


function withEnv(env: Record<string, string>): Record<string, any> {
  const m = baseManifest();
  m.agent.runtime = { environment: env };
  return m;
}

describe("secrets in plain environment", () => {
  for (const url of ["postgres://app:hunter2@db.internal:5432/app", "redis://:changeme@cache.internal:6379/0", "mongodb+srv://admin:admin@cluster0.example.net/db"]) {
    it(`given ${url} in plain environment, when compiled, then the URL's password is refused with the fix`, async () => {
      const problems = await problemsOf(withEnv({ DATABASE_URL: url }));
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]!.path, "agent.runtime.environment.DATABASE_URL");
      // The literal check refuses a password that looks real; the environment check any other (examples, placeholders).
      assert.match(
        problems[0]!.message,
        /^(holds a password inside a connection URL \(password in a [a-z+]+ URL\); plain environment is visible in the task definition: put the URL in Secrets Manager \(declare it under `secrets` with `env: DATABASE_URL`\)|looks like a literal credential \(password in a [a-z+]+ URL, .*\); never put credentials in the manifest: .*)$/,
      );
    });
  }

  it("given a connection URL without a password, when compiled, then it is accepted", async () => {
    const model = await compile(withEnv({ DATABASE_URL: "postgres://app@db.internal:5432/app" }));
    assert.equal(model.runtime.environment.DATABASE_URL, "postgres://app@db.internal:5432/app");
  });

  for (const name of ["OPENAI_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "DB_PASSWORD", "SLACK_SIGNING_SECRET"]) {
    it(`given ${name} in plain environment (whatever its value), when compiled, then it is refused: the name says it is a credential`, async () => {
      const problems = await problemsOf(withEnv({ [name]: "set-me-later" }));
      assert.deepEqual(problems, [
        {
          path: `agent.runtime.environment.${name}`,
          message: `${name} names a credential, and plain environment is visible in the task definition; declare it under \`secrets\` (with \`env: ${name}\`) and let Secrets Manager inject it`,
        },
      ]);
    });
  }

  it("given setting-like names (TOKEN_TTL, MAX_TOKENS, SECRET_ARN), when compiled, then they are accepted", async () => {
    const model = await compile(withEnv({ TOKEN_TTL: "3600", MAX_TOKENS: "4096", SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:x" }));
    assert.deepEqual(Object.keys(model.runtime.environment).sort(), ["MAX_TOKENS", "SECRET_ARN", "TOKEN_TTL"]);
  });

  it("given AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_PROFILE in plain environment, when compiled, then each is refused: it replaces the task role", async () => {
    const problems = await problemsOf(withEnv({ AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_PROFILE: "admin", AWS_SECRET_ACCESS_KEY: "set-me-later" }));
    assert.deepEqual(
      problems.map((p) => p.path),
      ["agent.runtime.environment.AWS_ACCESS_KEY_ID", "agent.runtime.environment.AWS_PROFILE", "agent.runtime.environment.AWS_SECRET_ACCESS_KEY"],
    );
    assert.equal(
      problems[1]!.message,
      "AWS_PROFILE makes the AWS SDKs take credentials from somewhere other than the task role (the default chain reads the environment first), so the agent would act outside its permission map; remove it and grant the tools what they need under `tools[].aws`",
    );
  });

  it("given an AIRLOCK_* variable in plain environment, when compiled, then it is refused: Airlock sets those", async () => {
    const problems = await problemsOf(withEnv({ AIRLOCK_MODEL_HASH: "0".repeat(64) }));
    assert.deepEqual(problems, [{ path: "agent.runtime.environment.AIRLOCK_MODEL_HASH", message: "AIRLOCK_* variables are set by Airlock (the model hash, the approval tiers, …); rename it" }]);
  });
});

describe("secrets that shadow what the task role or Airlock provides", () => {
  for (const [secret, env] of [
    [{ name: "aws-secret-access-key", source: "out-of-band" }, "AWS_SECRET_ACCESS_KEY"],
    [{ name: "deploy-keys", source: "out-of-band", env: "AWS_ACCESS_KEY_ID" }, "AWS_ACCESS_KEY_ID"],
  ] as const) {
    it(`given a secret injected as ${env}, when compiled, then it is refused: static AWS keys override the task role`, async () => {
      const m = baseManifest();
      m.secrets.push({ ...secret, rotation: { maxAgeDays: 30 } });
      m.tools[0].secrets = [secret.name];
      const problems = await problemsOf(m);
      assert.deepEqual(problems, [
        {
          path: "secrets[1].env",
          message: `${env} makes the AWS SDKs take credentials from somewhere other than the task role (the default chain reads the environment first), so the agent would act outside its permission map; remove the secret and grant the tools what they need under \`tools[].aws\``,
        },
      ]);
    });
  }

  it("given a secret whose env shadows AIRLOCK_APPROVAL_TIERS, when compiled, then it is refused", async () => {
    const m = baseManifest();
    m.secrets.push({ name: "tiers", source: "out-of-band", env: "AIRLOCK_APPROVAL_TIERS", rotation: { maxAgeDays: 30 } });
    m.tools[0].secrets = ["tiers"];
    const problems = await problemsOf(m);
    assert.deepEqual(problems, [{ path: "secrets[1].env", message: "AIRLOCK_APPROVAL_TIERS: AIRLOCK_* variables are set by Airlock (the model hash, the approval tiers, …); give the secret another `env`" }]);
  });
});
