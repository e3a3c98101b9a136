import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import fc from "fast-check";
import { checkCustomDataIdentifiers, logMaskingRegexOf, SECRET_PATTERNS } from "../../src/index.ts";

const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const masking = SECRET_PATTERNS.filter((p) => p.logMasking);

describe("CloudWatch Logs custom data identifiers", () => {
  it("given the scanner regexes as they were sent to CloudWatch before (with `(?:` groups), then the Anthropic and private-key identifiers are rejected", () => {
    const old = masking.map((p) => ({ Name: p.id, Regex: p.regex }));
    const problems = checkCustomDataIdentifiers(old);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^custom data identifier `AnthropicApiKey`: the regex `sk-ant-\(\?:api\|admin\)\[0-9\]\{2\}-\[A-Za-z0-9_-\]\{40,\}` uses `\(` `:` `\)`/);
    assert.match(problems[1]!, /^custom data identifier `PrivateKey`: the regex .* uses `\(` `:` `\)`/);
  });

  it("given the log-masking regexes, then every identifier is within the documented limits", () => {
    assert.deepEqual(checkCustomDataIdentifiers(masking.map((p) => ({ Name: p.id, Regex: logMaskingRegexOf(p) }))), []);
    assert.ok(masking.length <= 10);
  });

  it("given eleven identifiers, a bad name, a managed name and a long regex, then each is reported", () => {
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Name: `Id${i}`, Regex: "x" }));
    assert.deepEqual(checkCustomDataIdentifiers(eleven), ["has 11 custom data identifiers; CloudWatch allows 10 per policy; merge or drop 1"]);
    assert.deepEqual(checkCustomDataIdentifiers([{ Name: "my key", Regex: "x" }]), ["custom data identifier `my key`: the name may hold only A-Z, a-z, 0-9, _ and -; rename it"]);
    assert.deepEqual(checkCustomDataIdentifiers([{ Name: "AwsSecretKey", Regex: "x" }]), ["custom data identifier `AwsSecretKey`: the name is a managed data identifier's; rename it"]);
    assert.deepEqual(checkCustomDataIdentifiers([{ Name: "Long", Regex: "a".repeat(201) }]), ["custom data identifier `Long`: the regex is 201 characters; CloudWatch allows 200; shorten it"]);
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
