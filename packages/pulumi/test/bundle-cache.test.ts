/** The approval gateway's bundle cache: used only while every input esbuild read is unchanged. */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { bundleApprovalGateway } from "../build/bundle.ts";

describe("approval gateway bundle cache", () => {
  const dir = mkdtempSync(join(tmpdir(), "airlock-bundle-cache-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const entryFile = join(dir, "approval-gateway.cache.json");

  it("builds on an empty cache, then reuses the same file while the inputs are unchanged", () => {
    const first = bundleApprovalGateway(dir);
    assert.equal(first.built, true);
    const entry = JSON.parse(readFileSync(entryFile, "utf8"));
    // It recorded what it read: the gateway's own source and its dependencies, each with a hash.
    assert.ok(entry.inputs["packages/approvals/src/gateway/lambda.ts"].match(/^[0-9a-f]{64}$/));
    assert.ok(Object.keys(entry.inputs).some((p) => p.startsWith("node_modules/pg/")));
    // The Lambda needs hashing and redaction from @airlock/core, not the manifest compiler.
    assert.deepEqual(Object.keys(entry.inputs).filter((p) => /node_modules\/(zod|yaml|@cloud-copilot)\//.test(p)), []);
    const second = bundleApprovalGateway(dir);
    assert.deepEqual(second, { file: first.file, built: false });
    assert.match(readFileSync(second.file, "utf8"), /export\s*\{[^}]*handler/);
  });

  it("rebuilds when an input's content differs from what the cache recorded, and records it anew", () => {
    const entry = JSON.parse(readFileSync(entryFile, "utf8"));
    const real = entry.inputs["packages/approvals/src/gateway/router.ts"];
    entry.inputs["packages/approvals/src/gateway/router.ts"] = "0".repeat(64); // as if router.ts had changed since:
    entry.stats["packages/approvals/src/gateway/router.ts"] = [0, 0]; // another size and time, another content
    writeFileSync(entryFile, JSON.stringify(entry));
    assert.equal(bundleApprovalGateway(dir).built, true);
    assert.equal(JSON.parse(readFileSync(entryFile, "utf8")).inputs["packages/approvals/src/gateway/router.ts"], real);
    assert.equal(bundleApprovalGateway(dir).built, false);
  });

  it("rebuilds when the cache was made by another esbuild or other options, or is unreadable", () => {
    const entry = JSON.parse(readFileSync(entryFile, "utf8"));
    writeFileSync(entryFile, JSON.stringify({ ...entry, key: "another esbuild" }));
    assert.equal(bundleApprovalGateway(dir).built, true);
    writeFileSync(entryFile, "{ not json");
    assert.equal(bundleApprovalGateway(dir).built, true);
    assert.equal(bundleApprovalGateway(dir).built, false);
  });
});

describe("approval gateway bundle cache: unchanged stats", () => {
  const dir = mkdtempSync(join(tmpdir(), "airlock-bundle-stats-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const entryFile = join(dir, "approval-gateway.cache.json");

  it("hashes a file again only when its size or time changed, and rebuilds when the content did", () => {
    bundleApprovalGateway(dir);
    const entry = JSON.parse(readFileSync(entryFile, "utf8"));
    assert.deepEqual(Object.keys(entry.stats).sort(), Object.keys(entry.inputs).sort());
    // Another time on record, same content (a fresh checkout): hashed, found equal, reused, and
    // the new time remembered.
    const real = entry.stats["packages/approvals/src/gateway/lambda.ts"];
    entry.stats["packages/approvals/src/gateway/lambda.ts"] = [real[0], 1];
    writeFileSync(entryFile, JSON.stringify(entry));
    assert.equal(bundleApprovalGateway(dir).built, false);
    assert.deepEqual(JSON.parse(readFileSync(entryFile, "utf8")).stats["packages/approvals/src/gateway/lambda.ts"], real);
    entry.stats["packages/approvals/src/gateway/lambda.ts"] = [real[0], 1];
    // Another time and another recorded hash: the content is taken as changed.
    entry.inputs["packages/approvals/src/gateway/lambda.ts"] = "f".repeat(64);
    writeFileSync(entryFile, JSON.stringify(entry));
    assert.equal(bundleApprovalGateway(dir).built, true);
  });
});
