/**
 * Generated corpora for the leak scanner: real-format fake credentials with random bodies in each
 * format's alphabet and length (seeded, so a failure reproduces), and clean text that looks random
 * but is not a secret. Every planted credential records where it was planted.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const B64 = `${ALNUM}+/`;
export const B64URL = `${ALNUM}_-`;
export const HEX = "0123456789abcdef";
export const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function chars(r: () => number, alphabet: string, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

const digits = (r: () => number, n: number) => chars(r, "0123456789", n);
const b64url = (s: string) => Buffer.from(s).toString("base64url");

/** One fake credential per format: the text to plant, the pattern that must find it, and the part that is the secret. */
export function fakeCredentials(r: () => number): { patternId: string; value: string }[] {
  const jwt = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify({ sub: digits(r, 10), name: "Test User", iat: 1700000000 + Math.floor(r() * 1e6) }))}.${chars(r, B64URL, 43)}`;
  return [
    { patternId: "AnthropicApiKey", value: `sk-ant-api03-${chars(r, B64URL, 93)}AA` },
    { patternId: "AnthropicApiKey", value: `sk-ant-admin01-${chars(r, B64URL, 93)}AA` },
    { patternId: "AwsAccessKeyId", value: `AKIA${chars(r, BASE32, 16)}` },
    { patternId: "AwsAccessKeyId", value: `ASIA${chars(r, BASE32, 16)}` },
    { patternId: "GitHubToken", value: `ghp_${chars(r, ALNUM, 36)}` },
    { patternId: "GitHubToken", value: `gho_${chars(r, ALNUM, 36)}` },
    { patternId: "GitHubToken", value: `ghs_${chars(r, ALNUM, 36)}` },
    { patternId: "GitHubFineGrainedToken", value: `github_pat_${chars(r, ALNUM, 22)}_${chars(r, ALNUM, 59)}` },
    { patternId: "SlackToken", value: `xoxb-${digits(r, 12)}-${digits(r, 13)}-${chars(r, ALNUM, 24)}` },
    { patternId: "SlackToken", value: `xoxp-${digits(r, 12)}-${digits(r, 12)}-${digits(r, 13)}-${chars(r, HEX, 32)}` },
    { patternId: "SlackAppToken", value: `xapp-1-A${chars(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10)}-${digits(r, 13)}-${chars(r, HEX, 64)}` },
    { patternId: "SlackWebhookUrl", value: `hooks.slack.com/services/T${chars(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10)}/B${chars(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10)}/${chars(r, ALNUM, 24)}` },
    { patternId: "PostHogPersonalApiKey", value: `phx_${chars(r, ALNUM, 47)}` },
    { patternId: "JsonWebToken", value: jwt },
  ];
}

/** A PEM header, assembled so this source file does not itself hold one. */
export const pemHeader = (kind: string): string => `-----BEGIN ${kind}PRIVATE KEY-----`;

export interface Planted {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly patternId: string;
  readonly value: string;
}

/** Writes a repository-like tree with credentials planted in every kind of file; returns where. */
export function writeLeakyCorpus(root: string, seed = 20261125): Planted[] {
  const r = rng(seed);
  const planted: Planted[] = [];
  const files = new Map<string, string[]>();
  const add = (file: string, line: string, secret?: { patternId: string; value: string }) => {
    const lines = files.get(file) ?? [];
    lines.push(line);
    files.set(file, lines);
    if (secret) planted.push({ file, line: lines.length, column: line.indexOf(secret.value) + 1, patternId: secret.patternId, value: secret.value });
  };
  const creds = fakeCredentials(r);
  const [ant, antAdmin, akia, asia, ghp, gho, ghs, ghpat, xoxb, xoxp, xapp, hook, phx, jwt] = creds;

  // A prompt with a key pasted into it.
  add("prompts/system.md", "# Support agent");
  add("prompts/system.md", "You answer customer tickets politely and never promise refunds.");
  add("prompts/system.md", `If the billing API fails, use this key: ${ant!.value} and try again.`, ant);
  add("prompts/system.md", `Escalate to the on-call channel (${hook!.value.replace(/^/, "https://")}).`, hook);

  // A tool definition (Anthropic tool JSON) carrying credentials.
  add("tools/refund.json", "{");
  add("tools/refund.json", '  "name": "issue_refund",');
  add("tools/refund.json", `  "headers": { "Authorization": "Bearer ${ghp!.value}" },`, ghp);
  add("tools/refund.json", `  "x-posthog": "${phx!.value}",`, phx);
  const secretHex = chars(r, HEX, 40);
  add("tools/refund.json", `  "client_secret": "${secretHex}"`, { patternId: "HighEntropyString", value: secretHex });
  add("tools/refund.json", "}");

  // A .env file.
  const awsSecret = chars(r, B64, 40);
  add(".env", `AWS_ACCESS_KEY_ID=${akia!.value}`, akia);
  add(".env", `AWS_SECRET_ACCESS_KEY=${awsSecret}`, { patternId: "AwsSecretAccessKey", value: `AWS_SECRET_ACCESS_KEY=${awsSecret}` });
  add(".env", `SLACK_BOT_TOKEN=${xoxb!.value}`, xoxb);
  add(".env", `SLACK_APP_TOKEN=${xapp!.value}`, xapp);
  const dbPassword = chars(r, ALNUM, 24);
  add(".env", `DB_PASSWORD=${dbPassword}`, { patternId: "HighEntropyString", value: dbPassword });
  add(".env", "LOG_LEVEL=debug");

  // Code.
  add("src/client.ts", 'import { Octokit } from "@octokit/rest";');
  add("src/client.ts", `const octokit = new Octokit({ auth: "${ghpat!.value}" });`, ghpat);
  add("src/client.ts", `export const adminKey = "${antAdmin!.value}";`, antAdmin);
  const signing = chars(r, B64, 44);
  add("src/client.ts", `const signingKey = "${signing}";`, { patternId: "HighEntropyString", value: signing });
  const untagged = chars(r, ALNUM, 40);
  add("src/client.ts", `const fallback = "${untagged}";`, { patternId: "HighEntropyString", value: untagged });
  add("src/config.py", `AWS_SESSION = {"key": "${asia!.value}"}`, asia);
  add("src/config.py", `SLACK_USER_TOKEN = '${xoxp!.value}'`, xoxp);

  // An exported conversation log (JSONL) and a JSON export.
  const msg = (text: string) => JSON.stringify({ id: `msg_01${chars(r, ALNUM, 22)}`, type: "message", role: "user", content: [{ type: "text", text }] });
  add("logs/conversation.jsonl", msg("Hi, my order has not arrived."));
  add("logs/conversation.jsonl", msg(`Here is my token so you can check: ${gho!.value}`), gho);
  add("logs/conversation.jsonl", msg(`session ${jwt!.value}`), jwt);
  add("logs/export.json", "[");
  add("logs/export.json", `  {"role": "assistant", "content": "The deploy key is ${ghs!.value}"},`, ghs);
  add("logs/export.json", `  {"role": "user", "content": "${pemHeader("OPENSSH ")}\\nb3BlbnNzaC1rZXktdjEAAAAA\\n-----END OPENSSH PRIVATE KEY-----"}`, {
    patternId: "PrivateKey",
    value: pemHeader("OPENSSH "),
  });
  add("logs/export.json", "]");

  // A PEM file.
  add("keys/deploy.pem", pemHeader("RSA "), { patternId: "PrivateKey", value: pemHeader("RSA ") });
  for (let i = 0; i < 3; i++) add("keys/deploy.pem", chars(r, B64, 64));
  add("keys/deploy.pem", "-----END RSA PRIVATE KEY-----");

  // Never scanned: dependencies and git objects.
  add("node_modules/leaky/index.js", `module.exports = "${chars(r, ALNUM, 4)}${ant!.value}";`);
  add(".git/config", `[credential] token = ${ghp!.value}`);

  for (const [file, lines] of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), `${lines.join("\n")}\n`);
  }
  // A binary file holding a key: searched too (a NUL ends a string as a line break does, so the key is on "line" 4).
  writeFileSync(join(root, "keys/blob.bin"), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), Buffer.from(ghp!.value)]));
  planted.push({ file: "keys/blob.bin", line: 4, column: 2, patternId: "GitHubToken", value: ghp!.value });
  return planted;
}

/** Writes text that looks random but holds no secret. */
export function writeCleanCorpus(root: string, seed = 7): void {
  const r = rng(seed);
  const uuid = () => `${chars(r, HEX, 8)}-${chars(r, HEX, 4)}-4${chars(r, HEX, 3)}-a${chars(r, HEX, 3)}-${chars(r, HEX, 12)}`;
  const png = (n: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)))]).toString("base64");
  const jpeg = (n: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)))]).toString("base64");
  const files: Record<string, string> = {
    "README.md": [
      "# Support agent",
      "",
      "The agent reads tickets, searches the knowledge base and drafts replies. Every email waits for a",
      "human approval in Slack; refunds always do. Keys live in Secrets Manager, never in this repository:",
      "set `ANTHROPIC_API_KEY` with `aws secretsmanager put-secret-value --secret-id airlock/support-agent/anthropic-api-key`.",
      `Image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:${chars(r, HEX, 64)}`,
      `Release checksum sha256:${chars(r, HEX, 64)} was verified on 2026-11-25.`,
    ].join("\n"),
    "config/ids.json": JSON.stringify(
      {
        requestId: uuid(),
        trace_id: uuid(),
        tenant: uuid(),
        items: [uuid(), uuid(), uuid()],
        digest: chars(r, HEX, 64),
        commit: chars(r, HEX, 40),
        etag: `"${chars(r, HEX, 32)}"`,
        checksum: chars(r, HEX, 64),
      },
      null,
      2,
    ),
    "SHA256SUMS": Array.from({ length: 4 }, (_, i) => `${chars(r, HEX, 64)}  dist/airlock-${i}.tgz`).join("\n"),
    "logs/conversation.jsonl": [
      JSON.stringify({ id: `msg_01${chars(r, ALNUM, 22)}`, type: "message", role: "user", content: [{ type: "text", text: "Here is a photo of the broken item." }, { type: "image", source: { type: "base64", media_type: "image/png", data: png(900) } }] }),
      JSON.stringify({ id: `msg_01${chars(r, ALNUM, 22)}`, type: "message", role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/jpeg", data: jpeg(60) } }] }),
      JSON.stringify({ id: `msg_01${chars(r, ALNUM, 22)}`, type: "message", role: "assistant", content: [{ type: "tool_use", id: `toolu_01${chars(r, ALNUM, 22)}`, name: "read_ticket", input: { ticket_id: uuid() } }] }),
      JSON.stringify({ type: "tool_result", tool_use_id: `toolu_01${chars(r, ALNUM, 22)}`, request_id: `req_01${chars(r, ALNUM, 22)}`, content: "Ticket 4512: order #A-99812 delayed at the depot." }),
      JSON.stringify({ type: "message", role: "assistant", content: [{ type: "text", text: "I am sorry for the delay. Your order ships tomorrow; you will receive a tracking link." }] }),
    ].join("\n"),
    "package-lock.json": JSON.stringify(
      {
        name: "airlock",
        lockfileVersion: 3,
        packages: {
          "node_modules/zod": { version: "4.6.7", resolved: "https://registry.npmjs.org/zod/-/zod-4.6.7.tgz", integrity: `sha512-${chars(r, B64, 86)}==` },
          "node_modules/yaml": { version: "2.9.1", resolved: "https://registry.npmjs.org/yaml/-/yaml-2.9.1.tgz", integrity: `sha512-${chars(r, B64, 86)}==` },
          "node_modules/tsx": { version: "4.23.15", integrity: `sha1-${chars(r, B64, 27)}=` },
        },
      },
      null,
      2,
    ),
    "src/handler.ts": [
      'import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";',
      "const client = new DynamoDBClient({});",
      "const token = process.env.GITHUB_TOKEN;",
      "const credentials = fromContainerMetadata();",
      "export const apiKeyHeader = \"x-api-key\";",
      "const password = config.require(\"dbPassword\");",
      "const secretArn = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock/support-agent/github-token-AbCdEf\";",
      "type Token = CancellationToken | BinaryOperatorToken;",
    ].join("\n"),
    ".env.example": ["ANTHROPIC_API_KEY=", "GITHUB_TOKEN=<put the token here>", "AWS_REGION=us-east-1", "TICKETS_TABLE=support-tickets"].join("\n"),
    "agent.yaml": [
      "agent:",
      "  name: support-agent",
      `  image: { digest: 123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:${chars(r, HEX, 64)} }`,
      "secrets:",
      "  - name: github-token",
      "    source: out-of-band",
    ].join("\n"),
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), `${text}\n`);
  }
}
