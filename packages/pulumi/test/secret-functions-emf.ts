/**
 * Test helper: the metrics one CloudWatch embedded-metric-format line defines, as an alarm would
 * name them (namespace, metric name, dimension name → value). Follows the EMF specification:
 * each directive's Dimensions is a list of dimension sets, each set names root keys of the line.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export interface EmfMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly value: unknown;
}

export function emfMetrics(line: string): EmfMetric[] {
  const doc = JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } };
  const out: EmfMetric[] = [];
  for (const d of doc._aws.CloudWatchMetrics) {
    for (const set of d.Dimensions) {
      const dimensions: Record<string, string> = {};
      for (const k of [...set].sort()) {
        const v = doc[k];
        if (typeof v !== "string" || v === "") throw new Error(`EMF line names dimension ${k} but has no string value for it: ${line}`);
        dimensions[k] = v;
      }
      for (const m of d.Metrics) out.push({ namespace: d.Namespace, metricName: m.Name, dimensions, value: doc[m.Name] });
    }
  }
  return out;
}
