/**
 * A loopback stand-in for the two GitHub REST endpoints the support agent's knowledge-base tool
 * calls through `@octokit/rest` (`baseUrl` = the stand-in): `GET /search/code` (the `q` parsed for
 * its words and `repo:` qualifiers; an article matches when every word is in its text, case
 * folded, and its repository is one the query names) and `GET /repos/{owner}/{repo}/contents/{path}`
 * (the file, base64, as GitHub answers it). Requests without `authorization: token …` / `Bearer …`
 * get 401 as GitHub does. Every request is recorded.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface KbArticle {
  /** `owner/name`. */
  readonly repository: string;
  readonly path: string;
  readonly text: string;
}

export interface GitHubRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
}

export class GitHubStandIn {
  readonly requests: GitHubRequest[] = [];
  url = "";
  #server: Server | undefined;

  constructor(readonly articles: readonly KbArticle[]) {}

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const u = new URL(req.url ?? "/", "http://x");
      const record: GitHubRequest = { method: req.method ?? "", path: u.pathname, query: Object.fromEntries(u.searchParams), authorization: req.headers.authorization };
      this.requests.push(record);
      const reply = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(value));
      if (!/^(token|Bearer) \S+$/.test(req.headers.authorization ?? "")) return reply(401, { message: "Requires authentication", documentation_url: "https://docs.github.com/rest" });
      if (req.method === "GET" && u.pathname === "/search/code") return reply(200, this.#search(u.searchParams.get("q") ?? "", Number(u.searchParams.get("per_page") ?? 30)));
      const content = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/.exec(u.pathname);
      if (req.method === "GET" && content !== null) {
        const repository = `${content[1]}/${content[2]}`;
        const path = decodeURIComponent(content[3]!);
        const a = this.articles.find((x) => x.repository === repository && x.path === path);
        if (a === undefined) return reply(404, { message: "Not Found" });
        return reply(200, { type: "file", encoding: "base64", name: path.split("/").pop(), path, size: Buffer.byteLength(a.text), sha: "0".repeat(40), content: Buffer.from(a.text).toString("base64"), html_url: this.#html(a) });
      }
      reply(404, { message: `the GitHub stand-in serves search/code and contents only, not ${req.method} ${u.pathname}` });
    });
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** The `q` of each code search, in order. */
  searches(): string[] {
    return this.requests.filter((r) => r.path === "/search/code").map((r) => r.query.q ?? "");
  }

  #html(a: KbArticle): string {
    return `https://github.com/${a.repository}/blob/main/${a.path}`;
  }

  #search(q: string, perPage: number) {
    const tokens = q.split(/\s+/).filter((t) => t !== "");
    const repos = tokens.filter((t) => t.startsWith("repo:")).map((t) => t.slice(5));
    const words = tokens.filter((t) => !t.includes(":")).map((w) => w.toLowerCase());
    const hits = this.articles.filter((a) => (repos.length === 0 || repos.includes(a.repository)) && words.every((w) => a.text.toLowerCase().includes(w)));
    const items = hits.slice(0, perPage).map((a) => ({
      name: a.path.split("/").pop(),
      path: a.path,
      sha: "0".repeat(40),
      html_url: this.#html(a),
      repository: { full_name: a.repository, name: a.repository.split("/")[1] },
      score: 1,
    }));
    return { total_count: hits.length, incomplete_results: false, items };
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => {
      this.#server?.closeAllConnections();
      this.#server?.close(() => r()) ?? r();
    });
  }
}
