/**
 * One request decided by an IAM simulator over the policies given: the tests' reading of what AWS
 * would allow, over the policy JSON the components really write. @cloud-copilot/iam-simulate is
 * AGPL: it is used here, in tests, and never from any package's src.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";

/** The request context: each key to its value, or its values for a multivalued key (`aws:TagKeys`). */
export type IamContext = Record<string, string | string[]>;

export interface IamRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly accountId: string;
  /** @default - none */
  readonly contextVariables?: IamContext;
  /** The principal's identity policies, each named. */
  readonly identityPolicies: readonly { readonly name: string; readonly policy: object }[];
  /** The resource's own policy (a secret's, a bucket's). @default - none */
  readonly resourcePolicy?: object;
}

/**
 * The simulator's overall result (`Allowed`, `ImplicitlyDenied`, `ExplicitlyDenied`), or
 * `error: <what it returned>` when it could not decide, so an assertion shows why.
 */
export async function simulateIam(request: IamRequest): Promise<string> {
  const { principal, action, resource, accountId, contextVariables = {}, identityPolicies, resourcePolicy } = request;
  const r = await runSimulation(
    {
      request: { principal, action, resource: { resource, accountId }, contextVariables },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
    } as unknown as Parameters<typeof runSimulation>[0],
    {},
  );
  return (r as { overallResult?: string }).overallResult ?? `error: ${JSON.stringify(r).slice(0, 400)}`;
}

/**
 * Tags as IAM sees them in a request's context: `aws:<kind>/<key>` per tag, and for the tags a
 * request sends (`RequestTag`) the list of their keys, `aws:TagKeys`.
 */
export function tagContext(tags: Readonly<Record<string, string>>, kind: "RequestTag" | "ResourceTag"): IamContext {
  return { ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:${kind}/${k}`, v])), ...(kind === "RequestTag" ? { "aws:TagKeys": Object.keys(tags) } : {}) };
}
