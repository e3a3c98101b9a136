/**
 * The shapes of the Slack ids an approval route names. The Pulumi components check a route with
 * these before deploying it, and the gateway checks its gateway.json with the same ones at cold
 * start, so the two cannot disagree. (A subpath of its own: the Pulumi program loads nothing else
 * of the approvals runtime.)
 */

/** A channel id: C… (public or private channel) or G… (older private channels). */
export const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{6,}$/;
/** A user id: U…, or W… for Enterprise Grid users. */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{6,}$/;
