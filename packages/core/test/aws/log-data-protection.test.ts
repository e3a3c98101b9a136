import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import fc from "fast-check";
import { checkCustomDataIdentifiers, logMaskingIdentifiers, logMaskingRegexOf, SECRET_PATTERNS } from "../../src/index.ts";
import { positives } from "../leak-corpus.ts";

const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const masking = SECRET_PATTERNS.filter((p) => p.logMasking);

describe("CloudWatch Logs custom data identifiers", () => {
  it("given the scanner regexes as they were sent to CloudWatch before (with `(?:` groups, one identifier each), then they are rejected", () => {
    const old = masking.map((p) => ({ Name: p.id, Regex: p.regex }));
    const problems = checkCustomDataIdentifiers(old);
    assert.match(problems[0]!, /^has \d+ custom data identifiers; CloudWatch allows 10 per policy/);
    assert.ok(problems.some((m) => /^custom data identifier `AnthropicApiKey`: the regex `.*` uses `\(` `\?` `<` `!` `\)`/.test(m) || /^custom data identifier `AnthropicApiKey`: the regex .* uses /.test(m)));
    assert.ok(problems.some((m) => /^custom data identifier `PrivateKey`: the regex .* uses `\(`/.test(m)));
  });

  it("given the log-masking identifiers (the patterns packed by group), then they are within the documented limits: at most 10, each regex at most 200 characters of the supported set", () => {
    const ids = logMaskingIdentifiers();
    assert.deepEqual(checkCustomDataIdentifiers(ids), []);
    assert.ok(ids.length <= 10);
    for (const i of ids) assert.ok(i.Regex.length <= 200, `${i.Name}: ${i.Regex.length}`);
    // Every pattern that masks is in exactly one identifier.
    for (const p of masking) assert.ok(ids.find((i) => i.Name === (p.logMaskingGroup ?? p.id))!.Regex.includes(logMaskingRegexOf(p)), p.id);
  });

  it("given every corpus credential the scanner finds by format, then its identifier's regex masks at least the same text (JavaScript's engine standing in for CloudWatch's)", () => {
    const ids = logMaskingIdentifiers();
    for (const d of positives(21, 3)) {
      const text = d.secret!.url ?? d.secret!.value;
      for (const p of masking) {
        if (p.id === "UrlPassword") continue;
        const scanner = new RegExp(p.regex).exec(text)?.[0];
        if (scanner === undefined) continue;
        const group = ids.find((i) => i.Name === (p.logMaskingGroup ?? p.id))!;
        const mask = new RegExp(group.Regex).exec(text)?.[0];
        assert.ok(mask !== undefined && mask.length >= scanner.length, `${group.Name} does not mask ${p.id} (${d.secret!.vendor})`);
      }
    }
    const url = new RegExp(ids.find((i) => i.Name === "UrlPassword")!.Regex);
    for (const d of positives(22, 3).filter((x) => x.secret!.url !== undefined)) assert.ok(url.exec(d.secret!.url!)?.[0].includes(`:${d.secret!.value}@`), d.secret!.vendor);
  });

  it("given eleven identifiers, a bad name, a managed name and a long regex, then each is reported", () => {
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Name: `Id${i}`, Regex: "x" }));
    assert.deepEqual(checkCustomDataIdentifiers(eleven), ["has 11 custom data identifiers; CloudWatch allows 10 per policy; merge or drop 1"]);
    assert.deepEqual(checkCustomDataIdentifiers([{ Name: "my key", Regex: "x" }]), ["custom data identifier `my key`: the name may hold only A-Z, a-z, 0-9, _ and -; rename it"]);
    assert.deepEqual(checkCustomDataIdentifiers([{ Name: "AwsSecretKey", Regex: "x" }]), ["custom data identifier `AwsSecretKey`: the name is a managed data identifier's; rename it"]);
    assert.deepEqual(checkCustomDataIdentifiers([{ Name: "Long", Regex: "a".repeat(201) }]), ["custom data identifier `Long`: the regex is 201 characters; CloudWatch allows 200; shorten it"]);
  });

  it("given a regex of supported characters that is no regular expression (an unclosed class), then it is reported", () => {
    assert.deepEqual(checkCustomDataIdentifiers([{ Name: "Broken", Regex: "sk-[A-Za-z0-9{20,}" }]), [
      "custom data identifier `Broken`: the regex `sk-[A-Za-z0-9{20,}` is not a valid regular expression (unbalanced brackets or braces, or a quantifier with nothing before it); fix it",
    ]);
  });

  it("given an identifier with no Name or no Regex (missing property), then it is reported", () => {
    assert.deepEqual(checkCustomDataIdentifiers([{ Name: undefined, Regex: "x" }, { Name: "NoRegex", Regex: undefined }]), [
      "custom data identifier #0 has no `Name`; give it a name of A-Z, a-z, 0-9, _ and -",
      "custom data identifier `NoRegex` has no `Regex`; add the pattern",
    ]);
  });

  it("property: each log-masking regex matches everything its scanner regex matches (API keys, admin keys, every PEM header)", () => {
    const tail = fc.stringMatching(/^[A-Za-z0-9_-]{40,60}$/);
    const samples = fc.oneof(
      fc.tuple(fc.constantFrom("api", "admin"), fc.integer({ min: 0, max: 99 }), tail).map(([k, n, t]) => `sk-ant-${k}${String(n).padStart(2, "0")}-${t}`),
      fc.tuple(fc.constantFrom("", "RSA ", "EC ", "DSA ", "OPENSSH ", "ENCRYPTED ", "PGP "), fc.constantFrom("", " BLOCK")).map(([k, b]) => `-----BEGIN ${k}PRIVATE KEY${b}-----`),
    );
    fc.assert(
      fc.property(samples, (s) => {
        for (const p of masking) {
          const scanner = new RegExp(p.regex).exec(s)?.[0];
          if (scanner === undefined) continue;
          const mask = new RegExp(logMaskingRegexOf(p)).exec(s)?.[0];
          assert.ok(mask !== undefined && mask.length >= scanner.length, `${p.id} does not mask ${s}`);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
