/**
 * What a Slack client would make of a mrkdwn text, read the way Slack's formatting reference
 * describes it (https://api.slack.com/reference/surfaces/formatting): `&`, `<` and `>` are the
 * control characters, so every `<…>` is a link, a mention (`<@U…>`, `<#C…>`, `<!channel>`,
 * `<!here>`, `<!subteam^…>`) or a date; ``` fences a code block and a backtick pair an inline code
 * span, inside which nothing is formatted; outside code `*bold*`, `_italic_` and `~strike~` format.
 * A reader for tests: enough to tell inert text from markup, not a full renderer.
 */

export interface MrkdwnStructure {
  /** Every `<…>` control sequence (links, mentions, dates, specials), with its inner text. */
  readonly controls: string[];
  /** The contents of the ``` code blocks, in order. */
  readonly codeBlocks: string[];
  /** The contents of inline code spans outside code blocks. */
  readonly inlineCode: string[];
  /** Spans that would be formatted (bold, italic, strike), outside code. */
  readonly formatted: string[];
  /** Whether a ``` fence is left open (the rest of the text would be code). */
  readonly unbalancedFence: boolean;
  /** Text outside code, with entities decoded. */
  readonly plain: string;
}

const decode = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

export function readMrkdwn(text: string): MrkdwnStructure {
  const controls = [...text.matchAll(/<([^<>]*)>/g)].map((m) => m[1]!);
  const parts = text.split("```");
  const codeBlocks = parts.filter((_, i) => i % 2 === 1).map(decode);
  const outside = parts.filter((_, i) => i % 2 === 0).join("\n");
  const inlineCode: string[] = [];
  const rest = outside.replace(/`([^`\n]+)`/g, (_, c: string) => {
    inlineCode.push(decode(c));
    return " ";
  });
  const formatted = [...rest.matchAll(/(?:^|[^\w*_~])([*_~])(?=\S)([^\n]*?\S)\1(?![\w*_~])/g)].map((m) => m[0].trim());
  return { controls, codeBlocks, inlineCode, formatted, unbalancedFence: parts.length % 2 === 0, plain: decode(rest) };
}

/** Bidirectional controls and zero-width characters that hide or reorder what a reader sees. */
export const INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u2060-\u2064\uFEFF\u061C\u180E\u00AD]/u;

/** Every mrkdwn and plain_text text object in blocks (section text and fields, context elements, headers, inputs). */
export function textObjects(blocks: unknown): { type: string; text: string; verbatim?: boolean }[] {
  const out: { type: string; text: string; verbatim?: boolean }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if ((o.type === "mrkdwn" || o.type === "plain_text") && typeof o.text === "string") out.push(o as { type: string; text: string; verbatim?: boolean });
      for (const x of Object.values(o)) walk(x);
    }
  };
  walk(blocks);
  return out;
}
