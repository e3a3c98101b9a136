/**
 * The names of the agents' argument policies in Cedar, which core's compiler writes
 * (`compile/argument-policies.ts`) and the runtime's guard reads (`runtime/src/cedar.ts`): the
 * entity types of a call's request (principal the agent, action the tool, resource the tool's
 * action type) and the annotations each compiled policy carries.
 */

/** The Cedar entity types of a tool call's request. */
export const CEDAR_ENTITY_TYPES = {
  /** The principal: the agent, by its name. */
  agent: "Airlock::Agent",
  /** The action: the tool, by its name. */
  action: "Airlock::Action",
  /** The resource: the tool's action type (not constrained by the compiled policies). */
  actionType: "Airlock::ActionType",
} as const;

/** The annotations of a compiled policy: its id (the rule's place in the manifest), its decision and its rule in words. */
export const CEDAR_ANNOTATIONS = { id: "id", decision: "decision", condition: "condition" } as const;
