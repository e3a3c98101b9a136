/**
 * The formats the manifest's schemas share: the name, host, action-type and image patterns, the
 * `reason` rule of opt-outs, and the description texts several fields repeat.
 */
import { z } from "zod";

export const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
export const TOOL_NAME = /^[a-z][a-z0-9_]{0,62}$/;
export const ACTION_TYPE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;
export const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
export const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
export const IMAGE_DIGEST = /^[a-z0-9.-]+(:[0-9]+)?\/[a-z0-9._/-]+@sha256:[a-f0-9]{64}$/;

export const reason = z.string().trim().min(10, { message: "give a reason of at least 10 characters that a reviewer can judge" });
export const REASON_TEXT = "at least 10 characters, not counting white space around it, that a reviewer can judge";

export const HOST_TEXT = "a lowercase DNS name, optionally starting with `*.`, e.g. `api.example.com`";
export const TIER_TEXT =
  "`auto` (calls run without a person), `approve` (each call of an outward tool waits for an approver) or `always-approve` (waits for an approver, and the autonomy report never proposes widening it to `auto`)";
