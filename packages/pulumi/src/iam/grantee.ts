/**
 * A role's one inline policy, gathered before it is written: grant methods (`AgentSecrets.grantRead`)
 * add their statements, the role's owner writes the policy once (aws-cdk's grantee and its default
 * policy). One policy per role keeps the plan's documents whole and the role's output waiting for it.
 */
import type { StatementInput } from "../policy.ts";

/** What a grant method adds statements to. */
export interface Grantee {
  /** Appends statements to the role's policy, in order. */
  addStatements(...statements: StatementInput[]): void;
}

/** The statements of one role's inline policy, in the order they were added. */
export class RoleStatements implements Grantee {
  private readonly list: StatementInput[];

  constructor(...statements: StatementInput[]) {
    this.list = [...statements];
  }

  addStatements(...statements: StatementInput[]): void {
    this.list.push(...statements);
  }

  /** The statements so far, for `policyJson`. */
  get statements(): readonly StatementInput[] {
    return this.list;
  }
}
