/**
 * The approval gateway's process boundary: `gateway.json`, which `ApprovalGateway` (in
 * `@airlock/pulumi`) writes beside the bundled function and the function (`@airlock/approvals`)
 * reads at cold start, and the payloads an agent invokes it with. The bundle and the file are
 * deployed together, so a change of shape bumps `version` and the reader refuses any other.
 */

/**
 * The file beside the bundle that lists the agents, and the version of its format. Version 2:
 * each agent's model carries its compiled `riskLines` (version 1 called them `approvals`).
 */
export const GATEWAY_CONFIG = { file: "gateway.json", version: 2 } as const;

/** One agent's Slack route in `gateway.json`: where its requests go and who may decide them. */
export interface GatewaySlackRoute {
  /** Channel the agent's requests are posted to (C… or G…). */
  readonly channelId: string;
  /** Slack user ids allowed to decide the agent's requests (U… or W…). */
  readonly approverIds: readonly string[];
}

/** One agent served by the gateway. `Model` is the compiled model's JSON (an `AgentModel`). */
export interface GatewayAgentEntry<Model = unknown> {
  /** The agent's compiled model; its `name` is the agent's key. */
  readonly model: Model;
  readonly slack: GatewaySlackRoute;
}

/** `gateway.json`: the agents, keyed by name (each the name of the agent's Lambda alias). */
export interface GatewayConfigFile<Model = unknown> {
  readonly version: typeof GATEWAY_CONFIG.version;
  readonly agents: Readonly<Record<string, GatewayAgentEntry<Model>>>;
}

/** The outward action an agent asks a person about. */
export interface GatewayAction {
  /** The tool it wants to call; its action type and tier come from the compiled model. */
  readonly tool: string;
  /** The call's arguments (stored and shown with secrets redacted). */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** Trace id of the agent run, linked from the Slack message. */
  readonly traceId?: string;
  /**
   * Idempotency key (a UUID): asking again with the same id returns the stored request.
   * @default - a new random UUID
   */
  readonly id?: string;
}

/**
 * The operations of a direct invocation by an agent (through its own alias): ask a person
 * (`request`), read the decision (`decision`), and record, once, that an approved action is
 * being executed (`consume`: the receipt's single use, held by the service across processes).
 */
export const GATEWAY_OPS = {
  request: "request",
  decision: "decision",
  consume: "consume",
  /**
   * The schedule's (never an agent's): sign the audit log's head and write it outside the
   * database (`AUDIT_ANCHOR`). Refused through an agent's alias.
   */
  anchor: "anchor",
} as const;

/** A direct invocation by an agent. */
export type GatewayInvocation =
  | { readonly op: typeof GATEWAY_OPS.request; readonly release: string; readonly action: GatewayAction }
  | { readonly op: typeof GATEWAY_OPS.decision; readonly requestId: string }
  | {
      readonly op: typeof GATEWAY_OPS.consume;
      readonly requestId: string;
      /**
       * sha256 of the canonical JSON (`@airlock/core/hash`) of the arguments about to run: the
       * request's own arguments when approved, the approver's when edited.
       */
      readonly argumentsHash: string;
    };

/** The schedule's invocation of the gateway that writes an audit anchor. */
export interface GatewayAnchorInvocation {
  readonly op: typeof GATEWAY_OPS.anchor;
}

/**
 * A signed head of the approvals audit log, written by the gateway to the anchor bucket and read
 * by `airlock audit verify`: the S3 object's JSON, its key layout and the signature's algorithm.
 * Keys sort newest first (inverted sequence, then inverted time), so a listing's first version is
 * the latest anchor.
 */
export const AUDIT_ANCHOR = {
  format: "airlock.audit-anchor",
  version: 1,
  /** Default key prefix in the bucket. */
  prefix: "audit-anchors/",
  keySpec: "ECC_NIST_P256",
  signingAlgorithm: "ECDSA_SHA_256",
  messageType: "DIGEST",
  /** Minutes between two anchors written by the gateway's schedule. */
  everyMinutes: 5,
} as const;

/** The anchor object's JSON (`AUDIT_ANCHOR`). The signature is over sha256 of the canonical JSON of `{ format, version, head }`. */
export interface AuditAnchorDocument {
  readonly format: typeof AUDIT_ANCHOR.format;
  readonly version: typeof AUDIT_ANCHOR.version;
  readonly head: { readonly sequence: number; readonly hash: string; readonly time: string };
  readonly signature: { readonly keyId: string; readonly algorithm: typeof AUDIT_ANCHOR.signingAlgorithm; readonly value: string };
}

/**
 * How long an approval may be executed after its decision: the service refuses a `consume`
 * later than this, and the runtime's receipt expires then.
 */
export const APPROVAL_RECEIPT = { ttlSeconds: 900 } as const;

/** Why the service refused a `consume`: nothing was recorded and the action must not run. */
export type GatewayConsumeRefusal =
  /** The request was executed before (this receipt, or a copy of it, was used). */
  | "already-executed"
  /** The hash is not that of the approved (or edited) arguments. */
  | "arguments-mismatch"
  /** The request is pending or was rejected. */
  | "not-approved"
  /** The decision is older than {@link APPROVAL_RECEIPT}'s `ttlSeconds`. */
  | "expired"
  /** No request of this agent has that id. */
  | "not-found";

/** The gateway's answer to a `consume` invocation. */
export type GatewayConsumeReply =
  | { readonly outcome: "executed"; readonly requestId: string; readonly argumentsHash: string; readonly executedAt: string }
  | { readonly outcome: "refused"; readonly requestId: string; readonly reason: GatewayConsumeRefusal; readonly message: string };
