/**
 * Canonical JSON keeps every key JSON can carry. `JSON.parse` makes `__proto__` an own property;
 * a copy that assigns keys one by one (`out[k] = v`) calls the `__proto__` setter instead, which
 * drops the key from the hash (and re-prototypes the copy), so `{"__proto__": {...}}` hashed
 * like `{}`: an approval of one object could be spent on another.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { canonicalJson, nestsDeeperThan, sha256 } from "../src/hash.ts";

const RAW = `{"b":1,"__proto__":{"admin":true,"__proto__":{"deep":1}},"constructor":{"prototype":{"polluted":true}},"prototype":"p",
  "list":[{"__proto__":{"x":1}},[{"constructor":"c"}]],"toString":"t","hasOwnProperty":0}`;

describe("canonical JSON of every key", () => {
  test("given `__proto__`, `constructor` and `prototype` at every depth, when canonicalised, then every key is kept and sorted", () => {
    const parsed = JSON.parse(RAW) as unknown;
    assert.equal(
      canonicalJson(parsed),
      '{"__proto__":{"__proto__":{"deep":1},"admin":true},"b":1,"constructor":{"prototype":{"polluted":true}},"hasOwnProperty":0,"list":[{"__proto__":{"x":1}},[{"constructor":"c"}]],"prototype":"p","toString":"t"}',
    );
    // The canonical text parses back to the same object.
    assert.deepEqual(JSON.parse(canonicalJson(parsed)), parsed);
  });

  test("given an object with an own `__proto__` key, when hashed, then it differs from the object without it", () => {
    assert.notEqual(sha256(canonicalJson(JSON.parse('{"a":1,"__proto__":{"admin":true}}'))), sha256(canonicalJson({ a: 1 })));
    assert.notEqual(sha256(canonicalJson(JSON.parse('{"__proto__":[]}'))), sha256(canonicalJson({})));
    assert.notEqual(sha256(canonicalJson(JSON.parse('{"__proto__":null}'))), sha256(canonicalJson({})));
  });

  test("given canonicalisation, when done, then nothing is polluted and the input is not changed", () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    canonicalJson(parsed);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(parsed), ["__proto__"]);
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  });

  test("given keys equal only after Unicode normalisation, when hashed, then they stay two keys (NFC é and NFD e + U+0301)", () => {
    const both = JSON.parse('{"caf\\u00e9":1,"cafe\\u0301":2}') as unknown;
    assert.equal(canonicalJson(both), '{"cafe\u0301":2,"caf\u00e9":1}');
    assert.notEqual(sha256(canonicalJson(both)), sha256(canonicalJson({ "caf\u00e9": 1 })));
  });

  test("given raw JSON with a duplicate key, when parsed then hashed, then the hash is of the last value (what every reader of the parsed object sees)", () => {
    assert.equal(canonicalJson(JSON.parse('{"to":"a@x.example","to":"b@y.example"}')), '{"to":"b@y.example"}');
  });

  test("given JSON nested 100000 deep, when its depth is checked, then the answer comes without overflowing the stack", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(nestsDeeperThan(deep, 64), true);
    assert.equal(nestsDeeperThan({ a: [{ b: 1 }] }, 3), false);
    assert.equal(nestsDeeperThan({ a: [{ b: {} }] }, 3), true);
  });
});
