import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { compile, ManifestError, type ManifestProblem } from "../src/index.ts";
import { parseManifest } from "../src/manifest/manifest-schema.ts";
import { baseManifest, EXAMPLE_DIR, exampleManifest, fakeAnthropicKey, problemsOf } from "./fixtures.ts";

/** Compiles `m` and returns the problems it was rejected with. */

function messageAt(problems: ManifestProblem[], path: string): string {
  const p = problems.find((x) => x.path === path);
  assert.ok(p, `no problem at ${path}; got ${JSON.stringify(problems, null, 1)}`);
  return p.message;
}

describe("manifest rejection messages", () => {
  it("rejects a write action on a tool declared read, naming the action and the fix", async () => {
    const m = baseManifest();
    m.tools[0].aws[0].actions.push("dynamodb:PutItem");
    const problems = await problemsOf(m);
    assert.equal(
      messageAt(problems, "tools[0].aws[0].actions[1]"),
      '"dynamodb:PutItem" is a write action but the tool is declared read; remove it or declare the tool `access: write`',
    );
  });

  it("rejects a wildcard action unless the tool allows it with a reason", async () => {
    const m = baseManifest();
    m.tools[0].aws[0].actions = ["dynamodb:Get*"];
    assert.equal(
      messageAt(await problemsOf(m), "tools[0].aws[0].actions[0]"),
      '"dynamodb:Get*" is a wildcard; list the exact actions the tool needs, or set `allowWildcard.reason` on the tool',
    );
  });

  it("rejects a wildcard resource", async () => {
    const m = baseManifest();
    m.tools[1].aws[0].resources = ["arn:aws:s3:::reports-bucket/*"];
    assert.equal(
      messageAt(await problemsOf(m), "tools[1].aws[0].resources[0]"),
      '"arn:aws:s3:::reports-bucket/*" contains a wildcard; list exact resource ARNs, or set `allowWildcard.reason` on the tool if a wildcard is truly needed',
    );
  });

  it("accepts a wildcard the tool allows, and reports it as a finding", async () => {
    const m = baseManifest();
    m.tools[1].aws[0].resources = ["arn:aws:s3:::reports-bucket/reports/*"];
    m.tools[1].allowWildcard = { reason: "one object per day, keyed by date" };
    const model = await compile(m);
    const st = model.taskRoleStatements.find((s) => s.Sid.startsWith("PutReport"));
    assert.deepEqual(st?.Resource, ["arn:aws:s3:::reports-bucket/reports/*"]);
    assert.deepEqual(
      model.findings.map((f) => [f.rule, f.message]),
      [["AIR-W003", "wildcard allowed for tool `put_report`: one object per day, keyed by date"]],
    );
  });

  it("rejects a wildcard on a read tool that would match write actions", async () => {
    const m = baseManifest();
    m.tools[0].aws[0].actions = ["dynamodb:*Item"];
    m.tools[0].allowWildcard = { reason: "every item-level read of the orders table" };
    assert.equal(
      messageAt(await problemsOf(m), "tools[0].aws[0].actions[0]"),
      '"dynamodb:*Item" matches write actions (dynamodb:BatchWriteItem, dynamodb:DeleteItem, dynamodb:PutItem, dynamodb:UpdateItem) but the tool is declared read; list the read actions exactly or declare the tool `access: write`',
    );
  });

  it("rejects an action that does not exist and suggests the right one", async () => {
    const m = baseManifest();
    m.tools[0].aws[0].actions = ["dynamodb:GetItems"];
    assert.equal(messageAt(await problemsOf(m), "tools[0].aws[0].actions[0]"), '"dynamodb:GetItems" is not an action of dynamodb; did you mean "dynamodb:GetItem"?');
  });

  it("rejects an action of another service than the grant's", async () => {
    const m = baseManifest();
    m.tools[0].aws[0].actions = ["s3:GetObject"];
    assert.equal(
      messageAt(await problemsOf(m), "tools[0].aws[0].actions[0]"),
      '"s3:GetObject" belongs to service `s3`, not `dynamodb`; move it to a grant for that service',
    );
  });

  it("rejects an ARN the action does not act on, saying what it takes", async () => {
    const m = baseManifest();
    m.tools[0].aws[0].resources = ["arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000"];
    const msg = messageAt(await problemsOf(m), "tools[0].aws[0].actions");
    assert.equal(
      msg,
      '"dynamodb:GetItem" acts on none of the listed resources; it takes table (arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}); add a matching ARN or remove the action',
    );
  });

  it("rejects a resource that is not an ARN", async () => {
    const m = baseManifest();
    m.tools[0].aws[0].resources = ["orders"];
    assert.equal(messageAt(await problemsOf(m), "tools[0].aws[0].resources[0]"), '"orders" is not a resource ARN; write it as arn:aws:<service>:<region>:<account>:<resource>');
  });

  it("rejects a literal credential anywhere in the manifest without printing it", async () => {
    const m = baseManifest();
    const key = fakeAnthropicKey();
    m.agent.runtime = { environment: { ANTHROPIC_API_KEY: key } };
    const problems = await problemsOf(m);
    const msg = messageAt(problems, "agent.runtime.environment.ANTHROPIC_API_KEY");
    assert.match(msg, /^looks like a literal credential \(Anthropic API or admin key, sk-a\*{8} \(108 chars\)\); never put credentials in the manifest/);
    assert.ok(!JSON.stringify(problems).includes(key.slice(10)), "the key itself must not appear in the error");
  });

  it("rejects an outward tool without an action type and an action type without a risk line", async () => {
    const m = baseManifest();
    m.tools[1].outward = true;
    assert.equal(
      messageAt(await problemsOf(m), "tools[1].actionType"),
      "is required for an outward tool; name its action type (e.g. `customer.reply`) and give it a risk line",
    );
    m.tools[1].actionType = "report.publish";
    assert.equal(
      messageAt(await problemsOf(m), "tools[1].actionType"),
      "`report.publish` has no risk line; add `riskLines.report.publish` (auto, approve or always-approve)",
    );
  });

  it("never lets money or mass communication be auto", async () => {
    const m = baseManifest();
    m.tools[1].outward = true;
    m.tools[1].actionType = "billing.refund";
    m.riskLines = { "billing.refund": { tier: "auto", class: "money" } };
    assert.equal(messageAt(await problemsOf(m), 'riskLines["billing.refund"].tier'), "`money` actions can never be `auto`; use `approve` or `always-approve`");
  });

  it("rejects a reference to an undeclared secret", async () => {
    const m = baseManifest();
    m.tools[0].secrets = ["orders-token"];
    assert.equal(messageAt(await problemsOf(m), "tools[0].secrets[0]"), "names secret `orders-token`, which is not declared; add it under `secrets`");
  });

  it("rejects an image by tag", async () => {
    const m = baseManifest();
    m.agent.image = { digest: "123456789012.dkr.ecr.us-east-1.amazonaws.com/test-agent:latest" };
    assert.equal(messageAt(await problemsOf(m), "agent.image.digest"), "must be `registry/repository@sha256:<64 hex>`; tags move, digests do not");
  });

  it("rejects unknown fields and names them", async () => {
    const m = baseManifest();
    m.tools[0].acces = "read";
    assert.equal(messageAt(await problemsOf(m), "tools[0]"), "unknown field `acces`; remove it or check the spelling");
  });

  it("rejects a missing required field and a wrong enum value", async () => {
    const m = baseManifest();
    delete m.agent.owner;
    m.tools[0].access = "readonly";
    const problems = await problemsOf(m);
    assert.equal(messageAt(problems, "agent.owner"), "is required; add it (a string)");
    assert.equal(messageAt(problems, "tools[0].access"), 'must be one of `read`, `write` (got "readonly")');
  });

  it("rejects a host with no known address range unless the opt-out is declared", async () => {
    const m = baseManifest();
    m.tools[0].hosts = ["api.vendor.example.com"];
    assert.equal(
      messageAt(await problemsOf(m), "tools[0].hosts[0]"),
      'host "api.vendor.example.com" has no address range Airlock knows, so the security group cannot allow it; list its published CIDRs under `egress.ranges["api.vendor.example.com"]`, or set `egress.anyIpOn443.reason` to rely on the DNS firewall alone',
    );
    m.egress = { anyIpOn443: { reason: "vendor publishes no ranges; DNS firewall pins the name" } };
    const model = await compile(m);
    assert.deepEqual(model.egress.anyIpOn443, { reason: "vendor publishes no ranges; DNS firewall pins the name" });
    assert.ok(model.findings.some((f) => f.rule === "AIR-W002"));
  });

  it("rejects a sandboxed tool that asks for AWS access or secrets", async () => {
    const m = baseManifest();
    m.tools[1].sandbox = true;
    m.tools[1].secrets = ["anthropic-api-key"];
    m.sandbox = { image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/sandbox@sha256:${"b".repeat(64)}` };
    const problems = await problemsOf(m);
    assert.equal(messageAt(problems, "tools[1].aws"), "a sandboxed tool runs with no AWS access; move AWS calls to a separate tool");
    assert.equal(messageAt(problems, "tools[1].secrets"), "a sandboxed tool receives no secrets; remove `secrets`");
  });

  it("reports every problem at once, in path order", async () => {
    const m = baseManifest();
    m.agent.name = "Test Agent";
    m.tools[0].aws[0].actions.push("dynamodb:PutItem");
    m.tools[1].aws[0].resources = ["*"];
    try {
      await compile(m);
      assert.fail("expected rejection");
    } catch (e) {
      assert.ok(e instanceof ManifestError);
      // Schema problems stop before the IAM checks: the name is reported first.
      assert.deepEqual(e.problems.map((p) => p.path), ["agent.name"]);
      assert.match(e.message, /^invalid agent manifest: 1 problem\n {2}agent\.name: must be kebab-case/);
    }
    m.agent.name = "test-agent";
    const problems = await problemsOf(m);
    assert.deepEqual(problems.map((p) => p.path), ["tools[0].aws[0].actions[1]", "tools[1].aws[0].resources[0]"]);
  });

  it("parseManifest applies secure defaults", () => {
    const m = parseManifest(baseManifest());
    assert.deepEqual(m.agent.runtime, { cpu: 512, memory: 1024, architecture: "ARM64", user: "10001:10001", environment: {}, desiredCount: 1 });
  });
});

describe("compile", () => {
  it("compiles the example into exact statements with no wildcard", async () => {
    const model = await compile(exampleManifest(), { baseDir: EXAMPLE_DIR });
    assert.deepEqual(model.taskRoleStatements, [
      { Sid: "ReadTicketDynamodb0A", Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets"] },
      {
        Sid: "ReadTicketDynamodb0B",
        Effect: "Allow",
        Action: ["dynamodb:Query"],
        Resource: [
          "arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets",
          "arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets/index/by-customer",
        ],
      },
      { Sid: "RecordReplyDynamodb0", Effect: "Allow", Action: ["dynamodb:UpdateItem"], Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets"] },
      {
        Sid: "SendCustomerReplySes0",
        Effect: "Allow",
        Action: ["ses:SendEmail"],
        Resource: ["arn:aws:ses:us-east-1:123456789012:configuration-set/support-replies", "arn:aws:ses:us-east-1:123456789012:identity/acme.example.com"],
      },
      // The service loop's queue (ticket_queue): Query on the status index only, UpdateItem on the table.
      { Sid: "TicketQueueDynamodb0", Effect: "Allow", Action: ["dynamodb:Query"], Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets/index/by-status"] },
      { Sid: "TicketQueueDynamodb1", Effect: "Allow", Action: ["dynamodb:UpdateItem"], Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets"] },
    ]);
    assert.ok(!JSON.stringify(model.taskRoleStatements).includes("*"));
    assert.deepEqual(model.findings, []);
  });

  it("gives each action only the resources it acts on (GetItem is not granted on the index)", async () => {
    const m = baseManifest();
    m.tools[0].aws[0] = {
      service: "dynamodb",
      actions: ["dynamodb:GetItem", "dynamodb:Query"],
      resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders", "arn:aws:dynamodb:us-east-1:123456789012:table/orders/index/by-customer"],
    };
    const model = await compile(m);
    const statements = model.taskRoleStatements.filter((s) => s.Sid.startsWith("ReadOrders"));
    assert.deepEqual(
      statements.map((s) => [s.Action, s.Resource]),
      [
        [["dynamodb:GetItem"], ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"]],
        [["dynamodb:Query"], ["arn:aws:dynamodb:us-east-1:123456789012:table/orders", "arn:aws:dynamodb:us-east-1:123456789012:table/orders/index/by-customer"]],
      ],
    );
  });

  it("expands an access level to that level's actions on the listed resources only", async () => {
    const m = baseManifest();
    m.tools[0].aws[0] = { service: "dynamodb", access: "read", resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"] };
    const model = await compile(m);
    const actions = model.taskRoleStatements.flatMap((s) => (s.Sid.startsWith("ReadOrders") ? s.Action : []));
    assert.ok(actions.includes("dynamodb:GetItem") && actions.includes("dynamodb:Query") && actions.includes("dynamodb:Scan"));
    for (const w of ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:ListTables"]) assert.ok(!actions.includes(w), `${w} must not be granted`);
  });

  it("binds secrets to the tools that use them and defaults rotation by source", async () => {
    const model = await compile(exampleManifest(), { baseDir: EXAMPLE_DIR });
    assert.deepEqual(
      model.secrets.map((s) => [s.name, s.envName, s.consumers, s.rotation]),
      [
        ["anthropic-api-key", "ANTHROPIC_API_KEY", ["model"], { kind: "max-age", maxAgeDays: 90 }],
        ["billing-api-token", "BILLING_API_TOKEN", ["issue_refund"], { kind: "builtin", days: 30 }],
        ["github-token", "GITHUB_TOKEN", ["search_knowledge_base"], { kind: "max-age", maxAgeDays: 60 }],
      ],
    );
  });

  it("hashes the model deterministically and changes the hash when the prompt changes", async () => {
    const a = await compile(exampleManifest(), { baseDir: EXAMPLE_DIR });
    const b = await compile(exampleManifest(), { baseDir: EXAMPLE_DIR });
    assert.equal(a.hash, b.hash);
    const m = exampleManifest();
    delete m.agent.prompt;
    const c = await compile(m, { baseDir: EXAMPLE_DIR });
    assert.notEqual(a.hash, c.hash);
  });
});
