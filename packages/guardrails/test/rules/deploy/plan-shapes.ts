/** Resources shaped as today's example plan records them (`airlock plan --json`), for the deploy rules' tests. */
import type { StackResource } from "../../../src/rule.ts";

export const res = (type: string, name: string, props: Record<string, unknown>, dependencies: string[] = []): StackResource => ({ urn: `urn:pulumi:dev::airlock-support-agent::${type}::${name}`, type, name, props, dependencies });

/** The secret age monitor as planned on 2026-12-02 (runtime nodejs20.x). */
export const ageMonitorFunction = {
  architectures: ["arm64"],
  handler: "index.handler",
  memorySize: 128,
  name: "airlock-acme-agents-secret-age",
  role: "arn:aws:iam::123456789012:role/acme-agents-secret-functions-age-monitor",
  runtime: "nodejs20.x",
  tags: { "airlock:managed-by": "airlock", "airlock:platform": "acme-agents" },
  timeout: 60,
};

/** The agent's ECS service tags as planned (the eval-gate tag holds `%`). */
export const serviceTags = {
  "airlock:agent": "support-agent",
  "airlock:approvals": "gateway",
  "airlock:eval-gate": "on: pass rate at least 90%",
  "airlock:managed-by": "airlock",
  "airlock:owner": "support-platform@example.com",
  "airlock:platform": "acme-agents",
};

/** The data protection policy document as planned with the scanner regexes (before `logMaskingRegex`). */
export const maskingPolicyDocument = JSON.stringify({
  Name: "airlock-support-agent-agent-masking",
  Version: "2021-06-01",
  Configuration: {
    CustomDataIdentifier: [
      { Name: "AnthropicApiKey", Regex: "sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{40,}" },
      { Name: "GitHubToken", Regex: "gh[pousr]_[A-Za-z0-9]{36,}" },
      { Name: "PrivateKey", Regex: "-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----" },
    ],
  },
  Statement: [{ Sid: "mask-credentials", DataIdentifier: ["AnthropicApiKey", "GitHubToken", "PrivateKey"], Operation: { Deidentify: { MaskConfig: {} } } }],
});

export const policy = (...Statement: object[]): string => JSON.stringify({ Version: "2012-10-17", Statement });
