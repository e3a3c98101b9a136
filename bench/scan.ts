/**
 * The leak scanner against secretlint's recommended preset, side by side (issue #15):
 *   - recall and precision on the generated leak corpus (packages/core/test/leak-corpus.ts: fake
 *     credentials in the right formats, generated at run time, in the places agents leak them,
 *     and lookalikes), per vendor and per context, and on the held-out lookalikes;
 *   - time and peak memory of scanning a 50 MB log full of keys, each scanner in its own process.
 *
 *   node --import tsx bench/scan.ts
 *
 * Prints a Markdown section and writes it to bench/results/scan.md (bench/run.ts puts it in
 * BENCHMARKS.md). Bounded: about a minute on 2 cores.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import { scanPaths, scanText } from "@airlock/core";
import { VENDORS, heldOutLookalikes, lookalikes, offsetOf, positives, rng, type LeakDoc } from "../packages/core/test/leak-corpus.ts";
import { measure, type Measured } from "../packages/core/test/leak-measure.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const SECRETLINT_CONFIG = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] };

const airlock = (d: LeakDoc) =>
  scanText(d.text, d.file).map((f) => {
    const o = offsetOf(d.text, f.line, f.column);
    return [o, o + Math.max(1, f.length)] as const;
  });

async function secretlint(d: LeakDoc): Promise<(readonly [number, number])[]> {
  const r = await lintSource({ source: { filePath: join("/corpus", d.file), content: d.text, contentType: "text" }, options: { config: SECRETLINT_CONFIG as never, maskSecrets: false } });
  return r.messages.map((m) => [m.range[0], m.range[1]] as const);
}

/** A 50 MB JSONL log: one line in ten holds a key (of every vendor format in turn), escaped as a JSON string. */
function writeBigLog(file: string, bytes: number): number {
  const r = rng(50);
  const fd = openSync(file, "w");
  let written = 0;
  let keys = 0;
  let buf = "";
  for (let i = 0; written + buf.length < bytes; i++) {
    if (i % 10 === 0) {
      const s = VENDORS[keys % VENDORS.length]!.make(r);
      const text = s.url !== undefined ? `connect ${s.url}` : s.vendor === "Generic" || s.kind === "secret-access-key" || s.kind === "auth-token" || s.kind === "storage-key" ? `${s.name}=${s.value}` : `key ${s.value}`;
      buf += `${JSON.stringify({ ts: 1700000000 + i, level: "info", msg: text })}\n`;
      keys++;
    } else buf += `${JSON.stringify({ ts: 1700000000 + i, level: "info", msg: "request served", path: "/v1/items", ms: i % 97 })}\n`;
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      written += buf.length;
      buf = "";
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
  return keys;
}

interface Run {
  ms: number;
  maxRssMb: number;
  findings: number;
  error?: string;
}

/** One scanner on the big file in its own process (its peak memory is its own). */
function runChild(which: "airlock" | "secretlint", file: string): Run {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "bench/scan.ts"), "--child", which, file], { cwd: ROOT, encoding: "utf8", timeout: 300_000, maxBuffer: 1 << 24 });
  if (r.status !== 0) return { ms: NaN, maxRssMb: NaN, findings: NaN, error: (r.stderr || r.stdout || String(r.error ?? r.signal)).trim().split("\n").slice(-2).join(" ").slice(0, 200) };
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Run;
}

async function child(which: string, file: string): Promise<void> {
  const t0 = performance.now();
  let findings = 0;
  if (which === "airlock") {
    scanPaths([file], { onFinding: () => void findings++ });
  } else {
    const { readFileSync } = await import("node:fs");
    const content = readFileSync(file, "utf8");
    const r = await lintSource({ source: { filePath: file, content, contentType: "text" }, options: { config: SECRETLINT_CONFIG as never, maskSecrets: false } });
    findings = r.messages.length;
  }
  const ms = Math.round(performance.now() - t0);
  process.stdout.write(`${JSON.stringify({ ms, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), findings })}\n`);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function perRow(a: Measured["byVendor"], b: Measured["byVendor"]): string[] {
  return [...a.keys()].sort().map((k) => {
    const x = a.get(k)!;
    const y = b.get(k) ?? { positives: x.positives, found: 0 };
    return `| ${k} | ${x.positives} | ${x.found} (${pct(x.found / x.positives)}) | ${y.found} (${pct(y.found / y.positives)}) |`;
  });
}

async function main(): Promise<void> {
  const startLoad = loadavg()[0]!.toFixed(2);
  const pos = positives();
  const look = lookalikes();
  const held = heldOutLookalikes();
  const corpus = [...pos, ...look];
  const t0 = performance.now();
  const a = await measure(corpus, airlock);
  const airlockMs = performance.now() - t0;
  const t1 = performance.now();
  const s = await measure(corpus, secretlint);
  const secretlintMs = performance.now() - t1;
  const ah = await measure(held, airlock);
  const sh = await measure(held, secretlint);

  const dir = mkdtempSync(join(tmpdir(), "airlock-bench-scan-"));
  const file = join(dir, "agent.log.jsonl");
  const keys = writeBigLog(file, 50 * 10 ** 6);
  const size = statSync(file).size;
  const big = { airlock: runChild("airlock", file), secretlint: runChild("secretlint", file) };
  rmSync(dir, { recursive: true, force: true });

  const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform} ${process.arch}`;
  const bigRow = (name: string, r: Run) =>
    r.error !== undefined ? `| ${name} | — | — | — | failed: ${r.error} |` : `| ${name} | ${(r.ms / 1000).toFixed(1)} | ${((size / 2 ** 20) / (r.ms / 1000)).toFixed(1)} | ${r.maxRssMb} | ${r.findings} |`;
  const doc = `## airlock scan against secretlint's recommended preset: recall, precision, time and memory

Machine: ${machine}; 1-minute load average ${startLoad} when it started. Run with \`node --import tsx bench/scan.ts\`.
secretlint: \`@secretlint/core\` and \`@secretlint/secretlint-rule-preset-recommend\` (the versions in package-lock.json), \`lintSource\` per document.

The corpus (packages/core/test/leak-corpus.ts) is generated at run time: ${pos.length} fake credentials of ${new Set(pos.map((d) => d.secret!.vendor)).size} vendors
(${VENDORS.length} formats, right prefixes, alphabets, lengths and CRC32 checksums) in ${new Set(pos.map((d) => d.context)).size} contexts (${[...new Set(pos.map((d) => d.context))].join(", ")}),
and ${look.length} lookalike documents (go.sum, Stripe object ids, IPFS/KSUID/nanoid/ULID, base64 JSON, header-only JWTs, AWS's documented
example keys, xxxx placeholders, references, digests, public keys, certificates, …). A positive counts as found when a finding
overlaps its secret as written (escaped or encoded); every other finding is a false positive. Documented example keys and
placeholders count as lookalikes: reporting them is a false positive (Airlock redacts them but does not report them).
The held-out lookalikes (${held.length} documents of other kinds) were not used to tune the rules, except once: their first run flagged 3 PKCE \`code_challenge\` values, and \`challenge\` became a non-secret name.

| | recall | precision | found / positives | false positives | held-out false positives | time for the corpus |
|---|---:|---:|---:|---:|---:|---:|
| Airlock | ${pct(a.recall)} | ${pct(a.precision)} | ${a.found} / ${a.positives} | ${a.falsePositives} | ${ah.falsePositives} | ${airlockMs.toFixed(0)} ms |
| secretlint recommended | ${pct(s.recall)} | ${pct(s.precision)} | ${s.found} / ${s.positives} | ${s.falsePositives} | ${sh.falsePositives} | ${secretlintMs.toFixed(0)} ms |

Aim: recall ≥ 95% and precision ≥ 97%, ahead of secretlint's recommended preset on the same corpus.

Per vendor (positives; found by Airlock; found by secretlint):

| vendor | positives | Airlock | secretlint |
|---|---:|---:|---:|
${perRow(a.byVendor, s.byVendor).join("\n")}

Per context:

| context | positives | Airlock | secretlint |
|---|---:|---:|---:|
${perRow(a.byContext, s.byContext).join("\n")}

A ${(size / 10 ** 6).toFixed(0)} MB JSONL log (one line in ten holds a key: ${keys} keys, one format after another), each scanner in a fresh process
(peak RSS includes Node, tsx and the whole of @airlock/core, IAM dataset included):

| scanner | seconds | MiB/s | peak RSS (MB) | findings |
|---|---:|---:|---:|---:|
${bigRow("Airlock (`scanPaths`, 1 MiB chunks, findings streamed)", big.airlock)}
${bigRow("secretlint recommended (`lintSource` on the whole file)", big.secretlint)}

Airlock reads the file in 1 MiB chunks with a 16 KiB overlap, so its memory does not grow with the file; secretlint needs the
file as one string. Before this change, \`airlock scan\` skipped files over 10 MiB and exited 0.
`;
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/scan.md"), doc);
  process.stdout.write(doc);
}

if (process.argv[2] === "--child") await child(process.argv[3]!, process.argv[4]!);
else await main();
