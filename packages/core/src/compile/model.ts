/**
 * The compiled model: a plain, JSON-serialisable description of everything an agent may do.
 * The Pulumi components render it; the CLI prints it; the guardrails and the diff read it.
 */
import type { ArgumentOutcome, ConditionRule, ToolInput } from "../manifest/arguments.ts";
import type { AccessLevel, RiskClass, Tier } from "../manifest/vocabulary.ts";

/** One statement of an IAM policy document, as the compiler writes it. */
export interface IamStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** An IAM policy document (version `2012-10-17`). */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly IamStatement[];
}

/** One row of the permission map: tool → system → actions → resources. */
export interface PermissionEntry {
  readonly tool: string;
  /** `aws:<service>`, `github:<owner/repo>`, `https:<host>`, `secret:<name>`, `sandbox`. */
  readonly system: string;
  readonly access: AccessLevel;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** Present when the entry holds a wildcard the manifest allowed. */
  readonly wildcardReason?: string;
  /**
   * Present when the entry holds privilege-escalation, permissions-management or tagging actions
   * the manifest allowed (`allowPrivilegeEscalation`): those actions and the tool's reason.
   */
  readonly escalation?: { readonly actions: readonly string[]; readonly reason: string };
}

/** How a secret is rotated: by Airlock's built-in function, by the team's Lambda, or by hand (with an age alarm). */
export type RotationPlan =
  | { readonly kind: "builtin"; readonly days: number }
  | { readonly kind: "lambda"; readonly days: number; readonly lambdaArn: string }
  | { readonly kind: "max-age"; readonly maxAgeDays: number };

/** One of the agent's secrets as compiled: its name, environment variable, source, rotation and consumers. */
export interface SecretBinding {
  readonly name: string;
  readonly envName: string;
  readonly source: "generated" | "out-of-band" | "pulumi-config";
  readonly description: string;
  readonly configKey?: string;
  readonly length: number;
  readonly rotation: RotationPlan;
  /** Tools (and `model` for the model provider key) that need it; empty means unused. */
  readonly consumers: readonly string[];
}

/** Where the agent may connect: the DNS names the firewall allows and the addresses the security group lets out to. */
export interface EgressModel {
  /** DNS names the DNS firewall allows (sorted). */
  readonly hosts: readonly string[];
  readonly cidrsV4: readonly string[];
  readonly cidrsV6: readonly string[];
  /** Where each CIDR came from (host name). */
  readonly rangesByHost: Readonly<Record<string, readonly string[]>>;
  /** The explicit opt-out to allow 443 anywhere, if the manifest made it. */
  readonly anyIpOn443?: { readonly reason: string };
  /** IAM service prefixes the agent calls; each needs a VPC endpoint. */
  readonly awsServices: readonly string[];
}

/** One rule of a risk line's `when`, compiled: its id, what it says and its outcome. */
export interface ArgumentCondition {
  /** `billing.refund.when[0]`: the rule's place in the manifest, and its Cedar policy's `@id`. */
  readonly id: string;
  /** Argument path → comparisons, as the manifest writes them (every one must hold). */
  readonly if: ConditionRule["if"];
  readonly then: ArgumentOutcome;
  /** The rule's test in words, e.g. `amount_cents > 10000` (its policy's `@condition`). */
  readonly summary: string;
}

/** A risk line of the manifest as compiled: an action type, its tier and the tools that perform it. */
export interface CompiledRiskLine {
  readonly actionType: string;
  readonly tier: Tier;
  readonly riskClass?: RiskClass;
  readonly description?: string;
  /** Tools that perform this action type. */
  readonly tools: readonly string[];
  /** Whether any of those tools is outward. */
  readonly outward: boolean;
  /**
   * The line's conditions on its tools' arguments (`riskLines.<type>.when`), in manifest order;
   * absent when it has none. Compiled to {@link AgentModel.argumentPolicies}.
   */
  readonly when?: readonly ArgumentCondition[];
}

/** One tool of the manifest as compiled, for the permission map and the diff. */
export interface ToolSummary {
  readonly name: string;
  readonly description: string;
  readonly access: AccessLevel;
  readonly outward: boolean;
  readonly actionType?: string;
  readonly tier: Tier;
  readonly sandbox: boolean;
  readonly secrets: readonly string[];
  /** The tool's declared arguments (`tools[].input`, defaults filled), a JSON Schema object; absent when it declares none. */
  readonly input?: ToolInput;
}

/**
 * The outward tools (what a customer or the world sees) whose risk line is not `auto`: each call
 * waits for a person, so the agent needs an approval route.
 */
export function toolsNeedingApproval<T extends Pick<ToolSummary, "outward" | "tier">>(agent: { readonly tools: readonly T[] }): T[] {
  return agent.tools.filter((t) => t.outward && t.tier !== "auto");
}

/** The GitHub repository a tool reaches, and the permissions it asks for there. */
export interface GithubScope {
  readonly tool: string;
  readonly repository: string;
  readonly permissions: Readonly<Record<string, AccessLevel>>;
}

/** The agent's image: a reference pinned by digest, or a build context (with its Dockerfile and platform). */
export type ImageSource =
  | { readonly kind: "digest"; readonly ref: string }
  | { readonly kind: "build"; readonly context: string; readonly dockerfile?: string; readonly platform?: string };

/**
 * The sandbox's image: a reference pinned by digest, or `build.target`, a stage of the agent's own
 * Dockerfile that the deployment builds with the agent's image (`agent.image.build` only).
 */
export type SandboxImage = string | { readonly build: { readonly target: string } };

/** A finding of the compiler, the guardrails or a component: a rule id, a severity, what it is about and a message. */
export interface Finding {
  /** Rule id, e.g. `AIR-W001`. */
  readonly rule: string;
  /** `error` fails the plan; `warning` and `info` are reported. */
  readonly severity: "error" | "warning" | "info";
  /** Manifest path or resource the finding is about. */
  readonly subject: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/**
 * The compiled model of one agent (`compile` or `loadManifest`): a plain, JSON-serialisable
 * description of everything it may do. The Pulumi components render it; the CLI prints it; the
 * guardrails and the diff read it.
 */
export interface AgentModel {
  /** The agent's name (the manifest's `agent.name`). */
  readonly name: string;
  /** The team or person who owns the agent (the manifest's `agent.owner`). */
  readonly owner: string;
  readonly description: string;
  readonly image: ImageSource;
  readonly model: { readonly provider: "anthropic" | "bedrock"; readonly id: string; readonly secret?: string };
  /** Absolute path of the prompt file when the manifest names one (not part of `hash`). */
  readonly promptFile?: string;
  /** Directory the manifest's relative paths (prompt, build context) are relative to (not part of `hash`). */
  readonly manifestDir?: string;
  /** sha256 of the prompt file's content. */
  readonly promptHash?: string;
  readonly runtime: {
    readonly cpu: number;
    readonly memory: number;
    readonly architecture: "X86_64" | "ARM64";
    readonly user: string;
    readonly command?: readonly string[];
    readonly environment: Readonly<Record<string, string>>;
    readonly desiredCount: number;
  };
  readonly tools: readonly ToolSummary[];
  /** The task role's statements: exact actions on exact resources, one Sid per tool and system. */
  readonly taskRoleStatements: readonly IamStatement[];
  readonly permissions: readonly PermissionEntry[];
  readonly secrets: readonly SecretBinding[];
  readonly egress: EgressModel;
  /** The manifest's `riskLines`, compiled: one per action type, sorted by action type. */
  readonly riskLines: readonly CompiledRiskLine[];
  /**
   * The risk lines' conditions as one Cedar policy set (`compile/argument-policies.ts`), which the
   * runtime evaluates on every call of those tools; absent when no line has conditions. Part of
   * `hash` and of the release fingerprint's `toolsHash`.
   */
  readonly argumentPolicies?: string;
  readonly github: readonly GithubScope[];
  /**
   * The sandbox task of the code-executing tools: its image (by digest, or a target of the agent's
   * Dockerfile built with the agent's image), size and the tools that run in it.
   */
  readonly sandbox?: { readonly image: SandboxImage; readonly cpu: number; readonly memory: number; readonly tools: readonly string[] };
  readonly findings: readonly Finding[];
  /**
   * sha256 of the canonical compiled model without this field, `promptFile`, `manifestDir`,
   * `findings` and the image references (`image`, `sandbox.image`): the hash of the model an image
   * ships (`agent-model.json`), the same whether the manifest pins the image by digest or builds it
   * (`modelContentHash` in `@airlock/core/hash`). A release's task sets `AIRLOCK_MODEL_HASH` to the
   * hash of the model its image ships.
   */
  readonly hash: string;
}
