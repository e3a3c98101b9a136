/**
 * Agent-controlled text made inert for Slack. Slack's formatting reference
 * (https://api.slack.com/reference/surfaces/formatting, "Escaping text"): "There are three
 * characters you must convert to HTML entities and only three: &, <, and >" ("Slack uses &, <,
 * and > as control characters so that messages may contain special escaped sequences": links
 * `<url|text>`, mentions `<@U…>`, `<#C…>`, `<!channel>`). Escaping those three leaves no link or
 * mention an agent can write; mrkdwn formatting (`*`, `_`, `~`, backticks) is kept out by showing
 * agent text only inside code (a ``` block or an inline code span, which Slack does not format),
 * with every backtick shown as `\u0060` so no fence can be closed early. Slack's own parsing of
 * bare URLs, channel names and mentions is turned off with `verbatim: true` on every mrkdwn text
 * object (@slack/types MrkdwnElement.verbatim: "Using a value of `true` will skip any
 * preprocessing of this nature").
 *
 * Characters that reorder or hide what a reader sees (bidirectional embeddings, overrides,
 * isolates and marks, U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C; zero-width characters
 * U+200B–U+200D, U+2060–U+2064, U+FEFF, U+180E; the soft hyphen; control characters) are shown as
 * `\uXXXX`. In JSON that is a valid escape, so the text approvers read still parses to exactly
 * the arguments; a key or string that is not in Unicode NFC also shows its combining marks so, so
 * two keys that differ only in normalisation (`café` and `cafe\u0301`) look different.
 *
 * Lengths (Slack's Block Kit limits, @slack/types SectionBlock and text objects): a section's text
 * "maximum length is 3000 characters"; each of a section's `fields` "Maximum length for the text in
 * each item is 2000 characters"; a header's "Maximum length for the text in this field is 150
 * characters". A longer text makes Slack refuse the whole message (`invalid_blocks`), so texts are
 * cut after escaping, never inside an entity, and say what was cut.
 */

/** Slack's limit for a section's or a text object's text. */
export const SECTION_TEXT_LIMIT = 3000;
/** Slack's limit for each of a section's fields. */
export const FIELD_TEXT_LIMIT = 2000;
/** Slack's limit for a header's text. */
export const HEADER_TEXT_LIMIT = 150;

/** Characters that reorder or hide text, control characters, and the backtick (it would end code). */
const SHOWN_ESCAPED = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF`]/g;
const COMBINING = /\p{M}/gu;

const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** `s` with invisible and reordering characters (and backticks) shown as `\uXXXX`; combining marks too when `s` is not NFC. */
export function showInvisible(s: string, options: { readonly newlines?: boolean } = {}): string {
  let out = s.replace(SHOWN_ESCAPED, hex);
  if (options.newlines === true) out = out.replace(/[\n\t]/g, hex);
  if (s.normalize("NFC") !== s) out = out.replace(COMBINING, hex);
  return out;
}

/** `&`, `<` and `>` as the entities Slack asks for. */
export function escapeControl(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Cuts escaped text to `limit` characters without splitting an entity, marking the cut with `tail(lengthOfOriginal)`. */
export function cutEscaped(escaped: string, limit: number, tail: string): string {
  if (escaped.length <= limit) return escaped;
  return escaped.slice(0, Math.max(0, limit - tail.length)).replace(/&[a-z]{0,3}$/, "") + tail;
}

/**
 * `value` as JSON whose string literals show invisible characters and backticks as `\uXXXX` (still
 * valid JSON for the same value): the text approvers read and edit.
 */
export function visibleJson(value: unknown): string {
  const json = JSON.stringify(value, null, 2) ?? "null";
  return json.replace(/"(?:[^"\\]|\\.)*"/g, (literal) => {
    const decoded = JSON.parse(literal) as string;
    const shown = literal.replace(SHOWN_ESCAPED, hex);
    return decoded.normalize("NFC") !== decoded ? shown.replace(COMBINING, hex) : shown;
  });
}

/** Agent text shown inline: an inline code span of at most `max` characters of the text, inert. */
export function inlineCode(value: string, max = 200): string {
  if (value === "") return "(empty)";
  const shown = showInvisible(value, { newlines: true });
  const cut = shown.length > max ? `${shown.slice(0, max)}…` : shown;
  const more = shown.length > max ? ` (${shown.length} characters in all)` : "";
  return `\`${escapeControl(cut)}\`${more}`;
}

/** Text for plain_text objects and the notification text: no invisible characters, `<>&` escaped, at most `max` characters. */
export function plainText(value: string, max: number): string {
  const shown = showInvisible(value, { newlines: true });
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}
