/**
 * Names shared with the CloudWatch side: the alarms and dashboard in packages/pulumi reference these
 * constants, so a rename here is a breaking change to every deployed alarm. Add, never rename.
 */

/** Default CloudWatch namespace of the metrics the tracer's EMF lines create. */
export const EMF_NAMESPACE = "Airlock/Agents";

/** Metric names: each is a top-level member of every EMF line (one line per tool or model call). */
export const METRICS = {
  /** 1 per call. Sum = number of calls. */
  calls: "Calls",
  /** 1 when the call threw, else 0. Sum / Calls = error rate. */
  errors: "Errors",
  /** Wall-clock latency of the wrapped function, in milliseconds. */
  latencyMs: "LatencyMs",
  /** Input tokens billed (uncached input; cache reads and writes are in the PostHog event). 0 for tools. */
  inputTokens: "InputTokens",
  /** Output tokens billed. 0 for tools. */
  outputTokens: "OutputTokens",
  /** Cost of the call in USD from the price table (0 for tools and for models without a price). */
  costUsd: "CostUsd",
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** CloudWatch unit of each metric, as written in the EMF MetricDefinition. */
export const METRIC_UNITS: Readonly<Record<MetricName, string>> = {
  Calls: "Count",
  Errors: "Count",
  LatencyMs: "Milliseconds",
  InputTokens: "Count",
  OutputTokens: "Count",
  CostUsd: "None",
};

/** Dimension names: top-level string members of every EMF line. */
export const DIMENSIONS = {
  /**
   * The Pulumi stack the agent runs in (`AIRLOCK_STACK`, set by AgentDeployment): two stacks of one
   * program in one account (dev and prod) write to the same namespace, and only this keeps their
   * series apart.
   */
  stack: "Stack",
  /** The agent's name from its manifest. */
  agent: "Agent",
  /** The tool name, on tool-call lines only. */
  tool: "Tool",
  /** The model id as passed by the caller, on model-call lines only. */
  model: "Model",
} as const;

/**
 * Dimension sets per kind of call. Every set starts with `Stack`, so no series of one stack counts
 * another's calls. Both kinds share `[Stack, Agent]`, so `Calls`, `Errors` and `CostUsd` summed
 * over `[Stack, Agent]` cover every call an agent makes in one stack (that is the series the
 * error-rate and cost alarms use); `[Stack, Agent, Tool]` and `[Stack, Agent, Model]` break them
 * down for the dashboard. The release id is deliberately not a dimension: an alarm keyed on it
 * would change with every release. It is a plain member (`Release`) of every line, searchable in
 * Logs Insights.
 */
export const DIMENSION_SETS = {
  tool: [
    [DIMENSIONS.stack, DIMENSIONS.agent],
    [DIMENSIONS.stack, DIMENSIONS.agent, DIMENSIONS.tool],
  ],
  model: [
    [DIMENSIONS.stack, DIMENSIONS.agent],
    [DIMENSIONS.stack, DIMENSIONS.agent, DIMENSIONS.model],
  ],
} as const satisfies Record<string, readonly (readonly string[])[]>;

/** Environment variable the tracer reads the stack from when `stack` is not given; AgentDeployment sets it. */
export const STACK_ENV = "AIRLOCK_STACK";

/** PostHog LLM-analytics event names (https://posthog.com/docs/llm-analytics/manual-capture). */
export const POSTHOG_EVENTS = {
  generation: "$ai_generation",
  span: "$ai_span",
  trace: "$ai_trace",
} as const;

/** Value of `$ai_lib` on every PostHog event the tracer sends. */
export const TRACE_LIB = "@airlock/trace";
