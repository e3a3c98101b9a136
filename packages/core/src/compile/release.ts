/**
 * Releases. A release is an image digest plus the hashes of what shapes the agent's behaviour
 * (prompt, tools and their permissions, model) plus its config. Eval reports are tied to a
 * release by this fingerprint, so a report made for anything else is stale.
 */
import { canonicalJson, sha256 } from "../hash.ts";
import type { AgentModel } from "./model.ts";

export interface ReleaseFingerprint {
  /** `sha256:<64 hex>` of the image. */
  readonly imageDigest: string;
  /** sha256 of the system prompt file (of the empty string when there is none). */
  readonly promptHash: string;
  /** sha256 of the canonical tools (with their inputs), permission map and argument policies (the Cedar text). */
  readonly toolsHash: string;
  /** `<provider>/<model id>`. */
  readonly model: string;
}

const DIGEST = /@?(sha256:[a-f0-9]{64})$/;

/** The `sha256:…` part of an image reference, or undefined when it is not pinned by digest. */
export function imageDigestOf(imageRef: string): string | undefined {
  return DIGEST.exec(imageRef)?.[1];
}

/**
 * The SHA-256 of the agent's tools (their declared inputs included), permissions and argument
 * policies (canonical JSON): it changes whenever what the agent may do changes. A model without
 * argument policies hashes as before they existed.
 */
export function toolsHash(model: AgentModel): string {
  return sha256(
    canonicalJson({ tools: model.tools, permissions: model.permissions, ...(model.argumentPolicies !== undefined ? { argumentPolicies: model.argumentPolicies } : {}) }),
  );
}

/** The fingerprint of `model` running `imageRef` (a `repo@sha256:…` reference or a bare digest). */
export function releaseFingerprint(model: AgentModel, imageRef: string): ReleaseFingerprint {
  const imageDigest = imageDigestOf(imageRef);
  if (imageDigest === undefined) {
    throw new Error(`\`image\`: "${imageRef}" is not pinned by digest; use repository@sha256:<digest>`);
  }
  return {
    imageDigest,
    promptHash: model.promptHash ?? sha256(""),
    toolsHash: toolsHash(model),
    model: `${model.model.provider}/${model.model.id}`,
  };
}

/** The differences between two fingerprints, as field names (empty when they match). */
export function fingerprintDifferences(expected: ReleaseFingerprint, actual: Partial<ReleaseFingerprint>): (keyof ReleaseFingerprint)[] {
  return (["imageDigest", "promptHash", "toolsHash", "model"] as const).filter((k) => expected[k] !== actual[k]);
}
