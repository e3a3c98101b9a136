/** The `airlock` entry point: version, help and unknown input. */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { bufferIo, main } from "../src/index.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

describe("airlock", () => {
  it("prints the CLI package's version for --version, -v and version, exit 0", async () => {
    for (const flag of ["--version", "-v", "version"]) {
      const io = bufferIo(ROOT);
      assert.equal(await main([flag], io), 0, flag);
      assert.equal(io.stdout, `airlock ${VERSION}\n`);
      assert.equal(io.stderr, "");
    }
  });

  it("lists the commands and says where the options and the version are", async () => {
    const io = bufferIo(ROOT);
    assert.equal(await main(["--help"], io), 0);
    assert.match(io.stdout, /^usage: airlock <command> \[options\]\n\ncommands:\n {2}init {6}write a commented starter agent\.yaml.*\n {2}plan {6}plan a Pulumi program/);
    assert.match(io.stdout, /airlock <command> --help shows a command's options; airlock --version prints the version\.\n$/);
  });

  it("prints a command's usage, summary, arguments, options and examples for --help, ending in a newline", async () => {
    const io = bufferIo(ROOT);
    assert.equal(await main(["plan", "--help"], io), 0);
    assert.match(io.stdout, /^usage: airlock plan \[dir\|agent\.yaml\] \[options\]\n\nplan a Pulumi program or an agent\.yaml offline and print resources, permissions and findings\n\narguments:\n(.*\n)+\noptions:\n(.*\n)+\nexamples:\n(.*\n)+$/);
    const sub = bufferIo(ROOT);
    assert.equal(await main(["evals", "check", "--help"], sub), 0);
    assert.match(sub.stdout, /^usage: airlock evals check <report\.json\.\.\.> --release <id> \[options\]\n {7}airlock evals fingerprint \[options\]\n/);
  });

  it("keeps --version working with other words on the line", async () => {
    const io = bufferIo(ROOT);
    assert.equal(await main(["--version", "--json"], io), 0);
    assert.equal(io.stdout, `airlock ${VERSION}\n`);
  });
});
