/**
 * Adversarial YAML (issue #15): tags outside YAML's core schema, bytes that are not UTF-8 and an
 * alias bomb are refused as manifest errors naming the place and the fix, never parsed or passed
 * on with the parser's words.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ManifestError, type ManifestProblem } from "../../src/index.ts";
import { loadManifest, parseYaml } from "../../src/manifest/load.ts";

function problemsOfYaml(text: string): ManifestProblem[] {
  try {
    parseYaml(text, "agent.yaml");
  } catch (e) {
    assert.ok(e instanceof ManifestError, `expected a ManifestError, got ${String(e)}`);
    return [...e.problems];
  }
  assert.fail("expected the YAML to be refused");
}

const BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
  "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
  "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
  "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
  "f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
  "",
].join("\n");

describe("adversarial YAML in agent.yaml", () => {
  it("given a !!js/function tag, when parsed, then it is refused at its field with the fix (not read as a string)", () => {
    const problems = problemsOfYaml("agent:\n  name: !!js/function 'function () { return process.exit(1) }'\n");
    assert.deepEqual(problems, [
      {
        path: "agent.name (line 2, column 9)",
        message: "has the YAML tag `!!js/function`, which Airlock does not read (only YAML's core types: strings, numbers, booleans, null, lists and mappings); remove the tag and write a plain value",
      },
    ]);
  });

  it("given local and YAML 1.1 tags (!include, !!binary, !!set, !!timestamp), when parsed, then each is refused where it stands", () => {
    const problems = problemsOfYaml("tools:\n  - name: !include other.yaml\n    blob: !!binary aGVsbG8=\nset: !!set { a, b }\nwhen: !!timestamp 2001-12-14\n");
    assert.deepEqual(
      problems.map((p) => [p.path, p.message.split(",")[0]]),
      [
        ["set (line 4, column 6)", "has the YAML tag `!!set`"],
        ["tools[0].blob (line 3, column 11)", "has the YAML tag `!!binary`"],
        ["tools[0].name (line 2, column 11)", "has the YAML tag `!include`"],
        ["when (line 5, column 7)", "has the YAML tag `!!timestamp`"],
      ],
    );
  });

  it("given core tags written out (!!str, !!int), when parsed, then they are accepted as their values", () => {
    assert.deepEqual(parseYaml("a: !!str 10\nb: !!int '7'\n", "agent.yaml"), { a: "10", b: 7 });
  });

  it("given a billion-laughs alias bomb, when parsed, then it is refused naming the limit and the fix, not the parser's ReferenceError", () => {
    const problems = problemsOfYaml(BOMB);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.path, "(aliases)");
    assert.equal(
      problems[0]!.message,
      "the YAML's aliases (`*name`) expand past Airlock's limit of 100 alias nodes, as an alias bomb (billion laughs) does; write the values out instead of repeating anchors",
    );
  });

  it("given a file with bytes that are not UTF-8, when loaded, then it is refused with the byte's line and the fix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-yaml-"));
    const file = join(dir, "agent.yaml");
    writeFileSync(file, Buffer.concat([Buffer.from("apiVersion: airlock/v1\nagent:\n  name: caf"), Buffer.from([0xe9]), Buffer.from("\n")]));
    await assert.rejects(loadManifest(file), (e: unknown) => {
      assert.ok(e instanceof ManifestError, String(e));
      assert.deepEqual(e.problems, [{ path: "line 3, column 12", message: "byte 0xe9 (offset 41) is not UTF-8; save the file as UTF-8 (Airlock reads manifests only as UTF-8)" }]);
      return true;
    });
  });
});
