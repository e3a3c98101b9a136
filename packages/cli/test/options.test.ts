/** Every command's option table: the parser and `--help` use it, so no option exists without its help. */
import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_EVAL_POLICY } from "@airlock/core";
import { DEFAULT_AUTONOMY_POLICY } from "@airlock/approvals";
import { COMMANDS } from "../src/commands/index.ts";
import { AUTONOMY_REPORT, EVALS_CHECK } from "../src/commands/specs.ts";
import { bufferIo, main } from "../src/index.ts";
import { defineCommand, parseCommand } from "../src/options.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const specs = Object.values(COMMANDS).flatMap((c) => c.specs);

describe("command option tables", () => {
  it("given every command's table, then each option has a description, string options name their argument, and each command has an example", () => {
    assert.ok(specs.length >= 11);
    for (const spec of specs) {
      assert.ok(spec.examples.length >= 1, `airlock ${spec.path} has no example`);
      for (const [name, o] of Object.entries(spec.options)) {
        assert.ok(o.description.trim().length >= 10, `airlock ${spec.path} --${name} has no description`);
        if (o.type === "string") assert.match(o.arg ?? "", /^<.+>$/, `airlock ${spec.path} --${name} names no argument`);
        if (o.type === "string" && !o.required) assert.ok(o.default !== undefined || o.defaultText !== undefined, `airlock ${spec.path} --${name} says nothing of its default`);
      }
      for (const a of spec.arguments) assert.ok(a.description.length >= 10, `airlock ${spec.path} <${a.name}> has no description`);
    }
  });

  it("given each command's --help, then it prints every option with its argument, its description and its examples", async () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const io = bufferIo(ROOT);
      assert.equal(await main([name, "--help"], io), 0, name);
      const flat = io.stdout.replace(/\s+/g, " ");
      for (const spec of command.specs) {
        for (const [option, o] of Object.entries(spec.options)) {
          assert.ok(flat.includes(`--${option}${o.type === "string" ? ` ${o.arg}` : ""}  `) || flat.includes(`--${option}${o.type === "string" ? ` ${o.arg}` : ""} `), `${name} --help lacks --${option}`);
          assert.ok(flat.includes(o.description), `${name} --help lacks the description of --${option}`);
          if (o.default !== undefined) assert.ok(flat.includes(`default: ${o.default}`), `${name} --help lacks the default of --${option}`);
        }
        for (const [example] of spec.examples) assert.ok(io.stdout.includes(`  ${example}\n`), `${name} --help lacks the example ${example}`);
      }
      assert.ok(io.stdout.endsWith("\n"));
    }
  });

  it("documents the flags the issue names, with their defaults", async () => {
    const io = bufferIo(ROOT);
    await main(["plan", "--help"], io);
    const flat = io.stdout.replace(/\s+/g, " ");
    assert.match(flat, /--fail-on <severity> exit 1 when a finding of this severity or worse is found .*\(one of error, warning, never; default: error\)/);
    assert.match(flat, /--no-guardrails skip the policy pack's rules/);
    assert.match(flat, /--region <region> AWS region a bare agent\.yaml is planned for/);
    assert.match(flat, /--policy-config <file> a Pulumi policy-pack config file: JSON with per-policy enforcement levels, the same file `pulumi preview --policy-pack-config` takes/);
    assert.match(flat, /-s, --stack <name> .*\(default: dev\)/);
    assert.match(io.stdout, /\nexamples:\n {2}airlock plan \. --stack prod\n/);
  });

  it("states the defaults the code uses", () => {
    assert.equal(AUTONOMY_REPORT.options["min-streak"].default, String(DEFAULT_AUTONOMY_POLICY.minStreak));
    assert.equal(AUTONOMY_REPORT.options["min-window-days"].default, String(DEFAULT_AUTONOMY_POLICY.minWindowDays));
    // Shown, not set: a --policy file's minPassRate and alpha stand unless the option is given.
    assert.equal(EVALS_CHECK.options["min-pass-rate"].defaultText, String(DEFAULT_EVAL_POLICY.minPassRate));
    assert.equal(EVALS_CHECK.options.alpha.defaultText, String(DEFAULT_EVAL_POLICY.alpha));
  });

  it("given an unknown option, when any command runs, then it exits 2 naming the option, with the usage", async () => {
    for (const spec of specs) {
      const io = bufferIo(ROOT);
      const argv = [...spec.path.split(" "), "--no-such-option"];
      assert.equal(await main(argv, io), 2, argv.join(" "));
      const [first, ...rest] = io.stderr.split("\n");
      assert.equal(first, `airlock ${spec.path.split(" ")[0]}: unknown option \`--no-such-option\` (\`airlock ${spec.path} --help\` lists every option)`);
      assert.match(rest.join("\n"), /^usage: airlock /);
      assert.equal(io.stdout, "");
    }
  });

  it("suggests the option meant, and refuses a value on a flag or a missing value", () => {
    const spec = defineCommand({
      path: "t",
      summary: "test",
      arguments: [],
      options: { json: { type: "boolean", description: "print JSON" }, stack: { type: "string", arg: "<name>", default: "dev", description: "the stack" } },
      examples: [],
    });
    assert.throws(() => parseCommand(spec, ["--jsno"]), { name: "UsageError", message: "unknown option `--jsno`; did you mean `--json`? (`airlock t --help` lists every option)" });
    assert.throws(() => parseCommand(spec, ["--json=yes"]), { message: "`--json` is a flag and takes no value; write `--json` alone" });
    assert.throws(() => parseCommand(spec, ["--stack"]), { message: "`--stack` needs a value: --stack <name>" });
    assert.throws(() => parseCommand(spec, ["--stack", "--json"]), { message: "`--stack` needs a value: --stack <name> (got `--json`; write --stack=--json if that is the value)" });
    assert.throws(() => parseCommand(spec, ["extra"]), { message: 'unexpected argument "extra"; `airlock t` takes options only' });
    assert.deepEqual(parseCommand(spec, []).values, { json: false, stack: "dev" });
    assert.deepEqual(parseCommand(spec, ["--stack=prod", "--json"]).values, { json: true, stack: "prod" });
  });
});

describe("input errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "airlock-input-"));
  writeFileSync(join(dir, "broken.yaml"), "apiVersion: airlock/v1\nagent: [\n");
  writeFileSync(join(dir, "plan.json"), "{}");
  const cases: [string[], RegExp][] = [
    [["plan", "missing.yaml"], /^airlock plan: missing\.yaml does not exist; pass a Pulumi project directory or an agent\.yaml$/],
    [["plan", "broken.yaml", "--region", "us-east-1"], /^invalid agent manifest \(.*broken\.yaml\): 1 problem$/],
    [["plan", "broken.yaml", "--region", "useast1"], /^airlock plan: `--region`: "useast1" is not an AWS region; write it like us-east-1 or eu-west-2$/],
    [["plan", ".", "--region", "eu-west-1"], /^airlock plan: `--region` is for a bare agent\.yaml; \. is a Pulumi project, planned for its stack's `aws:region` \(`pulumi config set aws:region eu-west-1 --stack dev`\)$/],
    [["plan", "a", "b"], /^airlock plan: unexpected argument "b"; `airlock plan` takes one argument, <dir\|agent\.yaml>$/],
    [["plan", "broken.yaml", "--fail-on", "info"], /^airlock plan: `--fail-on` must be error, warning or never, not "info"$/],
    [["plan", "broken.yaml", "--out", "no/such/dir/plan.json"], /^airlock plan: `--out`: the directory of no\/such\/dir\/plan\.json does not exist; create it or pass another path$/],
    [["plan", "broken.yaml", "--policy-config", "nope.json"], /^airlock plan: `--policy-config`: nope\.json is not a file; pass the policy-pack config JSON `pulumi preview --policy-pack-config` takes$/],
    [["plan", "broken.yaml", "--stack"], /^airlock plan: `--stack` needs a value: --stack <name>$/],
    [["diff", "plan.json"], /^airlock diff: missing <new-plan\.json>: the plan after the change$/],
    [["diff"], /^airlock diff: missing <old-plan\.json>: the plan before the change, written by `airlock plan --out`$/],
    [["evals", "check", "report.json"], /^airlock evals: `--release` is required: the id of the release the report is for \(e\.g\. v2 or the commit\)$/],
    [["evals", "check", "--release", "v1"], /^airlock evals: missing <report\.json>: the release's eval report/],
    [["evals", "fingerprint", "--format", "yaml"], /^airlock evals: `--format` must be env or json, not "yaml"$/],
    [["evals", "fingerprint", "--manifest", "broken.yaml"], /^invalid agent manifest \(.*broken\.yaml\): 1 problem$/],
    [["evals"], /^airlock evals: name the subcommand: `airlock evals check` or `airlock evals fingerprint`$/],
    [["audit", "--json"], /^airlock audit: name the subcommand before its options: `airlock audit verify` or `airlock audit migrate`$/],
    [["runbook", "broken.yaml", "--region", "Europe"], /^airlock runbook: `--region`: "Europe" is not an AWS region; write it like us-east-1 or eu-west-2$/],
    [["runbook", "plan.json", "--plan"], /^airlock runbook: `--plan` needs a value: --plan <plan\.json>$/],
    [["runbook", "."], /^airlock runbook: \. has no agent\.yaml; pass the manifest's path$/],
    [["rollback", "plan.json"], /^airlock rollback: plan\.json is not a directory; pass the Pulumi project directory$/],
    [["rollback", "--write", "--print-only"], /^airlock rollback: `--write` edits the stack file and `--print-only` only prints the change; pass one of them$/],
    [["scan", "nope"], /^airlock scan: nope does not exist; pass files or directories to scan$/],
    [["autonomy", "report", "--min-streak", "many"], /^airlock autonomy: `--min-streak`: "many" is not a whole number ≥ 1$/],
    [["init", "plan.json"], /^airlock init: plan\.json is a file; pass the project directory to write into$/],
  ];
  for (const [argv, first] of cases) {
    it(`given \`airlock ${argv.join(" ")}\`, then it exits 2 with one line naming the argument and the fix, and no stack trace`, async () => {
      const io = bufferIo(argv[1] === "." && argv[0] === "plan" ? ROOT : dir);
      assert.equal(await main(argv, io), 2, io.stderr);
      assert.match(io.stderr.split("\n")[0]!, first);
      assert.ok(!/\n\s+at /.test(io.stderr), "no stack trace");
      assert.equal(io.stdout, "");
    });
  }
});
