/** Bad input to the approval service (a call or its configuration): the message names the field and the fix. */
export class ApprovalError extends Error {
  override readonly name = "ApprovalError";
}
