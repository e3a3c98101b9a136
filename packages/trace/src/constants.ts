/**
 * Names shared with the CloudWatch side, as the tracer's public constants. They are
 * `@airlock/core/contracts`' `AGENT_METRICS`, `DIMENSIONS` and `TASK_ENV` (the alarms and the
 * dashboard in packages/pulumi read the same contract), so a rename there is a breaking change
 * to every deployed alarm. Add, never rename.
 */
import { AGENT_METRICS, DIMENSIONS as CONTRACT_DIMENSIONS, TASK_ENV, type AgentMetricName } from "@airlock/core/contracts";

/** Default CloudWatch namespace of the metrics the tracer's EMF lines create. */
export const EMF_NAMESPACE = AGENT_METRICS.namespace;

/** Metric names: each is a top-level member of every EMF line (one line per tool or model call). */
export const METRICS = AGENT_METRICS.names;

export type MetricName = AgentMetricName;

/** CloudWatch unit of each metric, as written in the EMF MetricDefinition. */
export const METRIC_UNITS: Readonly<Record<MetricName, string>> = AGENT_METRICS.units;

/** Dimension names: top-level string members of every EMF line. */
export const DIMENSIONS = {
  /**
   * The Pulumi stack the agent runs in (`AIRLOCK_STACK`, set by AgentDeployment): two stacks of one
   * program in one account (dev and prod) write to the same namespace, and only this keeps their
   * series apart.
   */
  stack: CONTRACT_DIMENSIONS.stack,
  /** The agent's name from its manifest. */
  agent: CONTRACT_DIMENSIONS.agent,
  /** The tool name, on tool-call lines only. */
  tool: CONTRACT_DIMENSIONS.tool,
  /** The model id as passed by the caller, on model-call lines only. */
  model: CONTRACT_DIMENSIONS.model,
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
export const DIMENSION_SETS = AGENT_METRICS.dimensionSets;

/** Environment variable the tracer reads the stack from when `stack` is not given; AgentDeployment sets it. */
export const STACK_ENV = TASK_ENV.stack;

/** PostHog LLM-analytics event names (https://posthog.com/docs/llm-analytics/manual-capture). */
export const POSTHOG_EVENTS = {
  generation: "$ai_generation",
  span: "$ai_span",
  trace: "$ai_trace",
} as const;

/** Value of `$ai_lib` on every PostHog event the tracer sends. */
export const TRACE_LIB = "@airlock/trace";
