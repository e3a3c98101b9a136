/**
 * Adversarial manifests through the real `airlock plan` (issue #15): each refusal exits 2 with the
 * field and the fix on stderr, and prints no plan.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { main } from "../src/main.ts";
import { bufferIo } from "../src/io.ts";

/** A minimal valid manifest (ECR image in us-east-1, one read tool). */
export function manifest(): Record<string, any> {
  return {
    apiVersion: "airlock/v1",
    agent: {
      name: "probe-agent",
      owner: "team@example.com",
      image: { digest: `123456789012.dkr.ecr.us-east-1.amazonaws.com/probe-agent@sha256:${"b".repeat(64)}` },
      model: { provider: "bedrock", id: "anthropic.claude-sonnet-4-5-20250929-v1:0" },
    },
    tools: [
      {
        name: "read_orders",
        description: "Reads orders.",
        access: "read",
        aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"] }],
      },
    ],
  };
}

/** Writes `text` (or bytes) as agent.yaml in a fresh directory and runs `airlock plan` on it. */
export async function planFile(content: string | Buffer, files: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "airlock-adv-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "agent.yaml"), content);
  const io = bufferIo(dir);
  const code = await main(["plan", "agent.yaml", "--no-guardrails"], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

export async function planManifest(m: unknown, files: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return planFile(stringify(m), files);
}

describe("airlock plan on adversarial manifests", () => {
  it("given the minimal manifest, when planned, then it plans (exit 0): the cases below break one thing each", async () => {
    const r = await planManifest(manifest());
    assert.equal(r.code, 0, r.stderr);
  });

  it("given a !!js/function tag, when planned, then exit 2 naming the field and the fix", async () => {
    const r = await planFile(stringify(manifest()).replace("owner: team@example.com", "owner: !!js/function 'function () {}'"));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /agent\.owner \(line \d+, column \d+\): has the YAML tag `!!js\/function`, which Airlock does not read/);
    assert.equal(r.stdout, "");
  });

  it("given an alias bomb, when planned, then exit 2 naming the limit and the fix (not exit 1 with the parser's words)", async () => {
    const bomb = ['x: &a ["l","l","l","l","l","l","l","l","l"]', ...["b", "c", "d", "e"].map((n, i) => `${n}: &${n} [${Array(9).fill(`*${i === 0 ? "a" : ["b", "c", "d"][i - 1]}`).join(",")}]`), ""].join("\n");
    const r = await planFile(bomb + stringify(manifest()));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /\(aliases\): the YAML's aliases \(`\*name`\) expand past Airlock's limit of 100 alias nodes/);
    assert.doesNotMatch(r.stderr, /resource exhaustion/);
  });

  it("given bytes that are not UTF-8, when planned, then exit 2 with the line and the fix", async () => {
    const r = await planFile(Buffer.concat([Buffer.from(stringify(manifest()).replace("Reads orders.", "Reads orders")), Buffer.from([0xff, 0x0a])]));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /line \d+, column \d+: byte 0xff \(offset \d+\) is not UTF-8; save the file as UTF-8/);
  });

  it("given iam:PassRole on a write tool with no stated reason, when planned, then exit 2 naming the action and allowPrivilegeEscalation", async () => {
    const m = manifest();
    m.tools.push({ name: "deploy_renderer", description: "Deploys the renderer.", access: "write", aws: [{ service: "iam", actions: ["iam:PassRole"], resources: ["arn:aws:iam::123456789012:role/renderer"] }] });
    const r = await planManifest(m);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /tools\[1\]\.aws\[0\]\.actions\[0\]: "iam:PassRole" is a privilege-escalation path .*; remove it, or set `allowPrivilegeEscalation\.reason` on the tool/);
    assert.equal(r.stdout, "");
  });

  it("given s3:PutBucketPolicy with a stated reason, when planned, then the plan marks the row as escalation", async () => {
    const m = manifest();
    m.tools.push({
      name: "publish_reports",
      description: "Publishes the report bucket.",
      access: "write",
      allowPrivilegeEscalation: { reason: "opens the public report bucket to CloudFront only" },
      aws: [{ service: "s3", actions: ["s3:PutBucketPolicy"], resources: ["arn:aws:s3:::public-reports"] }],
    });
    const r = await planManifest(m);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /aws:s3 \(write\) ESCALATION \(s3:PutBucketPolicy\): opens the public report bucket to CloudFront only\n/);
  });

  it("given a prompt path that leaves the project, when planned, then exit 2 before the file is read", async () => {
    const m = manifest();
    m.agent.prompt = "../../../../../../etc/hostname";
    const r = await planManifest(m);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /agent\.prompt: "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname" is outside the manifest's directory; give the prompt's path relative to the manifest/);
  });

  it("given CLAUDE_CODE_OAUTH_TOKEN in plain environment, when planned, then exit 2 naming the variable and the fix", async () => {
    const m = manifest();
    m.agent.runtime = { environment: { CLAUDE_CODE_OAUTH_TOKEN: "to-be-filled" } };
    const r = await planManifest(m);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /agent\.runtime\.environment\.CLAUDE_CODE_OAUTH_TOKEN: CLAUDE_CODE_OAUTH_TOKEN names a credential, .*declare it under `secrets`/);
  });

  it("given a secret injected as AWS_SECRET_ACCESS_KEY, when planned, then exit 2: it would replace the task role", async () => {
    const m = manifest();
    m.secrets = [{ name: "aws-secret-access-key", source: "out-of-band", rotation: { maxAgeDays: 30 } }];
    m.tools[0].secrets = ["aws-secret-access-key"];
    const r = await planManifest(m);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /secrets\[0\]\.env: AWS_SECRET_ACCESS_KEY makes the AWS SDKs take credentials from somewhere other than the task role/);
  });

  it("given 0.0.0.0/1 and 128.0.0.0/1 as a host's ranges, when planned, then exit 2: as an address set they are the whole internet", async () => {
    const m = manifest();
    m.tools[0].hosts = ["api.partner.example.com"];
    m.egress = { ranges: { "api.partner.example.com": ["0.0.0.0/1", "128.0.0.0/1"] } };
    const r = await planManifest(m);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /egress\.ranges\["api\.partner\.example\.com"\]\[0\]: "0\.0\.0\.0\/1" covers 1\/2 of the IPv4 address space/);
  });

  it("given a punycode lookalike host, when planned, then exit 2 showing what it reads", async () => {
    const m = manifest();
    m.tools[0].hosts = ["xn--pple-43d.com"];
    m.egress = { ranges: { "xn--pple-43d.com": ["192.0.2.0/24"] } };
    const r = await planManifest(m);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /tools\[0\]\.hosts\[0\]: "xn--pple-43d\.com" is an internationalised \(punycode\) name that reads "аpple\.com", mixing Latin and Cyrillic letters/);
  });

  it("given an egress range inside the platform's VPC, when planned, then exit 2 naming the VPC", async () => {
    const m = manifest();
    m.tools[0].hosts = ["internal.acme.example.com"];
    m.egress = { ranges: { "internal.acme.example.com": ["10.40.3.0/24"] } };
    const r = await planManifest(m);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /allows internal\.acme\.example\.com at 10\.40\.3\.0\/24, which overlaps the platform's VPC \(10\.40\.0\.0\/16\)/);
  });

  for (const [what, arn, pattern] of [
    ["another account's table", "arn:aws:dynamodb:us-east-1:999999999999:table/orders", /tools\[0\]\.aws\[0\]\.resources\[0\]: "arn:aws:dynamodb:us-east-1:999999999999:table\/orders" is in account 999999999999, not the agent's account 123456789012/],
    ["an aws-cn table", "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/orders", /is in partition aws-cn, but the agent is in aws/],
    ["a made-up partition", "arn:aws-moon:dynamodb:us-east-1:123456789012:table/orders", /names partition "aws-moon", which AWS does not have/],
    ["a ? wildcard", "arn:aws:dynamodb:us-east-1:123456789012:table/order?", /contains a wildcard \(`\?` matches any one character\)/],
    ["a eu-west-1 table for the us-east-1 platform", "arn:aws:dynamodb:eu-west-1:123456789012:table/orders", /`tools`: tool `read_orders` of agent `probe-agent` is granted arn:aws:dynamodb:eu-west-1:123456789012:table\/orders, in eu-west-1, but the platform deploys to us-east-1/],
  ] as const) {
    it(`given ${what}, when planned, then exit 2 naming the resource and the fix`, async () => {
      const m = manifest();
      m.tools[0].aws[0].resources = [arn];
      const r = await planManifest(m);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, "");
    });
  }
});
