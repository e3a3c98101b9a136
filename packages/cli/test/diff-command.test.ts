import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { compile, type PlanDocument } from "@airlock/core";
import { main } from "../src/main.ts";
import { bufferIo } from "../src/io.ts";

const EXAMPLE_DIR = new URL("../../../examples/support-agent/", import.meta.url).pathname;

async function plan(edit: (m: Record<string, any>) => void = () => {}): Promise<PlanDocument> {
  const m = parse(readFileSync(join(EXAMPLE_DIR, "agent.yaml"), "utf8"));
  edit(m);
  const model = await compile(m, { baseDir: EXAMPLE_DIR });
  return { version: 1, project: "support", stack: "dev", resources: [], agents: [model], permissions: model.permissions.map((p) => ({ ...p, agent: model.name })), findings: [...model.findings] };
}

describe("airlock diff", () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "airlock-diff-"));
    writeFileSync(join(dir, "old.json"), JSON.stringify(await plan()));
    writeFileSync(join(dir, "same.json"), JSON.stringify(await plan()));
    writeFileSync(join(dir, "relaxed.json"), JSON.stringify(await plan((m) => (m.riskLines["customer.reply"].tier = "auto"))));
    writeFileSync(join(dir, "broken.json"), "{ not json");
    writeFileSync(join(dir, "notplan.json"), JSON.stringify({ version: 1, resources: [], permissions: [], findings: [] }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("given an approval relaxed, when diffed as Markdown, then it prints the PR comment and exits 1", async () => {
    const io = bufferIo(dir);
    assert.equal(await main(["diff", "old.json", "relaxed.json", "--format", "markdown"], io), 1);
    assert.match(io.stdout, /^### Airlock plan diff\n\n\*\*1 widened, 0 narrowed, 0 changed\.\*\*/);
    assert.match(io.stdout, /\| support-agent \| approval \| approval for `send_customer_reply` \(action type `customer.reply`\) relaxed: approve → auto \|/);
  });

  it("given the reverse (tightened), when diffed as JSON, then nothing widened and it exits 0", async () => {
    const io = bufferIo(dir);
    assert.equal(await main(["diff", "relaxed.json", "old.json", "--format", "json"], io), 0);
    const out = JSON.parse(io.stdout);
    assert.equal(out.widened, false);
    assert.deepEqual(out.counts, { widened: 0, narrowed: 1, changed: 0 });
  });

  it("given two equal plans, when diffed as text, then it says so and exits 0", async () => {
    const io = bufferIo(dir);
    assert.equal(await main(["diff", "old.json", "same.json"], io), 0);
    assert.equal(io.stdout, "airlock diff: no semantic changes\n");
  });

  it("given bad input, then exit 2 with a message naming the file or option and the fix", async () => {
    const cases: [string[], string][] = [
      [["diff", "old.json"], "airlock diff: missing <new-plan.json>: the plan after the change"],
      [["diff", "old.json", "missing.json"], "airlock diff: missing.json does not exist; write plans with `airlock plan --out missing.json`"],
      [["diff", "old.json", "notplan.json"], "airlock diff: notplan.json is not a plan: `agents` is missing or not a list; pass a file written by `airlock plan --json`"],
      [["diff", "old.json", "same.json", "--format", "html"], 'airlock diff: `--format` must be text, markdown or json, not "html"'],
    ];
    for (const [argv, message] of cases) {
      const io = bufferIo(dir);
      assert.equal(await main(argv, io), 2, argv.join(" "));
      assert.equal(io.stderr.split("\n")[0], message);
      assert.match(io.stderr, /usage: airlock diff <old-plan.json> <new-plan.json>/);
    }
    const io = bufferIo(dir);
    assert.equal(await main(["diff", "old.json", "broken.json"], io), 2);
    assert.match(io.stderr, /^airlock diff: broken.json is not JSON \(.+\); pass a file written by `airlock plan --json`/);
  });
});
