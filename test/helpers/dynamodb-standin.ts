/**
 * A loopback stand-in for the DynamoDB API (`@aws-sdk/client-dynamodb`, AWS JSON 1.0, SigV4-signed
 * for `dynamodb`), holding items in memory in DynamoDB's own attribute-value shape. It serves what
 * an agent's ticket tools call: `GetItem`, `PutItem`, `UpdateItem` (`SET` of attributes, with
 * `ExpressionAttributeNames`/`Values`, and the `attribute_exists` / `attribute_not_exists`
 * conditions) and `Query` on the table or an index (one equality key condition). Anything else
 * answers a `ValidationException` naming what the stand-in does not do, so a test never passes
 * on a call it silently ignored. Every call is recorded.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A DynamoDB attribute value (`{ S: "…" }`, `{ N: "42" }`, `{ M: { … } }`, …). */
export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

export interface TableSpec {
  /** The key attributes (partition key, then sort key). */
  readonly key: readonly string[];
  /** Indexes by name: their key attributes. */
  readonly indexes?: Readonly<Record<string, readonly string[]>>;
}

export interface DynamoCall {
  readonly operation: string;
  readonly input: Record<string, any>;
  readonly at: number;
}

class DynamoError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

const SIGNED = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/dynamodb\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/;

/** A plain JavaScript value as an attribute value (strings, numbers, booleans, lists, maps). */
export function toAttribute(v: unknown): AttributeValue {
  if (typeof v === "string") return { S: v };
  if (typeof v === "number") return { N: String(v) };
  if (typeof v === "boolean") return { BOOL: v };
  if (v === null || v === undefined) return { NULL: true };
  if (Array.isArray(v)) return { L: v.map(toAttribute) };
  return { M: Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toAttribute(x)])) };
}

/** An attribute value as a plain JavaScript value. */
export function fromAttribute(a: AttributeValue): unknown {
  if ("S" in a) return a.S;
  if ("N" in a) return Number(a.N);
  if ("BOOL" in a) return a.BOOL;
  if ("NULL" in a) return null;
  if ("L" in a) return (a.L as AttributeValue[]).map(fromAttribute);
  if ("M" in a) return Object.fromEntries(Object.entries(a.M as Item).map(([k, x]) => [k, fromAttribute(x)]));
  if ("SS" in a) return a.SS;
  return a;
}

export class DynamoDbStandIn {
  readonly calls: DynamoCall[] = [];
  readonly #tables = new Map<string, { spec: TableSpec; items: Map<string, Item> }>();
  url = "";
  #server: Server | undefined;

  constructor(tables: Readonly<Record<string, TableSpec>>) {
    for (const [name, spec] of Object.entries(tables)) this.#tables.set(name, { spec, items: new Map() });
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      void (async () => {
        const text = await body(req);
        const target = String(req.headers["x-amz-target"] ?? "");
        const operation = target.startsWith("DynamoDB_20120810.") ? target.slice("DynamoDB_20120810.".length) : "";
        const reply = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/x-amz-json-1.0" }).end(JSON.stringify(value));
        if (!SIGNED.test(req.headers.authorization ?? "")) return reply(400, { __type: "com.amazon.coral.service#MissingAuthenticationTokenException", message: "Missing Authentication Token" });
        const input = JSON.parse(text === "" ? "{}" : text) as Record<string, any>;
        this.calls.push({ operation, input, at: Date.now() });
        try {
          reply(200, this.#serve(operation, input));
        } catch (e) {
          const err = e instanceof DynamoError ? e : new DynamoError("InternalServerError", (e as Error).message);
          reply(400, { __type: `com.amazonaws.dynamodb.v20120810#${err.type}`, message: err.message });
        }
      })();
    });
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** Puts an item (plain values, converted) as a test's fixture. */
  put(table: string, item: Record<string, unknown>): void {
    const t = this.#table(table);
    const attrs = Object.fromEntries(Object.entries(item).map(([k, v]) => [k, toAttribute(v)]));
    t.items.set(this.#keyOf(t.spec.key, attrs, table), attrs);
  }

  /** An item as plain values, by its key's plain values. */
  get(table: string, key: Record<string, unknown>): Record<string, unknown> | undefined {
    const t = this.#table(table);
    const item = t.items.get(this.#keyOf(t.spec.key, Object.fromEntries(Object.entries(key).map(([k, v]) => [k, toAttribute(v)])), table));
    return item === undefined ? undefined : (fromAttribute({ M: item }) as Record<string, unknown>);
  }

  /** Calls of one operation. */
  ops(operation: string): DynamoCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  #table(name: unknown) {
    const t = typeof name === "string" ? this.#tables.get(name) : undefined;
    if (t === undefined) throw new DynamoError("ResourceNotFoundException", `Requested resource not found: Table: ${String(name)} not found`);
    return t;
  }

  #keyOf(names: readonly string[], attrs: Item, table: string): string {
    const parts = names.map((n) => {
      const v = attrs[n];
      if (v === undefined) throw new DynamoError("ValidationException", `The provided key element does not match the schema: ${table} needs ${names.join(", ")}`);
      return JSON.stringify(v);
    });
    return parts.join("\u0000");
  }

  #serve(operation: string, input: Record<string, any>): unknown {
    switch (operation) {
      case "GetItem": {
        const t = this.#table(input.TableName);
        const item = t.items.get(this.#keyOf(t.spec.key, input.Key ?? {}, input.TableName));
        return item === undefined ? {} : { Item: item };
      }
      case "PutItem": {
        const t = this.#table(input.TableName);
        const key = this.#keyOf(t.spec.key, input.Item ?? {}, input.TableName);
        this.#condition(input, t.items.get(key));
        t.items.set(key, input.Item);
        return {};
      }
      case "UpdateItem": {
        const t = this.#table(input.TableName);
        const key = this.#keyOf(t.spec.key, input.Key ?? {}, input.TableName);
        const existing = t.items.get(key);
        this.#condition(input, existing);
        const next: Item = { ...(existing ?? input.Key) };
        for (const [name, value] of this.#sets(input)) next[name] = value;
        t.items.set(key, next);
        return input.ReturnValues === "ALL_NEW" ? { Attributes: next } : {};
      }
      case "Query": {
        const t = this.#table(input.TableName);
        const keys = input.IndexName === undefined ? t.spec.key : t.spec.indexes?.[input.IndexName];
        if (keys === undefined) throw new DynamoError("ValidationException", `The table does not have the specified index: ${input.IndexName}`);
        const m = /^\s*(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)\s*$/.exec(String(input.KeyConditionExpression ?? ""));
        if (m === null) throw new DynamoError("ValidationException", `the DynamoDB stand-in queries one equality key condition (\`#k = :v\`), not "${input.KeyConditionExpression}"`);
        const name = this.#name(m[1]!, input);
        const value = JSON.stringify(input.ExpressionAttributeValues?.[m[2]!]);
        const items = [...t.items.values()].filter((i) => JSON.stringify(i[name]) === value);
        const limited = typeof input.Limit === "number" ? items.slice(0, input.Limit) : items;
        return { Items: limited, Count: limited.length, ScannedCount: limited.length };
      }
      default:
        throw new DynamoError("ValidationException", `the DynamoDB stand-in does not serve ${operation || "(no X-Amz-Target)"}`);
    }
  }

  #name(token: string, input: Record<string, any>): string {
    if (!token.startsWith("#")) return token;
    const n = input.ExpressionAttributeNames?.[token];
    if (typeof n !== "string") throw new DynamoError("ValidationException", `Value provided in ExpressionAttributeNames unused or missing: ${token}`);
    return n;
  }

  /** `SET a = :x, #b = :y` as [name, value] pairs. */
  #sets(input: Record<string, any>): [string, AttributeValue][] {
    const expr = String(input.UpdateExpression ?? "").trim();
    const m = /^SET\s+(.+)$/is.exec(expr);
    if (m === null) throw new DynamoError("ValidationException", `the DynamoDB stand-in updates with SET only, not "${expr}"`);
    return m[1]!.split(",").map((part) => {
      const a = /^\s*(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)\s*$/.exec(part);
      if (a === null) throw new DynamoError("ValidationException", `the DynamoDB stand-in sets attributes to values (\`#a = :v\`), not "${part.trim()}"`);
      const value = input.ExpressionAttributeValues?.[a[2]!] as AttributeValue | undefined;
      if (value === undefined) throw new DynamoError("ValidationException", `An expression attribute value used in expression is not defined; attribute value: ${a[2]}`);
      return [this.#name(a[1]!, input), value];
    });
  }

  #condition(input: Record<string, any>, existing: Item | undefined): void {
    const expr = input.ConditionExpression;
    if (expr === undefined) return;
    const m = /^\s*(attribute_exists|attribute_not_exists)\(\s*(#?[A-Za-z0-9_]+)\s*\)\s*$/.exec(String(expr));
    if (m === null) throw new DynamoError("ValidationException", `the DynamoDB stand-in checks attribute_exists/attribute_not_exists conditions only, not "${expr}"`);
    const has = existing !== undefined && existing[this.#name(m[2]!, input)] !== undefined;
    if ((m[1] === "attribute_exists") !== has) throw new DynamoError("ConditionalCheckFailedException", "The conditional request failed");
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => {
      this.#server?.closeAllConnections();
      this.#server?.close(() => r()) ?? r();
    });
  }
}
