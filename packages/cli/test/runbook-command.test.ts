import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/main.ts";
import { bufferIo } from "../src/io.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

describe("airlock runbook", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "airlock-runbook-"));
    writeFileSync(
      join(dir, "evidence.json"),
      JSON.stringify({
        agent: "support-agent",
        assessments: [{ actionType: "customer.reply", tier: "approve", approvals: 12, rejections: 1, edits: 0, incidents: 0, streak: 12, windowDays: 3.5, eligible: false, reasons: ["streak 12 of 50 approvals without edit"] }],
      }),
    );
    writeFileSync(join(dir, "bad-evidence.json"), JSON.stringify({ assessments: [{ actionType: "customer.reply" }] }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("given the example directory and evidence, when run with --out, then it writes the runbook with the evidence", async () => {
    const io = bufferIo(ROOT);
    const out = join(dir, "RUNBOOK.md");
    assert.equal(await main(["runbook", "examples/support-agent", "--evidence", join(dir, "evidence.json"), "--out", out], io), 0);
    assert.equal(io.stdout, `wrote ${out}\n`);
    const md = readFileSync(out, "utf8");
    assert.ok(md.startsWith("# Runbook: support-agent\n"));
    assert.ok(md.includes("| `customer.reply` | approve | `send_customer_reply` | 12 approved, 0 edited, 1 rejected, 0 incidents; streak 12 over 3.5 days | keep approve: streak 12 of 50 approvals without edit |"));
    assert.ok(md.includes("aws ecs update-service --region <region> --cluster $CLUSTER --service support-agent --desired-count 0"));
  });

  it("given --region without a plan, then the commands use it", async () => {
    const io = bufferIo(ROOT);
    assert.equal(await main(["runbook", "examples/support-agent/agent.yaml", "--region", "eu-west-1"], io), 0);
    assert.ok(io.stdout.includes("aws secretsmanager rotate-secret --region eu-west-1 --secret-id airlock/<stack>/support-agent/billing-api-token"));
  });

  it("given bad input, then exit 2 naming the file and what is missing", async () => {
    const cases: [string[], string][] = [
      [["runbook", dir], `airlock runbook: ${dir} has no agent.yaml; pass the manifest's path`],
      [["runbook", "nowhere"], "airlock runbook: nowhere does not exist; pass a directory holding agent.yaml, or the manifest itself"],
      [["runbook", "examples/support-agent", "--evidence", join(dir, "bad-evidence.json")], `airlock runbook: ${join(dir, "bad-evidence.json")}: \`assessments[0]\` needs actionType, approvals, rejections, edits, incidents, streak, windowDays, eligible and reasons`],
      [["runbook", "examples/support-agent", "--plan", join(dir, "evidence.json")], `airlock runbook: ${join(dir, "evidence.json")} is not a plan: \`resources\` is missing or not a list; pass a file written by \`airlock plan --json\``],
    ];
    for (const [argv, message] of cases) {
      const io = bufferIo(ROOT);
      assert.equal(await main(argv, io), 2, argv.join(" "));
      assert.equal(io.stderr.split("\n")[0], message);
    }
  });
});
