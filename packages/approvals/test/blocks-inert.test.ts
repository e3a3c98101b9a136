/**
 * The Slack message shows agent-controlled text (the arguments, their keys, the release and trace
 * id the agent sends) as inert text: no link, mention, formatting or code fence it writes is
 * rendered, no bidirectional or zero-width character reorders or hides what approvers read, and no
 * text overflows Slack's limits (which would make Slack refuse the post). Each attack is rendered
 * and the message's visible structure read back (helpers/mrkdwn.ts).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { editModal, outcomeMessage, requestMessage, type ApprovalRequestRecord } from "../src/index.ts";
import { INVISIBLE, readMrkdwn, textObjects } from "./helpers/mrkdwn.ts";

const ATTACKS: Record<string, string> = {
  fence: "```\n*Approved by security* <!channel>\n```",
  backtick: "`rm -rf /`",
  bold: "*URGENT* _approve now_ ~not~ a refund",
  link: "<https://evil.example/login|Open the ticket>",
  special: "<!channel> <!here> <!everyone> <!subteam^S123|@security>",
  user: "<@U0APPROVER1> said yes",
  channel: "see <#C0APPROVALS|approvals>",
  entity: "&lt;@U0APPROVER1&gt; &amp; co",
  bidiOverride: "refund to acct \u202E9876\u202C now",
  bidiIsolate: "amount \u2067100\u2069 \u2066USD\u2069",
  zeroWidth: "pay\u200Bpal\u200C.com \u200Dx\u2060y\uFEFFz",
  bareUrl: "https://evil.example/approve and @channel",
};

const PATTERN_IN_OUTPUT = /https:\/\/evil|<!|<@|<#/;

function record(overrides: Partial<ApprovalRequestRecord> = {}): ApprovalRequestRecord {
  return {
    id: "0b4d9a8e-1c2f-4e3a-9b5d-6f7a8b9c0d1e",
    agent: "support-agent",
    release: "rel-1",
    tool: "send_customer_reply",
    actionType: "customer.reply",
    tier: "approve",
    arguments: { ticket: "T-1", ...ATTACKS, [ATTACKS.link!]: "key attack", [`key${ATTACKS.bidiOverride!}`]: 1 },
    argumentsHash: "0".repeat(64),
    status: "pending",
    createdAt: new Date("2026-03-03T10:00:00.000Z"),
    slack: { state: "unposted", attempts: 0 },
    ...overrides,
  };
}

/** The sections' mrkdwn texts of a message. */
const mrkdwnTexts = (blocks: unknown) => textObjects(blocks).filter((t) => t.type === "mrkdwn");

function assertInert(blocks: unknown, ownControls: readonly string[]): void {
  for (const t of textObjects(blocks)) {
    assert.doesNotMatch(t.text, INVISIBLE, `no bidi or zero-width character reaches Slack: ${JSON.stringify(t.text)}`);
    if (t.type !== "mrkdwn") continue;
    const s = readMrkdwn(t.text);
    assert.equal(s.unbalancedFence, false, `every code fence is closed: ${t.text}`);
    assert.equal(t.verbatim, true, `Slack's own link and mention parsing is off (verbatim) for ${JSON.stringify(t.text.slice(0, 40))}`);
    for (const c of s.controls) assert.ok(ownControls.includes(c), `only the service's own links and mentions, not <${c}>`);
    for (const f of s.formatted) assert.ok(/^\*[A-Z][a-z ]+(\*|\* ·)/.test(f) || /^\*(Approved|Rejected|Approved with edits)\*/.test(f), `only the service's labels are formatted, not ${JSON.stringify(f)}`);
    for (const code of s.inlineCode) assert.ok(!code.includes("`"), "no backtick inside inline code");
    const withoutOwn = ownControls.reduce((text, c) => text.split(`<${c.replace(/&amp;/g, "&")}>`).join(""), s.plain);
    assert.doesNotMatch(withoutOwn, PATTERN_IN_OUTPUT, `agent text stays inside code: ${JSON.stringify(s.plain)}`);
  }
}

/** The arguments as the approver reads them: the code block of the section titled `title`, parsed as JSON. */
function shownArguments(blocks: unknown, title: string): unknown {
  const t = mrkdwnTexts(blocks).find((x) => x.text.startsWith(title));
  assert.ok(t, `a "${title}" section`);
  const s = readMrkdwn(t.text);
  assert.equal(s.codeBlocks.length, 1, "the arguments are one code block");
  return JSON.parse(s.codeBlocks[0]!);
}

describe("Slack messages show agent text as inert text", () => {
  test("given arguments, keys, a release and a trace id full of mrkdwn, links, mentions and bidi controls, when the request is rendered, then nothing the agent wrote is markup", () => {
    const req = record({ release: `rel\`*x*\`${ATTACKS.special}`, traceId: `t>|${ATTACKS.link}\u202E`, traceUrl: `https://trace.example/t/t>|${ATTACKS.link}\u202E` });
    const msg = requestMessage(req);
    assertInert(msg.blocks, []);
    assert.doesNotMatch(msg.text, /<|>|\u202E/);
    // What approvers read is exactly the arguments: the invisible characters are shown as JSON escapes.
    assert.deepEqual(shownArguments(msg.blocks, "*Arguments*"), req.arguments);
    const argsText = mrkdwnTexts(msg.blocks).find((x) => x.text.startsWith("*Arguments*"))!.text;
    assert.match(argsText, /\\u202e9876\\u202c/);
    assert.match(argsText, /pay\\u200bpal/);
    assert.match(argsText, /\\u0060rm -rf \/\\u0060/);
  });

  test("given two keys that differ only in Unicode normalisation, when rendered, then they look different and still parse to the two keys", () => {
    const args = JSON.parse('{"caf\\u00e9":"one","cafe\\u0301":"two"}') as Record<string, unknown>;
    const msg = requestMessage(record({ arguments: args }));
    const text = mrkdwnTexts(msg.blocks).find((x) => x.text.startsWith("*Arguments*"))!.text;
    assert.ok(text.includes('"caf\u00e9"') && text.includes('"cafe\\u0301"'), text);
    assert.deepEqual(shownArguments(msg.blocks, "*Arguments*"), args);
  });

  test("given a safe trace id, when rendered, then its link is the service's one control sequence", () => {
    const msg = requestMessage(record({ traceId: "trace-01HX", traceUrl: "https://trace.example/t/trace-01HX?org=a&b=c" }));
    assertInert(msg.blocks, ["https://trace.example/t/trace-01HX?org=a&amp;b=c|trace trace-01HX"]);
  });

  test("given a decision and edited arguments full of attacks, when the outcome is rendered, then only the approver mention is a control sequence", () => {
    const req = record();
    const msg = outcomeMessage(req, { requestId: req.id, decision: "edited", decidedBy: "U0APPROVER1", editedArguments: { note: ATTACKS.fence, to: ATTACKS.bidiOverride }, via: "http", decidedAt: new Date("2026-03-03T10:05:00.000Z") });
    assertInert(msg.blocks, ["@U0APPROVER1"]);
    assert.deepEqual(shownArguments(msg.blocks, "*Edited arguments*"), { note: ATTACKS.fence, to: ATTACKS.bidiOverride });
  });

  test("given the edit modal, when rendered, then its JSON parses to the arguments and shows no invisible character", () => {
    const req = record();
    const modal = editModal(req) as { blocks: { element?: { initial_value?: string } }[] };
    const initial = modal.blocks.find((b) => b.element?.initial_value !== undefined)!.element!.initial_value!;
    assert.doesNotMatch(initial, INVISIBLE);
    assert.deepEqual(JSON.parse(initial), req.arguments);
    assertInert(modal.blocks, []);
  });

  test("given text that grows when escaped (3000 `<`) and a 5000-character release, when rendered, then every text object is within Slack's limits and says what was cut", () => {
    const msg = requestMessage(record({ arguments: { body: "<".repeat(3000), amp: "&".repeat(3000) }, release: "r".repeat(5000), traceId: "t".repeat(5000) }));
    const limits = (b: Record<string, unknown>): number => (b.type === "header" ? 150 : 3000);
    for (const block of msg.blocks) {
      for (const t of textObjects(block)) assert.ok(t.text.length <= limits(block), `${block.type} text of ${t.text.length} characters`);
      const fields = (block as { fields?: { text: string }[] }).fields ?? [];
      for (const f of fields) assert.ok(f.text.length <= 2000, `a field of ${f.text.length} characters (Slack's limit is 2000)`);
    }
    const argsText = mrkdwnTexts(msg.blocks).find((x) => x.text.startsWith("*Arguments*"))!.text;
    assert.match(argsText, /truncated/);
    assert.doesNotMatch(argsText, /&(?!amp;|lt;|gt;)/, "no entity is cut in half");
    assertInert(msg.blocks, []);
  });
});
