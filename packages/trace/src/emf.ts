import { CALL_OUTCOMES } from "@airlock/core/contracts";
import { DIMENSIONS, DIMENSION_SETS, METRICS, METRIC_UNITS } from "./constants.ts";
import type { CallRecord } from "./record.ts";

/**
 * CloudWatch Embedded Metric Format: one JSON object per line, which CloudWatch Logs turns into
 * metrics (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * Every metric name in the directive is a numeric top-level member; every dimension a string one.
 */

/** Where EMF lines go: `process.stdout` (the default) or any object with a `write(string)`. */
export interface LineSink {
  write(chunk: string): unknown;
}

export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly [member: string]: unknown;
}

const METRIC_DEFINITIONS = Object.values(METRICS).map((name) => ({ Name: name, Unit: METRIC_UNITS[name] }));

/** CloudWatch dimension values are 1–1024 characters. */
function dimensionValue(value: string): string {
  const trimmed = value.length > 1024 ? value.slice(0, 1024) : value;
  return trimmed.trim() === "" ? "(unnamed)" : trimmed;
}

/** The members of a line besides `_aws`: dimensions, metrics, then context (kind, ids, outcome, error, args). */
function members(record: CallRecord, includeArgs: boolean): Record<string, unknown> {
  const isTool = record.kind === "tool";
  const doc: Record<string, unknown> = { [DIMENSIONS.stack]: dimensionValue(record.stack ?? ""), [DIMENSIONS.agent]: dimensionValue(record.agent) };
  if (isTool) doc[DIMENSIONS.tool] = dimensionValue(record.name);
  else doc[DIMENSIONS.model] = dimensionValue(record.model ?? record.name);

  doc[METRICS.calls] = 1;
  doc[METRICS.errors] = record.outcome === CALL_OUTCOMES.error ? 1 : 0;
  doc[METRICS.refusals] = record.outcome === CALL_OUTCOMES.refused ? 1 : 0;
  doc[METRICS.latencyMs] = record.latencyMs;
  doc[METRICS.inputTokens] = record.usage.inputTokens;
  doc[METRICS.outputTokens] = record.usage.outputTokens;
  doc[METRICS.costUsd] = record.cost?.totalUsd ?? 0;

  doc.Kind = record.kind;
  doc.Release = record.release;
  doc.Outcome = record.outcome;
  doc.TraceId = record.traceId;
  doc.SpanId = record.spanId;
  doc.ParentId = record.parentId;
  if (!isTool) {
    doc.Provider = record.provider;
    doc.CostKnown = record.cost !== undefined;
    if (record.usage.cacheReadInputTokens) doc.CacheReadInputTokens = record.usage.cacheReadInputTokens;
    if (record.usage.cacheCreationInputTokens) doc.CacheCreationInputTokens = record.usage.cacheCreationInputTokens;
  }
  if (record.httpStatus !== undefined) doc.HttpStatus = record.httpStatus;
  if (record.error) {
    doc.ErrorClass = record.error.class;
    doc.ErrorMessage = record.error.message;
  }
  if (isTool && includeArgs) doc.Args = record.input;
  return doc;
}

function directive(namespace: string, kind: CallRecord["kind"]) {
  return [{ Namespace: namespace, Dimensions: kind === "tool" ? DIMENSION_SETS.tool : DIMENSION_SETS.model, Metrics: METRIC_DEFINITIONS }];
}

/** The EMF document for one call. `includeArgs` adds the redacted tool arguments as `Args`. */
export function emfDocument(record: CallRecord, namespace: string, includeArgs: boolean): EmfDocument {
  return {
    _aws: { Timestamp: Math.trunc(record.startedAt), CloudWatchMetrics: directive(namespace, record.kind) },
    ...members(record, includeArgs),
  };
}

/** The directive never changes for a namespace and kind, so its JSON is built once. */
const directiveJson = new Map<string, string>();

/** One line: `JSON.stringify(emfDocument(…))` and a newline, without re-serialising the constant directive. */
export function emfLine(record: CallRecord, namespace: string, includeArgs: boolean): string {
  const key = `${record.kind}\u0000${namespace}`;
  let json = directiveJson.get(key);
  if (json === undefined) {
    json = JSON.stringify(directive(namespace, record.kind));
    if (directiveJson.size < 64) directiveJson.set(key, json);
  }
  const rest = JSON.stringify(members(record, includeArgs));
  return `{"_aws":{"Timestamp":${Math.trunc(record.startedAt)},"CloudWatchMetrics":${json}},${rest.slice(1)}\n`;
}
