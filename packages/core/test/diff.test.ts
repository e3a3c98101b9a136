import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compile, diffPlans, renderDiffJson, renderDiffMarkdown, renderDiffText, type AgentModel, type PlanDocument, type Finding } from "@airlock/core";
import { EXAMPLE_DIR, exampleManifest } from "./fixtures.ts";

/** A plan of compiled models (the agents, permissions and findings sections of `airlock plan --json`). */
function planOf(models: AgentModel[], extraFindings: Finding[] = []): PlanDocument {
  return {
    version: 1,
    project: "support",
    stack: "dev",
    resources: [],
    agents: models,
    permissions: models.flatMap((m) => m.permissions.map((p) => ({ ...p, agent: m.name }))),
    findings: [...models.flatMap((m) => m.findings), ...extraFindings],
  };
}

async function planFrom(edit: (m: Record<string, any>) => void = () => {}, extraFindings: Finding[] = []): Promise<PlanDocument> {
  const m = exampleManifest();
  edit(m);
  return planOf([await compile(m, { baseDir: EXAMPLE_DIR })], extraFindings);
}

const tool = (m: Record<string, any>, name: string) => m.tools.find((t: { name: string }) => t.name === name);
const summaries = (d: ReturnType<typeof diffPlans>) => d.changes.map((c) => `${c.effect} ${c.category} ${c.agent}: ${c.summary}`);

describe("diff: the same plan", () => {
  it("given the example compiled twice, when diffed, then nothing changed and nothing widened", async () => {
    const d = diffPlans(await planFrom(), await planFrom());
    assert.deepEqual(d, { widened: false, counts: { widened: 0, narrowed: 0, changed: 0 }, changes: [] });
    assert.equal(renderDiffText(d), "airlock diff: no semantic changes");
  });
});

describe("diff: each kind of widening", () => {
  it("given a new action on an existing tool, then that action on each resource is widened, attributed to the tool", async () => {
    const d = diffPlans(await planFrom(), await planFrom((m) => tool(m, "record_reply").aws[0].actions.push("dynamodb:DeleteItem")));
    assert.deepEqual(summaries(d), [
      "widened permission support-agent: `record_reply` may now call dynamodb:DeleteItem on arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets",
    ]);
    assert.equal(d.widened, true);
  });

  it("given a new resource on an existing grant, then only the new (action, resource) pairs widen", async () => {
    const d = diffPlans(
      await planFrom(),
      await planFrom((m) => tool(m, "record_reply").aws[0].resources.push("arn:aws:dynamodb:us-east-1:123456789012:table/refunds")),
    );
    assert.deepEqual(summaries(d), [
      "widened permission support-agent: `record_reply` may now call dynamodb:UpdateItem on arn:aws:dynamodb:us-east-1:123456789012:table/refunds",
    ]);
  });

  it("given a read tool turned write with a write action, then access and the action both widen", async () => {
    const d = diffPlans(
      await planFrom(),
      await planFrom((m) => {
        const t = tool(m, "read_ticket");
        t.access = "write";
        t.aws[0].actions.push("dynamodb:PutItem");
      }),
    );
    assert.deepEqual(summaries(d), [
      "widened permission support-agent: `read_ticket` on aws:dynamodb changed from read to write",
      "widened permission support-agent: `read_ticket` may now call dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets",
      "widened tool support-agent: tool `read_ticket` changed from read to write",
    ]);
  });

  it("given a new outward tool with a new host and secret, then the tool, its reach, its egress and the secret all widen", async () => {
    const d = diffPlans(
      await planFrom(),
      await planFrom((m) => {
        m.tools.push({ name: "post_status", description: "Posts to the status page.", access: "write", outward: true, actionType: "status.post", hosts: ["api.statuspage.example.com"], secrets: ["statuspage-token"] });
        m.riskLines["status.post"] = "approve";
        m.secrets.push({ name: "statuspage-token", source: "out-of-band", rotation: { maxAgeDays: 30 } });
        m.egress.ranges["api.statuspage.example.com"] = ["198.51.100.0/24"];
      }),
    );
    assert.deepEqual(summaries(d), [
      "widened permission support-agent: `post_status` may now reach https://api.statuspage.example.com/",
      "widened permission support-agent: `post_status` may now read the secret `statuspage-token`",
      "widened tool support-agent: tool `post_status` added (write, outward, tier approve)",
      "widened egress support-agent: egress on 443 to 198.51.100.0/24 opened",
      "widened egress support-agent: HTTPS to api.statuspage.example.com opened",
      "widened secret support-agent: secret `statuspage-token` added (out-of-band, rotated by hand, alarm after 30 days; used by post_status)",
    ]);
  });

  it("given anyIpOn443 turned on, then egress to any address widens, with the reason", async () => {
    const d = diffPlans(await planFrom(), await planFrom((m) => (m.egress.anyIpOn443 = { reason: "the billing API moves between clouds" })));
    assert.ok(summaries(d).includes("widened egress support-agent: egress on 443 to ANY address turned on (DNS firewall only): the billing API moves between clouds"));
    // The compile warning AIR-W002 is new too.
    assert.ok(summaries(d).some((s) => s.startsWith("widened finding : new warning AIR-W002 on egress.anyIpOn443")));
  });

  it("given an approval tier relaxed (always-approve → approve) and another tightened, then one widens and one narrows", async () => {
    // Without the example's internal-reply rule, which an always-approve line cannot hold.
    const noAllow = (m: Record<string, any>) => delete m.riskLines["customer.reply"].when;
    const d = diffPlans(
      await planFrom(noAllow),
      await planFrom((m) => {
        noAllow(m);
        m.riskLines["customer.reply"].tier = "always-approve";
        m.riskLines["billing.refund"].tier = "approve";
      }),
    );
    assert.deepEqual(summaries(d), [
      "widened approval support-agent: approval for `issue_refund` (action type `billing.refund`) relaxed: always-approve → approve",
      "narrowed approval support-agent: approval for `send_customer_reply` (action type `customer.reply`) tightened: approve → always-approve",
    ]);
  });

  it("given a secret's rotation relaxed from 30 to 90 days, then it widens", async () => {
    const d = diffPlans(await planFrom(), await planFrom((m) => (m.secrets.find((s: { name: string }) => s.name === "billing-api-token").rotation.days = 90)));
    assert.deepEqual(summaries(d), ["widened secret support-agent: rotation of `billing-api-token` relaxed: rotated every 30 days (builtin) → rotated every 90 days (builtin)"]);
  });

  it("given a GitHub permission raised from read to write (and the tool declared write), then the write permission and access widen and the read one narrows", async () => {
    const d = diffPlans(await planFrom(), await planFrom((m) => {
      const t = tool(m, "search_knowledge_base");
      t.access = "write";
      t.github[0].permissions.contents = "write";
    }));
    assert.deepEqual(summaries(d), [
      "widened permission support-agent: `search_knowledge_base` may now use GitHub contents:write on https://github.com/acme/support-kb",
      "widened permission support-agent: `search_knowledge_base` on github:acme/support-kb changed from read to write",
      "widened permission support-agent: `search_knowledge_base` on https:api.github.com changed from read to write",
      "widened tool support-agent: tool `search_knowledge_base` changed from read to write",
      "narrowed permission support-agent: `search_knowledge_base` may no longer use GitHub contents:read on https://github.com/acme/support-kb",
    ]);
  });

  it("given a new guardrail error, then it widens; when fixed, it narrows", async () => {
    const finding: Finding = { rule: "AIR-G017", severity: "error", subject: "urn:pulumi:dev::support::aws:ecs/service:Service::svc", message: "`networkConfiguration.assignPublicIp` is true" };
    const clean = await planFrom();
    const broken = await planFrom(() => {}, [finding]);
    assert.deepEqual(summaries(diffPlans(clean, broken)), [`widened finding : new error AIR-G017 on ${finding.subject}: ${finding.message}`]);
    assert.deepEqual(summaries(diffPlans(broken, clean)), [`narrowed finding : fixed AIR-G017 on ${finding.subject}: ${finding.message}`]);
    assert.equal(diffPlans(broken, clean).widened, false);
  });
});

describe("diff: narrowing only", () => {
  it("given a tool removed, then its tool, permissions, host and the now-unused egress narrow, and nothing widens", async () => {
    const d = diffPlans(
      await planFrom(),
      await planFrom((m) => {
        m.tools = m.tools.filter((t: { name: string }) => t.name !== "record_reply");
      }),
    );
    assert.equal(d.widened, false);
    assert.deepEqual(summaries(d), [
      "narrowed permission support-agent: `record_reply` may no longer call dynamodb:UpdateItem on arn:aws:dynamodb:us-east-1:123456789012:table/support-tickets",
      "narrowed tool support-agent: tool `record_reply` removed",
    ]);
  });
});

describe("diff: rendering", () => {
  it("renders text, Markdown and JSON for the same diff", async () => {
    const d = diffPlans(await planFrom(), await planFrom((m) => (m.riskLines["customer.reply"].tier = "auto")));
    assert.equal(
      renderDiffText(d),
      [
        "airlock diff: 1 widened, 0 narrowed, 0 changed — review required",
        "",
        "WIDENED (1)",
        "  + [approval] support-agent: approval for send_customer_reply (action type customer.reply) relaxed: approve → auto",
      ].join("\n"),
    );
    assert.equal(
      renderDiffMarkdown(d),
      [
        "### Airlock plan diff",
        "",
        "**1 widened, 0 narrowed, 0 changed.** This change widens what the agent can do: a reviewer must approve it.",
        "",
        "#### Widened (1)",
        "",
        "| Agent | Kind | Change |",
        "| --- | --- | --- |",
        "| support-agent | approval | approval for `send_customer_reply` (action type `customer.reply`) relaxed: approve → auto |",
      ].join("\n"),
    );
    assert.deepEqual(JSON.parse(renderDiffJson(d)), {
      widened: true,
      counts: { widened: 1, narrowed: 0, changed: 0 },
      changes: [
        {
          category: "approval",
          effect: "widened",
          agent: "support-agent",
          subject: "send_customer_reply tier",
          summary: "approval for `send_customer_reply` (action type `customer.reply`) relaxed: approve → auto",
        },
      ],
    });
  });
});
