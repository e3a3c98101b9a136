import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
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

  it("given a whole tree and --json, then the findings are JSON (the binary file searched too) and nothing is unscannable", async () => {
    const io = bufferIo(leaky);
    assert.equal(await main(["scan", "--json"], io), 1);
    const out = JSON.parse(io.stdout);
    assert.equal(out.findings.length, 22);
    assert.deepEqual(out.unscannable, []);
    assert.deepEqual(Object.keys(out.findings[0]).sort(), ["column", "description", "file", "length", "line", "masked", "patternId"]);
    assert.ok(!io.stdout.includes("sk-ant-api03-"), "a key was printed unmasked");
  });

  it("given a clean tree, then it says how many files it read and exits 0", async () => {
    const io = bufferIo(clean);
    assert.equal(await main(["scan"], io), 0);
    assert.equal(io.stdout, "0 credentials found in 8 files\n");
  });

  it("given a 12 MiB log whose only key is at its end, then it is found and the exit is 1 (files over 10 MiB were skipped with exit 0)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-scan-cli-big-"));
    try {
      const line = "2026-11-25T10:00:00Z INFO request served in 12ms path=/v1/items status=200\n";
      const key = `ghp_${"Ab1Cd2Ef3G".repeat(3)}h4iJ5k`;
      writeFileSync(join(dir, "app.log"), `${line.repeat(Math.ceil((12 * 2 ** 20) / line.length))}token=${key}\n`);
      const io = bufferIo(dir);
      assert.equal(await main(["scan", "app.log"], io), 1);
      assert.match(io.stdout, /^app\.log:\d+:7  GitHubToken  ghp_\*{8} \(40 chars\)/);
      assert.match(io.stderr, /^1 credential found in 1 file; move them/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("given a file that cannot be read (a dangling symlink), then it is reported and the exit is 1, never a silent skip", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-scan-cli-odd-"));
    try {
      writeFileSync(join(dir, "ok.md"), "# nothing here\n");
      symlinkSync(join(dir, "gone.env"), join(dir, "prod.env"));
      const io = bufferIo(dir);
      assert.equal(await main(["scan"], io), 1);
      assert.equal(io.stdout, "prod.env  Unscannable  (could not be scanned (a symbolic link to nothing (ENOENT)); a file that is not scanned may hold a credential)\n");
      assert.equal(io.stderr, "0 credentials found in 1 file; 1 file could not be scanned (prod.env: a symbolic link to nothing (ENOENT)): fix the permissions or remove them, then scan again\n");
      const json = bufferIo(dir);
      assert.equal(await main(["scan", "--json"], json), 1);
      assert.deepEqual(JSON.parse(json.stdout).unscannable, [{ file: "prod.env", reason: "a symbolic link to nothing (ENOENT)" }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("given a path that does not exist, then exit 2 naming it", async () => {
    const io = bufferIo(clean);
    assert.equal(await main(["scan", "nope"], io), 2);
    assert.equal(io.stderr.split("\n")[0], "airlock scan: nope does not exist; pass files or directories to scan");
  });
});
