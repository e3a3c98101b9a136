/**
 * IAM policy documents built directly as JSON (no getPolicyDocument invoke), so the exact text is
 * what tests, plans and auditors read.
 */
import * as pulumi from "@pulumi/pulumi";

/** One IAM policy statement, as {@link policyJson} writes it (values may be Pulumi inputs). */
export interface StatementInput {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: readonly string[];
  readonly Resource?: pulumi.Input<pulumi.Input<string>[]> | pulumi.Input<string>;
  readonly Principal?: Record<string, pulumi.Input<string | pulumi.Input<string>[]>> | "*";
  readonly Condition?: Record<string, Record<string, pulumi.Input<string | pulumi.Input<string>[]>>>;
}

/** A policy document as a JSON string Output. Actions and resources are sorted for stable diffs. */
export function policyJson(statements: readonly StatementInput[]): pulumi.Output<string> {
  return pulumi.output(statements as unknown as pulumi.Input<unknown>[]).apply((resolved) => {
    const normalised = (resolved as Record<string, unknown>[]).map((s) => {
      const out: Record<string, unknown> = { Sid: s.Sid, Effect: s.Effect };
      if (s.Principal !== undefined) out.Principal = s.Principal;
      out.Action = [...(s.Action as string[])].sort();
      if (s.Resource !== undefined) {
        out.Resource = Array.isArray(s.Resource) ? [...new Set(s.Resource as string[])].sort() : s.Resource;
      }
      if (s.Condition !== undefined) out.Condition = s.Condition;
      return out;
    });
    return JSON.stringify({ Version: "2012-10-17", Statement: normalised });
  });
}
