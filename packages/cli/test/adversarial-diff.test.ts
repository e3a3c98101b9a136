/**
 * `airlock diff` on changes that only look like widenings (issue #15): a /24 narrowed to its /25
 * and a reworded finding exit 0; a risk line that drops `class: money` exits 1.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { compile, type Finding, type PlanDocument } from "@airlock/core";
import { main } from "../src/main.ts";
import { bufferIo } from "../src/io.ts";

const EXAMPLE_DIR = new URL("../../../examples/support-agent/", import.meta.url).pathname;

async function plan(edit: (m: Record<string, any>) => void = () => {}, findings: Finding[] = []): Promise<PlanDocument> {
  const m = parse(readFileSync(join(EXAMPLE_DIR, "agent.yaml"), "utf8"));
  edit(m);
  const model = await compile(m, { baseDir: EXAMPLE_DIR });
  const { promptFile: _p, manifestDir: _d, ...agent } = model;
  return { version: 1, project: "p", stack: "dev", resources: [], agents: [agent], permissions: model.permissions.map((p) => ({ agent: model.name, ...p })), findings };
}

async function diff(before: PlanDocument, after: PlanDocument): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), "airlock-diff-"));
  writeFileSync(join(dir, "old.json"), JSON.stringify(before));
  writeFileSync(join(dir, "new.json"), JSON.stringify(after));
  const io = bufferIo(dir);
  const code = await main(["diff", "old.json", "new.json"], io);
  return { code, out: io.stdout + io.stderr };
}

describe("airlock diff on adversarial changes", () => {
  it("given a /24 narrowed to its /25, when diffed, then exit 0 and it reads as narrowed", async () => {
    const r = await diff(await plan(), await plan((m) => (m.egress.ranges["api.billing.acme.example.com"] = ["10.20.8.0/25"])));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /NARROWED \(1\)\n {2}- \[egress\] support-agent: egress on 443 to 10\.20\.8\.0\/24 narrowed to 10\.20\.8\.0\/25/);
  });

  it("given a finding reworded, when diffed, then exit 0: not a new error", async () => {
    const f = (message: string): Finding => ({ rule: "AIR-G001", severity: "error", subject: "support-agent: role x", message });
    const r = await diff(await plan(() => {}, [f("old words")]), await plan(() => {}, [f("new words")]));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /CHANGED \(1\)\n {2}~ \[finding\] error AIR-G001 on support-agent: role x reworded: new words/);
  });

  it("given class: money dropped from a risk line, when diffed, then exit 1 (review required)", async () => {
    const r = await diff(await plan(), await plan((m) => delete m.riskLines["billing.refund"].class));
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /review required/);
    assert.match(r.out, /risk line billing\.refund no longer has class money/);
  });
});
