/**
 * What each package ships (issue #12): built JavaScript with declarations, exports that point at
 * it (never at `.ts`), one version for all, a README and the licence, and nothing a user does not
 * need. Runs on the build `npm test` makes first; the consumer test (test/consumer) installs the
 * packed tarballs in projects outside the repository.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { REPOSITORY_ROOT } from "../scripts/plan-all.ts";

const LIBRARIES = ["core", "trace", "approvals", "runtime", "guardrails", "pulumi"];
const PACKAGES = [...LIBRARIES, "cli"];

interface Manifest {
  name: string;
  version: string;
  main?: string;
  types?: string;
  exports: Record<string, string | Record<string, string>>;
  files: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  bin?: Record<string, string>;
}

const dir = (p: string) => join(REPOSITORY_ROOT, "packages", p);
const manifest = (p: string) => JSON.parse(readFileSync(join(dir(p), "package.json"), "utf8")) as Manifest;

function exportTargets(m: Manifest): string[] {
  return Object.values(m.exports).flatMap((t) => (typeof t === "string" ? [t] : Object.values(t)));
}

function walk(root: string, out: string[] = []): string[] {
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/** `npm pack --dry-run`: the files each tarball would hold. */
const packed: Map<string, string[]> = (() => {
  const run = spawnSync("npm", ["pack", "--dry-run", "--json", "--workspaces"], { cwd: REPOSITORY_ROOT, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const list = JSON.parse(run.stdout) as { name: string; files: { path: string }[] }[];
  return new Map(list.map((p) => [p.name, p.files.map((f) => f.path)]));
})();

describe("the packages' manifests", () => {
  it("share one version, and pin each other to it", () => {
    const packDir = JSON.parse(readFileSync(join(dir("guardrails"), "pack/package.json"), "utf8")) as { version: string };
    const versions = new Set([...PACKAGES.map((p) => manifest(p).version), packDir.version]);
    assert.equal(versions.size, 1, `versions differ: ${[...versions].join(", ")}; move them together with scripts/version.ts`);
    const [version] = versions;
    for (const p of PACKAGES) {
      for (const [dep, range] of Object.entries(manifest(p).dependencies ?? {})) {
        if (dep.startsWith("@airlock/")) assert.equal(range, version, `${p} depends on ${dep}@${range}`);
      }
    }
    // The example agent's workspace links them at the same version (scripts/version.ts moves it).
    const example = JSON.parse(readFileSync(join(REPOSITORY_ROOT, "examples/support-agent/agent/package.json"), "utf8")) as { dependencies?: Record<string, string> };
    for (const [dep, range] of Object.entries(example.dependencies ?? {})) {
      if (dep.startsWith("@airlock/")) assert.equal(range, version, `examples/support-agent/agent depends on ${dep}@${range}`);
    }
  });

  it("point main, types and every export at built JavaScript and declarations that exist", () => {
    for (const p of PACKAGES) {
      const m = manifest(p);
      const targets = [m.main!, m.types!, ...exportTargets(m)];
      for (const t of targets) {
        assert.ok(!/\.[cm]?ts$/.test(t) || /\.d\.[cm]?ts$/.test(t), `${m.name}: ${t} is TypeScript source`);
        assert.ok(existsSync(join(dir(p), t)), `${m.name}: ${t} does not exist (npm run build)`);
      }
      for (const [key, t] of Object.entries(m.exports)) {
        if (typeof t === "string") continue;
        assert.equal(Object.keys(t)[0], "types", `${m.name} exports["${key}"]: "types" must come first`);
        assert.match(t.types!, /\.d\.ts$/);
      }
    }
  });

  it("each have the licence and a README", () => {
    const licence = readFileSync(join(REPOSITORY_ROOT, "LICENSE"), "utf8");
    for (const p of PACKAGES) {
      assert.equal(readFileSync(join(dir(p), "LICENSE"), "utf8"), licence, `${p}/LICENSE differs from the repository's`);
      assert.match(readFileSync(join(dir(p), "README.md"), "utf8"), new RegExp(`^# ${manifest(p).name.replace("/", "\\/")}\\n`));
    }
  });

  it("do not depend on the bundler: the Lambda code is prebuilt", () => {
    for (const p of PACKAGES) assert.equal(manifest(p).dependencies?.esbuild, undefined, `${p} depends on esbuild`);
    for (const p of LIBRARIES) {
      for (const file of walk(join(dir(p), "dist")).filter((f) => f.endsWith(".js"))) {
        assert.doesNotMatch(readFileSync(file, "utf8"), /require\("esbuild"\)|from "esbuild"/, `${file} loads esbuild`);
      }
    }
  });
});

/** The bare module specifiers a declaration file and every declaration it imports (in this package or another Airlock one) name. */
function declaredImports(entry: string, seen = new Set<string>(), out = new Set<string>()): Set<string> {
  if (seen.has(entry)) return out;
  seen.add(entry);
  const text = readFileSync(entry, "utf8");
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
    const spec = m[1]!;
    if (spec.startsWith(".")) {
      declaredImports(join(entry, "..", spec.replace(/\.(js|ts)$/, ".d.ts").replace(/\.c(js|ts)$/, ".d.cts")), seen, out);
    } else if (spec.startsWith("@airlock/")) {
      const [, pkg, sub] = /^@airlock\/([a-z]+)(?:\/(.+))?$/.exec(spec)!;
      const target = manifest(pkg!).exports[sub === undefined ? "." : `./${sub}`] as Record<string, string>;
      declaredImports(join(dir(pkg!), target.types!), seen, out);
    } else out.add(spec);
  }
  return out;
}

describe("the declarations", () => {
  it("never mention zod from a main entry: its types need esModuleInterop, which `pulumi new` projects lack", () => {
    for (const p of PACKAGES) {
      const imports = declaredImports(join(dir(p), manifest(p).types!));
      assert.ok(!imports.has("zod") && ![...imports].some((s) => s.startsWith("zod/")), `${p}'s declarations import zod`);
    }
    // The zod schemas themselves are the subpath @airlock/core/manifest-schema.
    assert.ok(declaredImports(join(dir("core"), (manifest("core").exports["./manifest-schema"] as Record<string, string>).types!)).has("zod"));
  });
});

describe("the tarballs", () => {
  it("hold the build, the sources their maps point at, and nothing else", () => {
    for (const p of PACKAGES) {
      const m = manifest(p);
      const files = packed.get(m.name);
      assert.ok(files, `npm pack did not list ${m.name}`);
      for (const f of files) {
        assert.doesNotMatch(f, /(^|\/)(test|tests|__tests__|fixtures|bench)\//, `${m.name} ships ${f}`);
        assert.doesNotMatch(f, /\.tsbuildinfo$|\.test\.|\.log$/, `${m.name} ships ${f}`);
        assert.match(f, /^(dist|src|assets|migrations|schema|bin)\/|^(package\.json|README\.md|LICENSE)$|^pack\/(PulumiPolicy\.yaml|package\.json|index\.js)$/, `${m.name} ships ${f}`);
      }
      for (const need of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/index.d.ts.map"]) {
        assert.ok(files.includes(need), `${m.name} lacks ${need}`);
      }
      if (p !== "cli") assert.ok(files.includes("dist/package.json"), `${m.name} lacks dist/package.json (its "type": "commonjs")`);
    }
    const pulumiFiles = packed.get("@airlock/pulumi")!;
    for (const asset of ["assets/approval-gateway.mjs", "assets/rotate.mjs", "assets/secret-age.mjs", "assets/assets.json"]) assert.ok(pulumiFiles.includes(asset), `@airlock/pulumi lacks ${asset}`);
    assert.ok(packed.get("@airlock/approvals")!.some((f) => /^migrations\/\d{4}_.*\.sql$/.test(f)));
    for (const f of ["pack/PulumiPolicy.yaml", "pack/package.json", "pack/index.js"]) assert.ok(packed.get("@airlock/guardrails")!.includes(f), `@airlock/guardrails lacks ${f}`);
    assert.ok(packed.get("@airlock/guardrails")!.includes("dist/policypack.js"));
    assert.ok(packed.get("@airlock/cli")!.includes("bin/airlock.js"));
  });
});

describe("the built libraries", () => {
  it("load with require() and with import, with the same named exports", () => {
    for (const p of LIBRARIES) {
      const m = manifest(p);
      for (const [key, t] of Object.entries(m.exports)) {
        if (typeof t === "string") continue;
        const file = join(dir(p), t.default!);
        const cjs = spawnSync(process.execPath, ["-e", `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(file)})).sort()))`], { encoding: "utf8" });
        assert.equal(cjs.status, 0, `${m.name}${key.slice(1)} under require(): ${cjs.stderr}`);
        const esm = spawnSync(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== "default" && k !== "module.exports" && k !== "__esModule").sort()))`], { encoding: "utf8" });
        assert.equal(esm.status, 0, `${m.name}${key.slice(1)} under import: ${esm.stderr}`);
        const names = JSON.parse(cjs.stdout) as string[];
        assert.ok(names.length > 0, `${m.name}${key.slice(1)} exports nothing`);
        assert.deepEqual(JSON.parse(esm.stdout), names.filter((n) => n !== "__esModule"), `${m.name}${key.slice(1)}: import sees other names than require()`);
      }
    }
  });
});
