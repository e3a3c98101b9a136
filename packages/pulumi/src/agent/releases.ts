/**
 * An agent's releases: each an image by digest plus its own configuration, checked before any
 * resource exists, and the eval gate the active one must pass (a current, passing report).
 */
import {
  DEFAULT_ALPHA,
  DEFAULT_EVAL_POLICY,
  EVAL_PLAN_RULES,
  assertEvalGate,
  findSecrets,
  imageDigestOf,
  releaseFingerprint,
  sanitizeTagValue,
  type AgentModel,
  type EvalGateResult,
  type EvalPolicy,
  type EvalQuarantine,
  type Finding,
} from "@airlock/core";
import { AIRLOCK_ENV_PREFIX, optOutValue } from "@airlock/core/contracts";
import { parseEcrImage } from "./container.ts";
import { recordPlanFinding, recordedPlanFindings } from "../registry.ts";

/** One release: an image by digest plus its release-specific configuration. */
export interface ReleaseSpec {
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<digest>`. @default - the manifest's image (or the image built from its context) */
  readonly image?: string;
  /** Plain, non-secret environment added for this release. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** What changed, for people reading the plan. @default - none */
  readonly description?: string;
  /** Marks a release that must not run again (the reason); `airlock rollback` skips it. @default - a good release */
  readonly bad?: string;
  /**
   * The eval report made for this release (promptfoo results or Airlock's native format), a path
   * relative to `evalGate.baseDir`, or several result files of the release (merged; each must
   * record the same fingerprint). The active release must have one that passes the gate.
   * @default - none (the active release then fails the gate unless it is disabled)
   */
  readonly evalReport?: string | readonly string[];
  /**
   * Eval cases quarantined for this release (reported, not counted), each with its reason, on top
   * of `evalGate.policy.quarantine`. The active release's list is compared with the last good
   * release's: a case quarantined now and not then is a plan finding (AIR-W012).
   * @default - none
   */
  readonly evalQuarantine?: readonly EvalQuarantine[];
  /**
   * The hash of the model the release's image ships: the `hash` in its `agent-model.json` (64 hex;
   * the example's build prints `model <name> <hash>`), read from the image, never recomputed: an
   * image built before a change of the hash algorithm ships, and re-checks, the older one's. It is the task's `AIRLOCK_MODEL_HASH`, and
   * the runtime refuses to start when its image's model does not hash to it. Required with
   * `image`. A release that ships another model than the one compiled now still starts (a rollback
   * to it works), but it runs under the current compile's task role, egress and approval routes:
   * the plan lists it (AIR-I110), and the eval gate judges its report by the image digest alone,
   * since the prompt, tools and model it runs are the ones in its image, for which that report was made.
   * @default - the current compile's `model.hash`, only for a release without `image` (it runs the
   * manifest's image or the image the program builds, which ship the model compiled now)
   */
  readonly modelHash?: string;
}

/** The eval gate: the active release runs only with a passing, current eval report. */
export type ReleaseEvalGate =
  | {
      /**
       * Pass rate, significance level of the paired regression test, N-of-N cases and quarantine.
       * @default - 90% pass rate, no significant drop (alpha 0.05) from the last good release
       */
      readonly policy?: EvalPolicy;
      /** Directory relative `evalReport` paths resolve against. @default - the working directory (the Pulumi project) */
      readonly baseDir?: string;
    }
  | {
      /** Opt-out: deploy without an eval gate. The reason is tagged on the service, so it shows in every plan. */
      readonly disabled: string;
    };

const RELEASE_ID = /^[a-z0-9][a-z0-9.-]{0,30}$/;
const RELEASE_FIELDS = ["image", "environment", "description", "bad", "evalReport", "evalQuarantine", "modelHash"];
const MODEL_HASH = /^[a-f0-9]{64}$/;

/**
 * The hash of the model release `spec` ships, its task's `AIRLOCK_MODEL_HASH`: its `modelHash`, else
 * (a release without `image`) the current compile's.
 */
export function releaseModelHash(model: AgentModel, spec: ReleaseSpec): string {
  return spec.modelHash ?? model.hash;
}

/**
 * The service's `airlock:eval-gate` tag: `on: pass rate at least 90 percent` (with ` / alpha 0.01`
 * for another significance level and ` / 2 quarantined` when the active release has a quarantine),
 * or `OFF: <reason>` for an opt-out, as a value every service accepts (no `%`, free text cleaned,
 * at most 256).
 */
export function evalGateTag(settings: ReleaseEvalGate | undefined, active?: ReleaseSpec): string {
  if (settings !== undefined && "disabled" in settings) return sanitizeTagValue(optOutValue(settings.disabled));
  const policy = settings?.policy ?? DEFAULT_EVAL_POLICY;
  const alpha = policy.alpha ?? DEFAULT_ALPHA;
  const quarantined = quarantineOf(policy, active).length;
  return sanitizeTagValue(
    `on: pass rate at least ${Math.round(policy.minPassRate * 100)} percent${alpha !== DEFAULT_ALPHA ? ` / alpha ${alpha}` : ""}${quarantined > 0 ? ` / ${quarantined} quarantined` : ""}`,
  );
}

/** The policy's quarantine and the release's own, one entry per case (the policy's reason first). */
function quarantineOf(policy: EvalPolicy, release: ReleaseSpec | undefined): EvalQuarantine[] {
  const out = new Map<string, EvalQuarantine>();
  for (const q of [...(policy.quarantine ?? []), ...(release?.evalQuarantine ?? [])]) if (!out.has(q.case)) out.set(q.case, q);
  return [...out.values()];
}

/**
 * The gate's findings as plan findings (`<agent>: release <id> eval case "<case>"`), so the plan,
 * its permission map and `airlock diff` show each quarantined case with its reason and a grown
 * quarantine as a warning.
 */
export function evalGatePlanFindings(agent: string, releaseId: string, result: EvalGateResult | undefined): Finding[] {
  return (result?.findings ?? [])
    .filter((f) => f.kind !== "quarantine-growth-unknown")
    .map((f) => ({
      rule: f.severity === "info" ? EVAL_PLAN_RULES.caseNote : EVAL_PLAN_RULES.warning,
      severity: f.severity,
      subject: `${agent}: release ${releaseId} evals${f.case !== undefined ? ` case "${f.case}"` : ""}`,
      message: f.message,
    }));
}

/**
 * Runs the eval gate on the active release: its report (or result files, merged) must exist, be
 * made for exactly this release (image digest, prompt, tools, model), reach the pass rate, and
 * show no significant drop from the last good release declared before it on the cases both ran
 * (the quarantine, the policy's plus the release's `evalQuarantine`, compared with that release's).
 * Records the gate's findings for the plan. Throws with the field path; returns undefined when
 * the gate is disabled.
 */
export function checkActiveReleaseEvals(
  model: AgentModel,
  releases: Readonly<Record<string, ReleaseSpec>>,
  active: string,
  settings: ReleaseEvalGate | undefined,
): EvalGateResult | undefined {
  if (settings !== undefined && "disabled" in settings) {
    if (typeof settings.disabled !== "string" || settings.disabled.trim().length < 10) {
      throw new Error("`evalGate.disabled`: give the reason the gate is off (at least 10 characters); it is tagged on the service for reviewers");
    }
    return undefined;
  }
  const release = releases[active]!;
  const image = release.image ?? (model.image.kind === "digest" ? model.image.ref : undefined);
  if (image === undefined) {
    throw new Error(`\`releases.${active}.image\`: the eval gate needs the digest of the image the evals ran against; build and push it in CI and give its digest here (or disable the gate with \`evalGate.disabled\`)`);
  }
  const ids = Object.keys(releases);
  const previousId = ids
    .slice(0, ids.indexOf(active))
    .reverse()
    .find((id) => releases[id]!.bad === undefined && releases[id]!.evalReport !== undefined);
  const policy = settings?.policy ?? DEFAULT_EVAL_POLICY;
  const previous = previousId !== undefined ? releases[previousId]! : undefined;
  const result = assertEvalGate({
    releaseId: active,
    fingerprint: releaseFingerprint(model, image),
    // A release shipping another model than the one compiled now: its report was made for the model
    // in its image, which the digest fixes (and the runtime checks); the current prompt and tools are not its.
    ...(releaseModelHash(model, release) !== model.hash ? { compared: ["imageDigest"] as const } : {}),
    report: release.evalReport,
    // The release's own quarantine joins the policy's (validated with it, so a required case is refused).
    policy: release.evalQuarantine !== undefined ? { ...policy, quarantine: quarantineOf(policy, release) } : policy,
    ...(previous !== undefined
      ? { previous: previous.evalReport!, previousReleaseId: previousId!, previousField: `releases.${previousId}.evalReport`, previousQuarantine: quarantineOf(policy, previous) }
      : { previousQuarantine: quarantineOf(policy, undefined) }),
    ...(settings?.baseDir !== undefined ? { baseDir: settings.baseDir } : {}),
    policyField: release.evalQuarantine !== undefined ? `evalGate.policy (with releases.${active}.evalQuarantine)` : "evalGate.policy",
  });
  // Shown in the plan; a program that checks before creating the deployment records them once.
  const seen = recordedPlanFindings();
  for (const f of evalGatePlanFindings(model.name, active, result)) {
    if (!seen.some((x) => x.rule === f.rule && x.subject === f.subject && x.message === f.message)) recordPlanFinding(f);
  }
  return result;
}

/** What `validateReleases` checks: the release-related arguments of an AgentDeployment. */
export interface ReleaseArgs {
  readonly releases?: Readonly<Record<string, ReleaseSpec>>;
  readonly activeRelease?: string;
  readonly desiredCount?: number;
}

/**
 * Pure checks of the releases, run before any resource is created. Call it at the top of a
 * program (before the platform) so bad config fails the preview with nothing made.
 */
export function validateReleases(model: AgentModel, args: ReleaseArgs, region: string): { releases: Record<string, ReleaseSpec>; active: string } {
  const releases: Record<string, ReleaseSpec> = { ...(args.releases ?? { current: {} }) };
  const ids = Object.keys(releases).sort();
  if (ids.length === 0) throw new Error("`releases`: declare at least one release, e.g. `{ v1: { image: \"…@sha256:…\" } }`");
  for (const id of ids) {
    if (!RELEASE_ID.test(id)) throw new Error(`\`releases.${id}\`: release ids are lowercase letters, digits, \`.\` and \`-\` (at most 31 characters), e.g. \`v2\` or \`2026-11-25.1\``);
    const r = releases[id];
    if (r === null || typeof r !== "object") throw new Error(`\`releases.${id}\`: must be a mapping with \`image\` (and optionally \`environment\`, \`description\`)`);
    const unknown = Object.keys(r).filter((k) => !RELEASE_FIELDS.includes(k));
    if (unknown.length > 0) throw new Error(`\`releases.${id}.${unknown[0]}\`: unknown field; a release has ${RELEASE_FIELDS.map((f) => `\`${f}\``).join(", ")}`);
    if (r.evalReport !== undefined) {
      const paths = Array.isArray(r.evalReport) ? r.evalReport : [r.evalReport];
      if (paths.length === 0 || paths.some((p) => typeof p !== "string" || p === "")) {
        throw new Error(`\`releases.${id}.evalReport\`: must be the path of the release's eval report, or a non-empty list of the paths of its result files`);
      }
    }
    if (r.evalQuarantine !== undefined && !Array.isArray(r.evalQuarantine)) {
      throw new Error(`\`releases.${id}.evalQuarantine\`: must be a list of { case, reason }: the eval cases quarantined for this release`);
    }
    if (r.bad !== undefined && (typeof r.bad !== "string" || r.bad.trim().length < 3)) throw new Error(`\`releases.${id}.bad\`: say why the release is bad, e.g. "doubled refund amounts"`);
    if (r.image !== undefined) {
      if (typeof r.image !== "string" || imageDigestOf(r.image) === undefined) {
        throw new Error(`\`releases.${id}.image\`: "${String(r.image)}" is not pinned by digest; use <repository>@sha256:<digest> (tags move)`);
      }
      checkEcr(r.image, `releases.${id}.image`, region);
    } else if (model.image.kind === "digest") {
      checkEcr(model.image.ref, "agent.image.digest", region);
    }
    checkModelHash(model, id, r);
    for (const [k, v] of Object.entries(r.environment ?? {})) {
      if (!/^[A-Z][A-Z0-9_]*$/.test(k)) throw new Error(`\`releases.${id}.environment.${k}\`: environment names are SCREAMING_SNAKE_CASE`);
      if (k.startsWith(AIRLOCK_ENV_PREFIX)) throw new Error(`\`releases.${id}.environment.${k}\`: ${AIRLOCK_ENV_PREFIX}* variables are set by Airlock; rename it`);
      if (model.secrets.some((s) => s.envName === k)) throw new Error(`\`releases.${id}.environment.${k}\`: ${k} is a secret's variable; secrets come from Secrets Manager only`);
      if (typeof v !== "string") throw new Error(`\`releases.${id}.environment.${k}\`: must be a string`);
      if (findSecrets(v).length > 0) {
        throw new Error(`\`releases.${id}.environment.${k}\`: the value looks like a credential; put it in Secrets Manager and declare it under \`secrets\` in the manifest`);
      }
    }
  }
  let active = args.activeRelease;
  if (active === undefined) {
    if (ids.length > 1) throw new Error(`\`activeRelease\`: there are ${ids.length} releases (${ids.join(", ")}); say which one the service runs`);
    active = ids[0]!;
  }
  if (!(active in releases)) throw new Error(`\`activeRelease\`: "${active}" is not a declared release; declared: ${ids.join(", ")}`);
  if (releases[active]!.bad !== undefined) throw new Error(`\`activeRelease\`: "${active}" is marked bad (${releases[active]!.bad}); run another release (\`airlock rollback\`)`);
  // A sandbox image built with the agent's (`sandbox.image.build`) is pushed to the platform's Region.
  if (typeof model.sandbox?.image === "string") checkEcr(model.sandbox.image, "sandbox.image", region);
  if (args.desiredCount !== undefined && (!Number.isInteger(args.desiredCount) || args.desiredCount < 0)) {
    throw new Error("`desiredCount`: must be a whole number of tasks, 0 or more");
  }
  return { releases, active };
}

/** A release's `modelHash`: 64 hex; required with its own `image`; never another than the built image's. */
function checkModelHash(model: AgentModel, id: string, r: ReleaseSpec): void {
  const field = `releases.${id}.modelHash`;
  if (r.modelHash === undefined) {
    if (r.image !== undefined) {
      throw new Error(
        `\`${field}\`: the release pins its own image, so say which model that image ships (the runtime refuses to start when it is not the task's): give the \`hash\` the agent-model.json your image ships carries, read from the image, never recomputed from agent.yaml (an image built by an older Airlock ships an older algorithm's hash); for the example's images: docker run --rm --entrypoint cat <image> /app/agent-model.json | jq -r .hash`,
      );
    }
    return;
  }
  if (typeof r.modelHash !== "string" || !MODEL_HASH.test(r.modelHash)) {
    throw new Error(`\`${field}\`: must be the model's hash, 64 lowercase hex characters (the \`hash\` in the image's agent-model.json), not ${JSON.stringify(r.modelHash)}`);
  }
  if (r.image === undefined && model.image.kind === "build" && r.modelHash !== model.hash) {
    throw new Error(
      `\`${field}\`: the release runs the image this program builds, which ships the model compiled now (${model.hash}); remove \`modelHash\`, or give the release the \`image\` that ships ${r.modelHash}`,
    );
  }
}

function checkEcr(ref: string, field: string, region: string): void {
  const ecr = parseEcrImage(ref);
  if (ecr === undefined) {
    throw new Error(`\`${field}\`: "${ref}" is not an ECR image by digest; agents pull only from ECR through the VPC endpoint (<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<digest>)`);
  }
  if (ecr.region !== region) {
    throw new Error(`\`${field}\`: the image is in ${ecr.region} but the platform is in ${region}; replicate the repository to ${region}`);
  }
}
