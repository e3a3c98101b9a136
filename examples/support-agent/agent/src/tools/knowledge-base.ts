/**
 * `search_knowledge_base`: GitHub code search in the knowledge-base repository, then each hit's
 * article read (`@octokit/rest`: search.code, repos.getContent), with the fine-grained token the
 * manifest's `github-token` secret holds (contents: read on that one repository).
 *
 * The model writes the query; it never widens the search. GitHub's search syntax takes
 * qualifiers in the query text (`repo:`, `org:`, `user:`, `path:`, …; several `repo:` are OR'ed),
 * so every `word:value` qualifier the model wrote is dropped and exactly one
 * `repo:<KB_REPOSITORY>` is added; hits from any other repository are discarded as well.
 */
import { Octokit } from "@octokit/rest";

export interface KnowledgeBase {
  readonly owner: string;
  readonly repo: string;
}

export interface Article {
  readonly path: string;
  readonly url: string;
  readonly title: string;
  readonly body: string;
}

/** The longest article text given to the model, in characters. */
export const ARTICLE_CHARS = 4000;
/** Default and largest number of articles (the manifest's input schema allows 1–20). */
export const DEFAULT_LIMIT = 5;

/** The query as sent to GitHub: the model's words without any qualifier, scoped to the one repository. */
export function scopedQuery(query: string, kb: KnowledgeBase): string {
  const words = query
    .split(/\s+/)
    .filter((w) => w !== "")
    // `repo:x`, `-repo:x`, `org:acme`, `"path":…`: any word:value qualifier, negated or quoted.
    .filter((w) => !/^[-"']*[A-Za-z_]+:/.test(w));
  return [...words, `repo:${kb.owner}/${kb.repo}`].join(" ");
}

export function octokitFor(token: string, baseUrl: string): Octokit {
  return new Octokit({ auth: token, baseUrl, userAgent: "airlock-support-agent" });
}

export function knowledgeBaseTool(octokit: Octokit, kb: KnowledgeBase) {
  return async function search_knowledge_base(args: Readonly<Record<string, unknown>>): Promise<readonly Article[]> {
    const limit = typeof args.limit === "number" ? args.limit : DEFAULT_LIMIT;
    const q = scopedQuery(String(args.query), kb);
    const found = await octokit.rest.search.code({ q, per_page: limit });
    const full = `${kb.owner}/${kb.repo}`.toLowerCase();
    const hits = found.data.items.filter((i) => i.repository.full_name.toLowerCase() === full).slice(0, limit);
    const articles: Article[] = [];
    for (const hit of hits) {
      const file = await octokit.rest.repos.getContent({ owner: kb.owner, repo: kb.repo, path: hit.path });
      const data = file.data;
      if (Array.isArray(data) || data.type !== "file" || !("content" in data)) continue;
      const text = Buffer.from(data.content, (data.encoding as BufferEncoding | undefined) ?? "base64").toString("utf8");
      const title = /^#\s+(.+)$/m.exec(text)?.[1]?.trim() ?? hit.name;
      articles.push({ path: hit.path, url: hit.html_url, title, body: text.length > ARTICLE_CHARS ? `${text.slice(0, ARTICLE_CHARS)}…` : text });
    }
    return articles;
  };
}
