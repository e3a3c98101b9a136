import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/main.ts";
import { bufferIo } from "../src/io.ts";
import { maskSecret } from "@airlock/core";
import { writeCleanCorpus, writeLeakyCorpus, type Planted } from "../../core/test/scan-corpus.ts";

describe("airlock scan", () => {
  let leaky: string;
  let clean: string;
  let planted: Planted[];
  before(() => {
    leaky = mkdtempSync(join(tmpdir(), "airlock-scan-cli-"));
    clean = mkdtempSync(join(tmpdir(), "airlock-scan-cli-clean-"));
    planted = writeLeakyCorpus(leaky);
    writeCleanCorpus(clean);
  });
  after(() => {
    rmSync(leaky, { recursive: true, force: true });
    rmSync(clean, { recursive: true, force: true });
  });

  it("given a .env with keys, when scanned, then each is printed as file:line:column, pattern, masked, and it exits 1", async () => {
    const io = bufferIo(leaky);
    assert.equal(await main(["scan", ".env"], io), 1);
    const password = planted.find((p) => p.file === ".env" && p.patternId === "HighEntropyString")!.value;
    assert.deepEqual(io.stdout.trim().split("\n"), [
      ".env:1:19  AwsAccessKeyId  AKIA******** (20 chars)  (AWS access key id)",
      ".env:2:1  AwsSecretAccessKey  AWS_******** (62 chars)  (AWS secret access key in an assignment)",
      ".env:3:17  SlackToken  xoxb******** (56 chars)  (Slack bot, user, app or refresh token)",
      ".env:4:17  SlackAppToken  xapp******** (97 chars)  (Slack app-level token (Socket Mode))",
      `.env:5:13  HighEntropyString  ${maskSecret(password)}  (high-entropy value assigned to \`DB_PASSWORD\`)`,
    ]);
    assert.equal(io.stderr, "5 credentials found in 1 file; move them to Secrets Manager, rotate them, and remove them from history\n");
  });

  it("given a whole tree and --json, then the findings are JSON with the binary file listed as skipped", async () => {
    const io = bufferIo(leaky);
    assert.equal(await main(["scan", "--json"], io), 1);
    const out = JSON.parse(io.stdout);
    assert.equal(out.findings.length, 21);
    assert.deepEqual(out.skipped, [{ file: "keys/blob.bin", reason: "binary" }]);
    assert.deepEqual(Object.keys(out.findings[0]).sort(), ["column", "description", "file", "line", "masked", "patternId"]);
    assert.ok(!io.stdout.includes("sk-ant-api03-"), "a key was printed unmasked");
  });

  it("given a clean tree, then it says how many files it read and exits 0", async () => {
    const io = bufferIo(clean);
    assert.equal(await main(["scan"], io), 0);
    assert.equal(io.stdout, "0 credentials found in 8 files\n");
  });

  it("given a path that does not exist, then exit 2 naming it", async () => {
    const io = bufferIo(clean);
    assert.equal(await main(["scan", "nope"], io), 2);
    assert.equal(io.stderr.split("\n")[0], "airlock scan: nope does not exist; pass files or directories to scan");
  });
});
