/**
 * Runs a Pulumi program under Pulumi's own mocks, with no engine, no credentials and no CLI, and
 * records every resource it registers: type, name, parent and inputs. This is what `airlock plan`
 * prints and what the component tests assert on.
 */
import { existsSync, readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { SECRET_PLACEHOLDER, sha256, type PlannedResource } from "@airlock/core";
import { DeterministicMocks } from "./mocks.ts";
import { resetRecordedAgentModels, recordedAgentModels, recordedPlanFindings } from "../registry.ts";
import type { AgentModel, Finding } from "@airlock/core";

/** Options of {@link recordProgram}. */
export interface RecordOptions {
  /** The Pulumi project name the program runs in. */
  readonly project: string;
  /** The stack name the program runs in. */
  readonly stack: string;
  /** Flat config as Pulumi holds it: `"<namespace>:<key>"` → string (objects as JSON). */
  readonly config?: Readonly<Record<string, string>>;
  /** Config keys whose values are secret. */
  readonly secretKeys?: readonly string[];
  /** @default "123456789012" */
  readonly accountId?: string;
  /** The program: creates resources; may return stack outputs. */
  readonly program: () => unknown;
}

/** What {@link recordProgram} returns: what the program registered. */
export interface Recording {
  /** Sorted by URN. */
  readonly resources: PlannedResource[];
  /** The program's stack outputs (what it returned). */
  readonly outputs: Record<string, unknown>;
  /** Compiled models of the agents the program deployed, sorted by name. */
  readonly agents: AgentModel[];
  /**
   * Findings of the program's components (not of a manifest): what a resource Airlock uses but does
   * not own must allow (a key policy for a bring-your-own key), sorted by rule and subject.
   */
  readonly findings: Finding[];
  /**
   * The explicit provider of each resource registered with one (`<provider urn>::<provider id>`),
   * by URN. Resources on the default provider are not listed.
   */
  readonly providers: Readonly<Record<string, string>>;
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

let running = false;

/** Runs `program` under mocks and returns what it registered. One recording at a time per process. */
export async function recordProgram(options: RecordOptions): Promise<Recording> {
  if (running) throw new Error("recordProgram: another recording is running in this process; await it first");
  running = true;
  const failures: unknown[] = [];
  // Pulumi's language host ends the program at its first unhandled error; so does the recording
  // (the resources waiting on the failed one would otherwise wait forever).
  let failed!: () => void;
  const firstFailure = new Promise<void>((resolve) => (failed = resolve));
  const onRejection = (reason: unknown) => {
    failures.push(reason);
    failed();
  };
  process.on("unhandledRejection", onRejection);
  try {
    const config = options.config ?? {};
    const region = config["aws:region"] ?? "us-east-1";
    pulumi.runtime.setAllConfig({ "aws:region": region, ...config }, [...(options.secretKeys ?? [])]);
    const mocks = new DeterministicMocks({ accountId: options.accountId ?? "123456789012", region });
    await pulumi.runtime.setMocks(mocks, options.project, options.stack, false, "organization");
    resetRecordedAgentModels();

    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
    const recorded = new Map<string, PlannedResource>();
    const providers: Record<string, string> = {};
    const normalisations: Promise<void>[] = [];
    const duplicates: string[] = [];
    let inFlight = 0;
    let registrations = 0;
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      inFlight++;
      registrations++;
      const type = req.getType();
      const name = req.getName();
      const parent = req.getParent() || null;
      const urn = monitor.newUrn(parent ?? "", type, name);
      if (recorded.has(urn)) duplicates.push(urn);
      const provider = req.getProvider();
      if (provider !== "") providers[urn] = provider;
      const raw = pulumi.runtime.deserializeProperties(req.getObject() as Parameters<typeof pulumi.runtime.deserializeProperties>[0]);
      const dependsOn = [...new Set(req.getDependenciesList().filter((d) => d !== "" && d !== parent))].sort();
      // Where the resource was before (an alias): `pulumi up` moves it from there instead of replacing it.
      const aliases = [
        ...req.getAliasurnsList(),
        ...req.getAliasesList().map((a) => {
          if (a.hasUrn()) return a.getUrn();
          const spec = a.getSpec()!;
          return monitor.newUrn(spec.getNoparent() ? "" : spec.getParenturn() || (parent ?? ""), spec.getType() || type, spec.getName() || name);
        }),
      ].sort();
      const entry = { urn, type, name, parent, custom: req.getCustom(), inputs: {} as Record<string, unknown>, dependsOn, ...(aliases.length > 0 ? { aliases } : {}) };
      recorded.set(urn, entry);
      // Assets and archives hold their contents behind promises: resolve them before recording.
      normalisations.push(resolveAssets(raw).then((v) => {
        entry.inputs = sortKeys(normaliseValue(v)) as Record<string, unknown>;
      }));
      return original(req, (err: unknown, res: unknown) => {
        inFlight--;
        callback(err, res);
      });
    };

    let outputs: Record<string, unknown> = {};
    const run = async () => {
      const result = await options.program();
      if (result !== undefined && result !== null && typeof result === "object") {
        outputs = (await resolveOutputs(result as Record<string, unknown>)) as Record<string, unknown>;
      }
      await settle(() => inFlight, () => registrations, () => failures.length > 0);
      await Promise.all(normalisations);
    };
    await Promise.race([run(), firstFailure]);

    if (failures.length > 0) throw withoutSerializationPrefixes(failures[0]);
    if (duplicates.length > 0) {
      throw new Error(`two resources have the same URN (${duplicates[0]}); the Pulumi engine would reject the program: give them distinct names`);
    }
    if (mocks.unmockedCalls.length > 0) {
      throw new Error(`the program calls provider functions airlock plan cannot answer offline: ${[...new Set(mocks.unmockedCalls)].join(", ")}`);
    }
    return {
      resources: [...recorded.values()].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0)),
      outputs,
      agents: recordedAgentModels(),
      findings: recordedPlanFindings(),
      providers: Object.fromEntries(Object.keys(providers).sort().map((u) => [u, providers[u]!])),
    };
  } finally {
    process.off("unhandledRejection", onRejection);
    running = false;
  }
}

/**
 * An error thrown inside an Output reaches the program wrapped once per property it was nested in
 * (`error serializing property "policy": …`); the cause is the innermost message.
 */
function withoutSerializationPrefixes(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const message = e.message.replace(/^(?:error serializing property "[^"]*": )+/, "");
  if (message === e.message) return e;
  const out = new Error(message);
  out.stack = e.stack;
  return out;
}

interface MockMonitorLike {
  registerResource(req: RegisterRequest, callback: (err: unknown, res: unknown) => void): unknown;
  newUrn(parent: string, type: string, name: string): string;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): unknown;
  getDependenciesList(): string[];
  getProvider(): string;
  /** Aliases as URNs (older SDKs compute them before sending). */
  getAliasurnsList(): string[];
  /** Aliases as URNs or specs (name, type, parent), the SDK's form when the monitor takes them. */
  getAliasesList(): AliasLike[];
}

interface AliasLike {
  hasUrn(): boolean;
  getUrn(): string;
  getSpec(): { getName(): string; getType(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
}

/** Waits until no registration is in flight and none has started for a few turns of the event loop. */
async function settle(inFlight: () => number, count: () => number, failed: () => boolean): Promise<void> {
  const waitForRpcs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  let quiet = 0;
  let last = -1;
  while (quiet < 3 && !failed()) {
    if (waitForRpcs) await waitForRpcs();
    await new Promise((r) => setTimeout(r, 2));
    if (inFlight() === 0 && count() === last) quiet++;
    else quiet = 0;
    last = count();
  }
}

async function resolveOutputs(value: Record<string, unknown>): Promise<unknown> {
  const out = pulumi.output(value as pulumi.Input<Record<string, unknown>>);
  return normaliseValue(await new Promise((resolve) => out.apply(resolve)));
}

/** Replaces Asset and Archive objects by plain descriptions of their (awaited) contents. */
async function resolveAssets(value: unknown): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map(resolveAssets));
  if (value === null || typeof value !== "object") return value;
  if (pulumi.asset.Asset.isInstance(value as never)) {
    const a = value as { text?: Promise<string>; path?: Promise<string>; uri?: Promise<string> };
    const text = await a.text;
    if (typeof text === "string") return { asset: "string", sha256: sha256(text), bytes: Buffer.byteLength(text) };
    const path = await a.path;
    // A file is described by its content, so plans are the same on every machine.
    if (typeof path === "string" && existsSync(path)) {
      const bytes = readFileSync(path);
      return { asset: "file", sha256: sha256(bytes), bytes: bytes.length };
    }
    return { asset: "file", path: String(path ?? (await a.uri) ?? "") };
  }
  if (pulumi.asset.Archive.isInstance(value as never)) {
    const a = value as { assets?: Promise<Record<string, unknown>>; path?: Promise<string> };
    const assets = await a.assets;
    if (assets !== undefined) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(assets).sort()) out[k] = await resolveAssets(assets[k]);
      return { archive: out };
    }
    return { archive: String((await a.path) ?? "") };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = await resolveAssets(v);
  return out;
}

/** Secrets become a placeholder, assets a digest, resource references their URN. */
export function normaliseValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseValue);
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  const sig = obj[SIG_KEY];
  if (sig === SECRET_SIG) return SECRET_PLACEHOLDER;
  if (sig === ASSET_SIG) {
    if (typeof obj.text === "string") return { asset: "string", sha256: sha256(obj.text), bytes: Buffer.byteLength(obj.text) };
    return { asset: "file", path: String(obj.path ?? obj.uri ?? "") };
  }
  if (sig === ARCHIVE_SIG) {
    const assets = obj.assets as Record<string, unknown> | undefined;
    return assets ? { archive: Object.fromEntries(Object.entries(assets).map(([k, v]) => [k, normaliseValue(v)])) } : { archive: String(obj.path ?? obj.uri ?? "") };
  }
  if (sig === RESOURCE_SIG) return { resource: obj.urn };
  if (pulumi.asset.Asset.isInstance(value as never)) return { asset: "object" };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = normaliseValue(v);
  return out;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}
