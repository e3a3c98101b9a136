/**
 * The runtime's own error: a misconfiguration that must stop the agent before it serves (a
 * shipped model that is not the task's, a missing variable, an invalid input schema). Refusals of
 * a tool call are never thrown: they come back as tool results the model can act on.
 */
export class AirlockRuntimeError extends Error {
  override readonly name = "AirlockRuntimeError";
}
