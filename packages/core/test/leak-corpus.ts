/**
 * The leak corpus (issue #15): fake credentials of 30+ vendors in the right formats (prefixes,
 * alphabets, lengths, CRC32 checksums where the vendor has one), generated at run time from a
 * seed, planted in the places agents leak them; and lookalikes (digests, ids, placeholders,
 * public keys) that are not secrets. No credential is written in this file: every one is built
 * from its prefix and a random body, so nothing here trips a push-protection scanner.
 *
 * A document is one small file: its name (its extension tells code from config), its text, and
 * for a positive the span of the planted secret in the text as written (escaped or encoded), so a
 * finding counts when it overlaps that span.
 */
import { ALNUM, B64, B64URL, BASE32, HEX, chars, rng } from "./scan-corpus.ts";

export { rng };

/** How a value is placed: the vendor's env-style name for it and the kind of secret it is. */
export interface FakeSecret {
  /** Vendor, as reported per vendor in the benchmark. */
  readonly vendor: string;
  /** Format within the vendor (`classic`, `fine-grained`, …). */
  readonly kind: string;
  /** The secret itself. */
  readonly value: string;
  /** An env-style name it would be stored under. */
  readonly name: string;
  /**
   * A connection URL whose password is `value` (postgres, redis, mongodb+srv …): contexts plant
   * the URL, and the span is the password's.
   */
  readonly url?: string;
}

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const LETTERS = `${LOWER}${LOWER.toUpperCase()}`;
const DIGITS = "0123456789";
const PUNCT = "!#$%&*+-.=?^_~";

/** CRC32 (IEEE), as GitHub's and npm's token checksums use. */
export function crc32(s: string): number {
  let c = ~0 >>> 0;
  for (const b of Buffer.from(s)) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function base62(n: number, width: number): string {
  const A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  let s = "";
  for (let v = n; v > 0; v = Math.floor(v / 62)) s = A[v % 62] + s;
  return s.padStart(width, "0");
}

/** A GitHub-style token: prefix, 30 random characters, the base62 CRC32 of those (6). */
function checksummed(r: () => number, prefix: string): string {
  const body = chars(r, ALNUM, 30);
  return `${prefix}${body}${base62(crc32(body), 6)}`;
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString("base64url");

/** A password with punctuation, as people and generators make them. */
function password(r: () => number, n: number): string {
  const all = `${LETTERS}${DIGITS}${PUNCT}`;
  let s = chars(r, LETTERS, 1) + chars(r, DIGITS, 1) + chars(r, PUNCT.replace(/[=#]/g, ""), 1);
  s += chars(r, all.replace(/[=#]/g, ""), n - 3);
  return s;
}

function pemBody(r: () => number, lines: number, first: string): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(i === 0 ? `${first}${chars(r, B64, 64 - first.length)}` : chars(r, B64, 64));
  out.push(`${chars(r, B64, 20)}==`);
  return out.join("\n");
}

const BEGIN = (label: string) => `-----${"BEGIN"} ${label}-----`;
const END = (label: string) => `-----${"END"} ${label}-----`;

/** One generator per vendor format. */
export const VENDORS: readonly { vendor: string; kind: string; make: (r: () => number) => FakeSecret }[] = [
  { vendor: "Anthropic", kind: "api", make: (r) => ({ vendor: "Anthropic", kind: "api", value: `sk-ant-${"api03"}-${chars(r, B64URL, 93)}AA`, name: "ANTHROPIC_API_KEY" }) },
  { vendor: "Anthropic", kind: "admin", make: (r) => ({ vendor: "Anthropic", kind: "admin", value: `sk-ant-${"admin01"}-${chars(r, B64URL, 93)}AA`, name: "ANTHROPIC_ADMIN_KEY" }) },
  { vendor: "OpenAI", kind: "project", make: (r) => ({ vendor: "OpenAI", kind: "project", value: `sk-${"proj"}-${chars(r, B64URL, 74)}T3BlbkFJ${chars(r, B64URL, 74)}`, name: "OPENAI_API_KEY" }) },
  { vendor: "OpenAI", kind: "service-account", make: (r) => ({ vendor: "OpenAI", kind: "service-account", value: `sk-${"svcacct"}-${chars(r, B64URL, 58)}T3BlbkFJ${chars(r, B64URL, 58)}`, name: "OPENAI_KEY" }) },
  { vendor: "OpenAI", kind: "legacy", make: (r) => ({ vendor: "OpenAI", kind: "legacy", value: `sk-${chars(r, ALNUM, 20)}T3BlbkFJ${chars(r, ALNUM, 20)}`, name: "OPENAI_API_KEY" }) },
  { vendor: "AWS", kind: "access-key-id", make: (r) => ({ vendor: "AWS", kind: "access-key-id", value: `${"AKIA"}${chars(r, BASE32, 16)}`, name: "AWS_ACCESS_KEY_ID" }) },
  { vendor: "AWS", kind: "secret-access-key", make: (r) => ({ vendor: "AWS", kind: "secret-access-key", value: chars(r, B64, 40), name: "AWS_SECRET_ACCESS_KEY" }) },
  { vendor: "AWS", kind: "session-token", make: (r) => ({ vendor: "AWS", kind: "session-token", value: `IQoJb3JpZ2luX2Vj${chars(r, B64, 340)}`, name: "AWS_SESSION_TOKEN" }) },
  { vendor: "GitHub", kind: "classic", make: (r) => ({ vendor: "GitHub", kind: "classic", value: checksummed(r, "ghp_"), name: "GITHUB_TOKEN" }) },
  { vendor: "GitHub", kind: "oauth", make: (r) => ({ vendor: "GitHub", kind: "oauth", value: checksummed(r, "gho_"), name: "GH_TOKEN" }) },
  { vendor: "GitHub", kind: "fine-grained", make: (r) => ({ vendor: "GitHub", kind: "fine-grained", value: `github_pat_${chars(r, ALNUM, 22)}_${chars(r, ALNUM, 59)}`, name: "GITHUB_PAT" }) },
  { vendor: "GitLab", kind: "pat", make: (r) => ({ vendor: "GitLab", kind: "pat", value: `glpat-${chars(r, B64URL.replace("-", ""), 20)}`, name: "GITLAB_TOKEN" }) },
  { vendor: "GitLab", kind: "runner", make: (r) => ({ vendor: "GitLab", kind: "runner", value: `glrt-${chars(r, ALNUM, 20)}`, name: "CI_RUNNER_TOKEN" }) },
  { vendor: "Slack", kind: "bot", make: (r) => ({ vendor: "Slack", kind: "bot", value: `xoxb-${chars(r, DIGITS, 12)}-${chars(r, DIGITS, 13)}-${chars(r, ALNUM, 24)}`, name: "SLACK_BOT_TOKEN" }) },
  { vendor: "Slack", kind: "webhook", make: (r) => ({ vendor: "Slack", kind: "webhook", value: `https://hooks.slack.com/services/T${chars(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10)}/B${chars(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10)}/${chars(r, ALNUM, 24)}`, name: "SLACK_WEBHOOK_URL" }) },
  { vendor: "Stripe", kind: "secret", make: (r) => ({ vendor: "Stripe", kind: "secret", value: `sk_${"live"}_${chars(r, ALNUM, 99)}`, name: "STRIPE_SECRET_KEY" }) },
  { vendor: "Stripe", kind: "restricted", make: (r) => ({ vendor: "Stripe", kind: "restricted", value: `rk_${"live"}_${chars(r, ALNUM, 99)}`, name: "STRIPE_RESTRICTED_KEY" }) },
  { vendor: "Stripe", kind: "webhook-secret", make: (r) => ({ vendor: "Stripe", kind: "webhook-secret", value: `whsec_${chars(r, ALNUM, 32)}`, name: "STRIPE_WEBHOOK_SECRET" }) },
  { vendor: "SendGrid", kind: "api", make: (r) => ({ vendor: "SendGrid", kind: "api", value: `SG.${chars(r, B64URL, 22)}.${chars(r, B64URL, 43)}`, name: "SENDGRID_API_KEY" }) },
  { vendor: "Twilio", kind: "api-key", make: (r) => ({ vendor: "Twilio", kind: "api-key", value: `SK${chars(r, HEX, 32)}`, name: "TWILIO_API_KEY" }) },
  { vendor: "Twilio", kind: "auth-token", make: (r) => ({ vendor: "Twilio", kind: "auth-token", value: chars(r, HEX, 32), name: "TWILIO_AUTH_TOKEN" }) },
  { vendor: "Hugging Face", kind: "user", make: (r) => ({ vendor: "Hugging Face", kind: "user", value: `hf_${chars(r, LETTERS, 34)}`, name: "HF_TOKEN" }) },
  { vendor: "Google", kind: "api-key", make: (r) => ({ vendor: "Google", kind: "api-key", value: `AIza${chars(r, B64URL, 35)}`, name: "GOOGLE_API_KEY" }) },
  { vendor: "Google", kind: "oauth-client-secret", make: (r) => ({ vendor: "Google", kind: "oauth-client-secret", value: `GOCSPX-${chars(r, B64URL, 28)}`, name: "GOOGLE_CLIENT_SECRET" }) },
  { vendor: "Supabase", kind: "access-token", make: (r) => ({ vendor: "Supabase", kind: "access-token", value: `sbp_${chars(r, HEX, 40)}`, name: "SUPABASE_ACCESS_TOKEN" }) },
  { vendor: "Supabase", kind: "secret-key", make: (r) => ({ vendor: "Supabase", kind: "secret-key", value: `sb_secret_${chars(r, B64URL, 31)}`, name: "SUPABASE_SECRET_KEY" }) },
  { vendor: "npm", kind: "access-token", make: (r) => ({ vendor: "npm", kind: "access-token", value: checksummed(r, "npm_"), name: "NPM_TOKEN" }) },
  { vendor: "Databricks", kind: "pat", make: (r) => ({ vendor: "Databricks", kind: "pat", value: `dapi${chars(r, HEX, 32)}`, name: "DATABRICKS_TOKEN" }) },
  { vendor: "PostHog", kind: "personal", make: (r) => ({ vendor: "PostHog", kind: "personal", value: `phx_${chars(r, ALNUM, 47)}`, name: "POSTHOG_PERSONAL_API_KEY" }) },
  { vendor: "Pulumi", kind: "access-token", make: (r) => ({ vendor: "Pulumi", kind: "access-token", value: `pul-${chars(r, HEX, 40)}`, name: "PULUMI_ACCESS_TOKEN" }) },
  { vendor: "DigitalOcean", kind: "pat", make: (r) => ({ vendor: "DigitalOcean", kind: "pat", value: `dop_v1_${chars(r, HEX, 64)}`, name: "DIGITALOCEAN_TOKEN" }) },
  { vendor: "Shopify", kind: "admin", make: (r) => ({ vendor: "Shopify", kind: "admin", value: `shpat_${chars(r, HEX, 32)}`, name: "SHOPIFY_ACCESS_TOKEN" }) },
  { vendor: "Linear", kind: "api", make: (r) => ({ vendor: "Linear", kind: "api", value: `lin_api_${chars(r, ALNUM, 40)}`, name: "LINEAR_API_KEY" }) },
  { vendor: "Groq", kind: "api", make: (r) => ({ vendor: "Groq", kind: "api", value: `gsk_${chars(r, ALNUM, 52)}`, name: "GROQ_API_KEY" }) },
  { vendor: "Replicate", kind: "api", make: (r) => ({ vendor: "Replicate", kind: "api", value: `r8_${chars(r, ALNUM, 37)}`, name: "REPLICATE_API_TOKEN" }) },
  { vendor: "LangSmith", kind: "pat", make: (r) => ({ vendor: "LangSmith", kind: "pat", value: `lsv2_pt_${chars(r, HEX, 32)}_${chars(r, HEX, 10)}`, name: "LANGSMITH_API_KEY" }) },
  { vendor: "HashiCorp Vault", kind: "service", make: (r) => ({ vendor: "HashiCorp Vault", kind: "service", value: `hvs.${chars(r, B64URL, 95)}`, name: "VAULT_TOKEN" }) },
  { vendor: "Discord", kind: "webhook", make: (r) => ({ vendor: "Discord", kind: "webhook", value: `https://discord.com/api/webhooks/${chars(r, DIGITS, 18)}/${chars(r, B64URL, 68)}`, name: "DISCORD_WEBHOOK" }) },
  { vendor: "Azure", kind: "storage-key", make: (r) => ({ vendor: "Azure", kind: "storage-key", value: `${chars(r, B64, 86)}==`, name: "AZURE_STORAGE_KEY" }) },
  { vendor: "Heroku", kind: "api-key", make: (r) => ({ vendor: "Heroku", kind: "api-key", value: `HRKU-AA${chars(r, B64URL, 58)}`, name: "HEROKU_API_KEY" }) },
  { vendor: "PostgreSQL", kind: "url-password", make: (r) => { const p = chars(r, ALNUM, 20); return { vendor: "PostgreSQL", kind: "url-password", value: p, url: `postgres://app_user:${p}@db.internal.example.com:5432/orders?sslmode=require`, name: "DATABASE_URL" }; } },
  { vendor: "MySQL", kind: "url-password", make: (r) => { const p = chars(r, ALNUM, 18); return { vendor: "MySQL", kind: "url-password", value: p, url: `mysql://reporter:${p}@10.0.3.7:3306/analytics`, name: "MYSQL_URL" }; } },
  { vendor: "Redis", kind: "url-password", make: (r) => { const p = chars(r, ALNUM, 32); return { vendor: "Redis", kind: "url-password", value: p, url: `rediss://default:${p}@cache.example.net:6380/0`, name: "REDIS_URL" }; } },
  { vendor: "MongoDB", kind: "url-password", make: (r) => { const p = chars(r, ALNUM, 16); return { vendor: "MongoDB", kind: "url-password", value: p, url: `mongodb+srv://agent:${p}@cluster0.ab1cd.mongodb.net/support?retryWrites=true&w=majority`, name: "MONGODB_URI" }; } },
  { vendor: "Private key", kind: "rsa", make: (r) => ({ vendor: "Private key", kind: "rsa", value: `${BEGIN("RSA PRIVATE KEY")}\n${pemBody(r, 12, "MIIEpAIBAAKCAQEA")}\n${END("RSA PRIVATE KEY")}`, name: "TLS_KEY" }) },
  { vendor: "Private key", kind: "pkcs8", make: (r) => ({ vendor: "Private key", kind: "pkcs8", value: `${BEGIN("PRIVATE KEY")}\n${pemBody(r, 12, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")}\n${END("PRIVATE KEY")}`, name: "PRIVATE_KEY" }) },
  { vendor: "Private key", kind: "openssh", make: (r) => ({ vendor: "Private key", kind: "openssh", value: `${BEGIN("OPENSSH PRIVATE KEY")}\n${pemBody(r, 6, "b3BlbnNzaC1rZXktdjEAAAAA")}\n${END("OPENSSH PRIVATE KEY")}`, name: "DEPLOY_KEY" }) },
  { vendor: "Private key", kind: "ec", make: (r) => ({ vendor: "Private key", kind: "ec", value: `${BEGIN("EC PRIVATE KEY")}\n${pemBody(r, 3, "MHcCAQEEI")}\n${END("EC PRIVATE KEY")}`, name: "SIGNING_KEY" }) },
  {
    vendor: "JWT",
    kind: "hs256",
    make: (r) => ({
      vendor: "JWT",
      kind: "hs256",
      value: `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify({ sub: chars(r, DIGITS, 10), role: "service_role", iat: 1700000000 + Math.floor(r() * 1e6) }))}.${chars(r, B64URL, 43)}`,
      name: "SUPABASE_SERVICE_ROLE_KEY",
    }),
  },
  { vendor: "Generic", kind: "password", make: (r) => ({ vendor: "Generic", kind: "password", value: password(r, 14 + Math.floor(r() * 10)), name: "DB_PASSWORD" }) },
  { vendor: "Generic", kind: "api-key", make: (r) => ({ vendor: "Generic", kind: "api-key", value: chars(r, ALNUM, 32), name: "ACME_API_KEY" }) },
  { vendor: "Generic", kind: "service-key", make: (r) => ({ vendor: "Generic", kind: "service-key", value: chars(r, B64URL, 40), name: "X-Service-Key" }) },
];

/** A document of the corpus: a file's name and text, and for a positive where its secret is. */
export interface LeakDoc {
  readonly file: string;
  readonly text: string;
  readonly context: string;
  /** Absent for lookalikes. */
  readonly secret?: FakeSecret;
  /** Span of the secret as written in `text` (escaped, encoded or plain). */
  readonly span?: readonly [number, number];
}

const isUrl = (s: FakeSecret) => s.url !== undefined;
/** What a context writes: the URL for URL passwords, else the value. */
const written = (s: FakeSecret) => s.url ?? s.value;
const oneLine = (s: FakeSecret) => !s.value.includes("\n");

/** JSON.stringify, then `/` as `\/` (PHP, some loggers) and `-` as `\u002d` (ensure-ascii-style encoders that escape more). */
function jsonEscapeHard(s: string, variant: number): string {
  const j = JSON.stringify(s).slice(1, -1);
  if (variant === 1) return j.replace(/\//g, "\\/");
  if (variant === 2) return j.replace(/-/g, "\\u002d").replace(/_/g, "\\u005f");
  return j;
}

interface Context {
  readonly name: string;
  /** Whether this context can hold this secret (PEM blocks do not fit on a shell line). */
  readonly fits: (s: FakeSecret) => boolean;
  /** The file name and text, with the written form of the secret, whose span is found by `marker`. */
  readonly render: (s: FakeSecret, r: () => number) => { file: string; text: string; marker: string };
}

const envName = (s: FakeSecret) => s.name.replace(/-/g, "_").toUpperCase();

export const CONTEXTS: readonly Context[] = [
  {
    name: "prompt",
    fits: (s) => oneLine(s),
    render: (s) => {
      const w = written(s);
      const line = isUrl(s) || s.vendor === "Generic" || s.kind === "secret-access-key" || s.kind === "auth-token" || s.kind === "storage-key"
        ? `If the lookup fails, the ${envName(s)} is ${w} so use that.`
        : `If the billing API fails, use this key: ${w} and try again.`;
      return { file: "prompts/system.md", text: `# Support agent\n\nYou answer tickets politely.\n${line}\nNever promise refunds.\n`, marker: w };
    },
  },
  {
    name: "tool-definition",
    fits: () => true,
    render: (s) => {
      const w = written(s);
      const text = JSON.stringify({ name: "issue_refund", description: "Refund an order", input_schema: { type: "object" }, config: { endpoint: "https://api.example.com/refunds", [s.name.toLowerCase().replace(/^x-/, "")]: w } }, null, 2);
      const marker = JSON.stringify(w).slice(1, -1);
      return { file: "tools/refund.json", text, marker };
    },
  },
  {
    name: ".env",
    fits: () => true,
    render: (s) => {
      const w = s.value.includes("\n") ? `"${s.value.replace(/\n/g, "\\n")}"` : written(s);
      return { file: ".env", text: `LOG_LEVEL=debug\nAWS_REGION=us-east-1\n${envName(s)}=${w}\nTICKETS_TABLE=support-tickets\n`, marker: w.replace(/^"|"$/g, "") };
    },
  },
  {
    name: "source-ts",
    fits: () => true,
    render: (s) => {
      const w = s.value.includes("\n") ? s.value.replace(/\n/g, "\\n") : written(s);
      const camel = envName(s).toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      return { file: "src/client.ts", text: `import { Client } from "./client-base";\n\nconst ${camel} = "${w}";\nexport const client = new Client({ region: "us-east-1", auth: ${camel} });\n`, marker: w };
    },
  },
  {
    name: "source-py",
    fits: () => true,
    render: (s) => {
      const w = s.value.includes("\n") ? s.value.replace(/\n/g, "\\n") : written(s);
      return { file: "agent/settings.py", text: `import os\n\nREGION = "us-east-1"\nos.environ["${envName(s)}"] = '${w}'\nTIMEOUT = 30\n`, marker: w };
    },
  },
  {
    name: "jsonl-log",
    fits: () => true,
    render: (s, r) => {
      const variant = Math.floor(r() * 3);
      const w = written(s);
      const said = isUrl(s) || s.vendor === "Generic" || s.kind === "secret-access-key" || s.kind === "auth-token" || s.kind === "storage-key" ? `my ${envName(s)} is ${w}` : `here is the key so you can check: ${w}`;
      const lines = [
        JSON.stringify({ type: "message", role: "user", content: [{ type: "text", text: "Hi, my order has not arrived." }] }),
        `{"type":"message","role":"user","content":[{"type":"text","text":"${jsonEscapeHard(said, variant)}"}]}`,
        JSON.stringify({ type: "message", role: "assistant", content: [{ type: "text", text: "Thanks, checking now." }] }),
      ];
      return { file: "logs/conversation.jsonl", text: `${lines.join("\n")}\n`, marker: jsonEscapeHard(w, variant) };
    },
  },
  {
    name: "notebook",
    fits: () => true,
    render: (s) => {
      const w = written(s);
      const cell = { cell_type: "code", metadata: {}, source: ["import os\n", `os.environ["${envName(s)}"] = "${w.replace(/\n/g, "\\n")}"\n`, "client = make_client()\n"], outputs: [], execution_count: 3 };
      const text = JSON.stringify({ cells: [cell], metadata: { kernelspec: { name: "python3" } }, nbformat: 4, nbformat_minor: 5 }, null, 1);
      return { file: "notebooks/explore.ipynb", text, marker: JSON.stringify(w.replace(/\n/g, "\\n")).slice(1, -1) };
    },
  },
  {
    name: "shell-history",
    fits: (s) => oneLine(s),
    render: (s, r) => {
      const w = written(s);
      const forms = s.kind === "secret-access-key"
        ? [`aws configure set aws_secret_access_key ${w}`, `export AWS_SECRET_ACCESS_KEY=${w}`]
        : s.kind === "session-token"
          ? [`aws configure set aws_session_token ${w}`, `export AWS_SESSION_TOKEN=${w}`]
          : isUrl(s)
            ? [`psql "${w}"`, `export ${envName(s)}='${w}'`]
            : s.vendor === "Generic" || s.kind === "auth-token" || s.kind === "storage-key"
              ? [`export ${envName(s)}='${w}'`, `curl -s -H "${s.name === "X-Service-Key" ? "X-Service-Key" : "X-Api-Key"}: ${w}" https://api.example.com/v1/status`]
              : [`curl -s -H "Authorization: Bearer ${w}" https://api.example.com/v1/me`, `export ${envName(s)}=${w}`];
      const line = forms[Math.floor(r() * forms.length)]!;
      return { file: ".bash_history", text: `cd ~/src/agent\ngit status\n${line}\nnpm test\n`, marker: w };
    },
  },
  {
    name: "url",
    fits: (s) => oneLine(s),
    render: (s) => {
      if (isUrl(s) || s.value.startsWith("https://")) {
        const w = written(s);
        return { file: "logs/app.log", text: `2026-11-25T10:00:00Z INFO connecting to ${w}\n2026-11-25T10:00:01Z INFO connected\n`, marker: w };
      }
      const w = encodeURIComponent(s.value);
      return { file: "logs/access.log", text: `2026-11-25T10:00:00Z GET https://api.example.com/v1/items?limit=10&api_key=${w}&page=2 200 12ms\n`, marker: w };
    },
  },
  {
    name: "yaml-block-scalar",
    fits: () => true,
    render: (s) => {
      const w = written(s);
      const key = s.name.toLowerCase().replace(/^x-/, "").replace(/-/g, "_");
      const block = w.split("\n").map((l) => `    ${l}`).join("\n");
      return { file: "deploy/values.yaml", text: `service:\n  name: support-agent\n  replicas: 2\n  ${key}: ${w.includes("\n") ? "|" : ">-"}\n${block}\n  region: us-east-1\n`, marker: block.trim() };
    },
  },
  {
    name: "base64-config",
    fits: () => true,
    render: (s, r) => {
      const w = written(s);
      const form = Math.floor(r() * 2);
      if (form === 0) {
        const b = Buffer.from(w).toString("base64");
        const key = s.name.toLowerCase().replace(/^x-/, "").replace(/_/g, "-");
        return { file: "k8s/secret.yaml", text: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: agent\ntype: Opaque\ndata:\n  ${key}: ${b}\n`, marker: b };
      }
      const b = Buffer.from(`# generated\nREGION=us-east-1\n${envName(s)}=${w.replace(/\n/g, "\\n")}\n`).toString("base64");
      return { file: "config/bootstrap.json", text: JSON.stringify({ version: 2, env_b64: b }, null, 2), marker: b };
    },
  },
  {
    name: "http-headers",
    fits: (s) => oneLine(s) && !isUrl(s),
    render: (s) => {
      const w = written(s);
      const header = s.name === "X-Service-Key" ? `X-Service-Key: ${w}` : s.vendor === "Generic" || s.kind === "auth-token" || s.kind === "secret-access-key" || s.kind === "storage-key" ? `X-Api-Key: ${w}` : `Authorization: Bearer ${w}`;
      return { file: "logs/request.http", text: `POST /v1/refunds HTTP/1.1\nHost: api.example.com\nContent-Type: application/json\n${header}\nUser-Agent: agent/1.0\n\n{"order":"A-99812"}\n`, marker: w };
    },
  },
  {
    name: "terraform",
    fits: () => true,
    render: (s) => {
      const w = s.value.includes("\n") ? `<<EOT\n${s.value}\nEOT` : `"${written(s)}"`;
      const key = s.name.toLowerCase().replace(/^x-/, "").replace(/-/g, "_");
      return { file: "infra/prod.tfvars", text: `region = "us-east-1"\n${key} = ${w}\ninstance_type = "t3.micro"\n`, marker: s.value.includes("\n") ? s.value : written(s) };
    },
  },
];

function spanOf(text: string, marker: string, s: FakeSecret): [number, number] {
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`corpus: ${s.vendor}/${s.kind}: marker not in text`);
  // For a URL, only the password is the secret; it sits before the URL's `@`.
  if (s.url !== undefined && marker === written(s)) {
    const p = marker.indexOf(`:${s.value}@`) + 1;
    return [at + p, at + p + s.value.length];
  }
  return [at, at + marker.length];
}

/**
 * The positives: every vendor format in a rotation of contexts (each format in at least five,
 * each context holding at least ten), seeded.
 */
export function positives(seed = 15, perFormat = 5): LeakDoc[] {
  const r = rng(seed);
  const docs: LeakDoc[] = [];
  VENDORS.forEach((v, i) => {
    const fitting = CONTEXTS.filter((c) => c.fits(v.make(rng(0))));
    for (let k = 0; k < perFormat; k++) {
      const c = fitting[(i * 3 + k * 5) % fitting.length]!;
      const s = v.make(r);
      const { file, text, marker } = c.render(s, r);
      docs.push({ file, text, context: c.name, secret: s, span: spanOf(text, marker, s) });
    }
  });
  return docs;
}

const hex = (r: () => number, n: number) => chars(r, HEX, n);
const uuid = (r: () => number) => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const B32LOW = "abcdefghijklmnopqrstuvwxyz234567";

/** Lookalikes: random-looking text that is no secret, each in a file of its kind. */
export function lookalikes(seed = 16, copies = 8): LeakDoc[] {
  const r = rng(seed);
  const makers: [string, string, () => string][] = [
    ["go.sum", "go.sum", () => `github.com/aws/aws-sdk-go-v2 v1.${Math.floor(r() * 40)}.0 h1:${chars(r, B64, 43)}=\ngithub.com/aws/aws-sdk-go-v2 v1.30.0/go.mod h1:${chars(r, B64, 43)}=\n`],
    ["stripe-ids", "logs/stripe.jsonl", () => `${JSON.stringify({ id: `evt_${chars(r, ALNUM, 24)}`, type: "payment_intent.succeeded", data: { object: { id: `pi_${chars(r, ALNUM, 24)}`, customer: `cus_${chars(r, ALNUM, 14)}`, payment_method: `pm_${chars(r, ALNUM, 24)}`, latest_charge: `ch_${chars(r, ALNUM, 24)}`, client_secret_ref: `seti_${chars(r, ALNUM, 24)}` } } })}\n`],
    ["stripe-publishable", "web/checkout.ts", () => `export const stripe = loadStripe("pk_${"live"}_${chars(r, ALNUM, 99)}");\nconst price = "price_${chars(r, ALNUM, 24)}";\n`],
    ["ipfs", "data/pins.json", () => JSON.stringify({ cid: `Qm${chars(r, BASE58, 44)}`, cid_v1: `bafybei${chars(r, B32LOW, 52)}`, gateway: "https://ipfs.io/ipfs/" }, null, 2)],
    ["ksuid-nanoid-ulid", "logs/events.log", () => `event=${chars(r, ALNUM, 27)} session=${chars(r, B64URL, 21)} trace=${chars(r, "0123456789ABCDEFGHJKMNPQRSTVWXYZ", 26)} span=${hex(r, 16)}\n`],
    ["base64-json", "logs/callback.log", () => `GET /oauth/callback?state=${b64url(JSON.stringify({ return_to: "/settings", nonce: hex(r, 8), ts: 1700000000 }))}&code_challenge_method=S256 200\ncursor: ${Buffer.from(JSON.stringify({ page: Math.floor(r() * 9), after: uuid(r) })).toString("base64")}\n`],
    ["jwt-header-only", "config/jwt.yaml", () => `jwt:\n  header: ${b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: hex(r, 8) }))}\n  issuer: https://auth.example.com/\n`],
    ["documented-examples", "docs/aws.md", () => `Set the keys, for example:\n\n    AWS_ACCESS_KEY_ID=${"AKIA"}IOSFODNN7EXAMPLE\n    AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCY${"EXAMPLE"}KEY\n`],
    ["xxxx-placeholders", "README.md", () => `export OPENAI_API_KEY=sk-${"proj"}-${"x".repeat(40)}\nexport GITHUB_TOKEN=ghp_${"x".repeat(36)}\nexport ANTHROPIC_API_KEY=sk-ant-${"api03"}-${"X".repeat(93)}AA\n`],
    ["env-placeholders", ".env.example", () => `ANTHROPIC_API_KEY=\nGITHUB_TOKEN=<put the token here>\nDB_PASSWORD=\${DB_PASSWORD}\nSLACK_BOT_TOKEN=your-slack-bot-token\nSTRIPE_SECRET_KEY=changeme\nAPI_KEY=********\n`],
    ["references", "src/config.ts", () => `const apiKey = process.env.OPENAI_API_KEY;\nconst password = config.require("dbPassword");\nconst token = await secrets.get("github-token");\nconst secretArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock/support-agent/github-token-${chars(r, LETTERS, 6)}";\n`],
    ["ci-references", ".github/workflows/ci.yml", () => `env:\n  NPM_TOKEN: \${{ secrets.NPM_TOKEN }}\n  PULUMI_ACCESS_TOKEN: \${{ secrets.PULUMI_ACCESS_TOKEN }}\n  password: "{{ vault_db_password }}"\n`],
    ["urls-without-passwords", "config/urls.env", () => `DATABASE_URL=postgres://app_user@db.internal:5432/orders\nREDIS_URL=redis://cache.internal:6379/0\nMONGODB_URI=mongodb+srv://<user>:<password>@cluster0.ab1cd.mongodb.net/support\nPG_URL=postgres://app:\${DB_PASSWORD}@db:5432/app\nSENTRY_DSN=https://${hex(r, 32)}@o${Math.floor(r() * 1e6)}.ingest.sentry.io/${Math.floor(r() * 1e6)}\n`],
    ["public-keys", "keys/id_ed25519.pub", () => `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${chars(r, B64, 43)} dev@laptop\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${chars(r, B64, 200)} ci@runner\n`],
    ["certificate", "certs/ca.pem", () => `${BEGIN("CERTIFICATE")}\n${pemBody(r, 10, "MIIDdzCCAl+gAwIBAgIE")}\n${END("CERTIFICATE")}\n${BEGIN("PUBLIC KEY")}\n${pemBody(r, 4, "MIIBIjANBgkqhkiG9w0BAQEFAAOC")}\n${END("PUBLIC KEY")}\n`],
    ["kubeconfig-ca", "kubeconfig.yaml", () => `clusters:\n- cluster:\n    certificate-authority-data: ${Buffer.from(`${BEGIN("CERTIFICATE")}\n${pemBody(r, 8, "MIIC5zCCAc+gAwIBAgIBADAN")}\n${END("CERTIFICATE")}\n`).toString("base64")}\n    server: https://ABCDEF.gr7.us-east-1.eks.amazonaws.com\n`],
    ["digests", "release.json", () => JSON.stringify({ image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/agent@sha256:${hex(r, 64)}`, commit: hex(r, 40), tree: hex(r, 40), checksum: hex(r, 64), etag: `"${hex(r, 32)}"`, integrity: `sha512-${chars(r, B64, 86)}==`, sri: `sha384-${chars(r, B64, 64)}` }, null, 2)],
    ["ids", "logs/conversation.jsonl", () => `${JSON.stringify({ id: `msg_01${chars(r, ALNUM, 22)}`, type: "message", request_id: `req_01${chars(r, ALNUM, 22)}`, tool: { id: `toolu_01${chars(r, ALNUM, 22)}` }, openai: { id: `chatcmpl-${chars(r, ALNUM, 29)}`, call: `call_${chars(r, ALNUM, 24)}`, file: `file-${chars(r, ALNUM, 24)}` }, trace_id: uuid(r), requestId: uuid(r) })}\n`],
    ["token-words", "src/llm.py", () => `max_tokens = 4096\ntoken_count = count_tokens(prompt)\ntokenizer = AutoTokenizer.from_pretrained("gpt2")\npassword_min_length = 12\nsecret_name = "airlock/prod/db"\napi_key_header = "X-Api-Key"\ntoken_url = "https://auth.example.com/oauth/token"\n`],
    ["password-hashes", "db/seed.sql", () => `INSERT INTO users (email, password_hash) VALUES ('a@example.com', '$2b$12$${chars(r, `${ALNUM}./`, 53)}');\n-- password_digest: ${hex(r, 64)}\n`],
    ["base64-image", "logs/upload.jsonl", () => `${JSON.stringify({ type: "image", source: { type: "base64", media_type: "image/png", data: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(Array.from({ length: 600 }, () => Math.floor(r() * 256)))]).toString("base64") } })}\n`],
    ["aws-ids", "notes.md", () => `Account 123456789012, role arn:aws:iam::123456789012:role/${chars(r, LETTERS, 12)}, key id ${uuid(r)}, bucket agent-artifacts-${hex(r, 8)}, instance i-${hex(r, 17)}, sg-${hex(r, 17)}.\n`],
    ["twilio-sid", "config/sms.yaml", () => `twilio:\n  account_sid: AC${hex(r, 32)}\n  messaging_service_sid: MG${hex(r, 32)}\n  from: "+15005550006"\n`],
    ["uuids-under-names", "config/ids.env", () => `TENANT_ID=${uuid(r)}\nCLIENT_ID=${uuid(r)}\nAPP_ID=${chars(r, ALNUM, 20)}\nSLACK_CHANNEL=C0${chars(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 9)}\nPOSTHOG_PROJECT_KEY=phc_${chars(r, ALNUM, 43)}\n`],
    ["prose", "docs/guide.md", () => "Rotate the API key every 90 days. The token is read from Secrets Manager at start, never from the environment; the password of the database is generated by Airlock and rotated by the rotation function.\n"],
    ["lockfile", "package-lock.json", () => JSON.stringify({ packages: { "node_modules/zod": { version: "4.6.7", resolved: "https://registry.npmjs.org/zod/-/zod-4.6.7.tgz", integrity: `sha512-${chars(r, B64, 86)}==` } } }, null, 2)],
  ];
  const docs: LeakDoc[] = [];
  for (let k = 0; k < copies; k++) {
    for (const [context, file, make] of makers) docs.push({ file, text: make(), context });
  }
  return docs;
}

/**
 * Lookalikes kept out of tuning: other kinds of non-secret random-looking text, run only to check
 * that the rules did not learn the tuned set by heart.
 */
export function heldOutLookalikes(seed = 17, copies = 3): LeakDoc[] {
  const r = rng(seed);
  const makers: [string, string, () => string][] = [
    ["yarn-lock", "yarn.lock", () => `"yaml@^2.9.1":\n  version "2.9.1"\n  resolved "https://registry.yarnpkg.com/yaml/-/yaml-2.9.1.tgz#${hex(r, 40)}"\n  integrity sha512-${chars(r, B64, 86)}==\n`],
    ["cargo-lock", "Cargo.lock", () => `[[package]]\nname = "serde"\nversion = "1.0.210"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "${hex(r, 64)}"\n`],
    ["poetry-hashes", "requirements.txt", () => `requests==2.32.3 \\\n    --hash=sha256:${hex(r, 64)} \\\n    --hash=sha256:${hex(r, 64)}\n`],
    ["mongo-objectids", "logs/db.log", () => `find orders {_id: ObjectId("${hex(r, 24)}")} user=${hex(r, 24)} took 3ms\n`],
    ["snowflakes", "logs/discord.log", () => `guild=${chars(r, DIGITS, 18)} channel=${chars(r, DIGITS, 18)} message=${chars(r, DIGITS, 19)}\n`],
    ["data-uri", "web/icon.css", () => `.icon { background: url("data:image/png;base64,iVBORw0KGgo${chars(r, B64, 200)}"); }\n`],
    ["gzip-b64", "logs/payload.log", () => `payload=H4sIAAAAAAAA${chars(r, B64, 120)}\n`],
    ["openai-ids", "logs/openai.jsonl", () => `${JSON.stringify({ id: `resp_${hex(r, 48)}`, assistant: `asst_${chars(r, ALNUM, 24)}`, thread: `thread_${chars(r, ALNUM, 24)}`, run: `run_${chars(r, ALNUM, 24)}`, batch: `batch_${chars(r, ALNUM, 24)}` })}\n`],
    ["css-hashes", "dist/index.html", () => `<script src="/assets/index-${chars(r, B64URL, 8)}.js" integrity="sha384-${chars(r, B64, 64)}"></script>\n<link href="/assets/style.${hex(r, 20)}.css">\n`],
    ["git-log", "CHANGELOG.md", () => `* ${hex(r, 40)} fix the retry\n* ${hex(r, 7)} add the refund tool\nMerge: ${hex(r, 7)} ${hex(r, 7)}\n`],
    ["example-keys-in-docs", "docs/keys.md", () => `The key looks like \`sk-ant-api03-...\` or \`ghp_\` followed by 36 characters; never paste one here. Use \`sk_test_\` keys only in tests: \`sk_${"test"}_${"0".repeat(24)}\`.\n`],
    ["redacted", "logs/redacted.log", () => `Authorization: Bearer [REDACTED:GitHubToken]\napi_key=[REDACTED:SensitiveKey]\npassword=****\n`],
    ["oauth-public", "config/oauth.json", () => JSON.stringify({ client_id: `${chars(r, DIGITS, 12)}-${chars(r, LOWER + DIGITS, 32)}.apps.googleusercontent.com`, redirect_uri: "https://app.example.com/callback", code_challenge: chars(r, B64URL, 43) }, null, 2)],
    ["sha1-fingerprints", "known_hosts", () => `github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${chars(r, B64, 43)}\n# SHA256:${chars(r, B64, 43)}\n`],
    ["hex-colors-and-versions", "theme.json", () => JSON.stringify({ primary: `#${hex(r, 6)}`, build: `${Math.floor(r() * 9)}.${Math.floor(r() * 20)}.${Math.floor(r() * 99)}+${hex(r, 12)}`, buildId: chars(r, ALNUM, 21) })],
  ];
  const docs: LeakDoc[] = [];
  for (let k = 0; k < copies; k++) for (const [context, file, make] of makers) docs.push({ file, text: make(), context });
  return docs;
}

/** Offset of a 1-based line and column in `text`. */
export function offsetOf(text: string, line: number, column: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) at = text.indexOf("\n", at) + 1;
  return at + column - 1;
}
