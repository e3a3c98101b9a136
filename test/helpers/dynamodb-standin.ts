/**
 * A loopback stand-in for the DynamoDB API (`@aws-sdk/client-dynamodb`, AWS JSON 1.0, SigV4-signed
 * for `dynamodb`), holding items in memory in DynamoDB's own attribute-value shape. It serves what
 * an agent's ticket tools and its ticket queue call, with DynamoDB's semantics where a test leans
 * on them:
 * - `GetItem`, `PutItem`;
 * - `UpdateItem`: `SET a = :v` and `REMOVE a` clauses, `ExpressionAttributeNames`/`Values`, and a
 *   `ConditionExpression` of comparisons (`= <> < <= > >=`, numbers compared as numbers, values of
 *   different types never equal), `attribute_exists` / `attribute_not_exists`, `AND`, `OR`, `NOT`
 *   and parentheses; a false condition is a `ConditionalCheckFailedException` and changes nothing;
 * - `Query` on the table or an index: one equality key condition; an index holds only the items
 *   that have its key attributes (a sparse index); `ConsistentRead` on a global secondary index is a
 *   `ValidationException` (DynamoDB: "Strongly consistent reads are not supported on global
 *   secondary indexes"); `Limit` counts the items read *before* the `FilterExpression` (the same
 *   condition language) and `LastEvaluatedKey` / `ExclusiveStartKey` page on.
 * Anything else answers a `ValidationException` naming what the stand-in does not do, so a test
 * never passes on a call it silently ignored. Every call is recorded, with its outcome.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A DynamoDB attribute value (`{ S: "…" }`, `{ N: "42" }`, `{ M: { … } }`, …). */
export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

export interface TableSpec {
  /** The key attributes (partition key, then sort key). */
  readonly key: readonly string[];
  /** Global secondary indexes by name: their key attributes. */
  readonly indexes?: Readonly<Record<string, readonly string[]>>;
}

export interface DynamoCall {
  readonly operation: string;
  readonly input: Record<string, any>;
  readonly at: number;
  /** The error type the call was answered with, e.g. `ConditionalCheckFailedException`. */
  error?: string;
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
        const call: DynamoCall = { operation, input, at: Date.now() };
        this.calls.push(call);
        try {
          reply(200, this.#serve(operation, input));
        } catch (e) {
          const err = e instanceof DynamoError ? e : new DynamoError("InternalServerError", (e as Error).message);
          call.error = err.type;
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
        const update = this.#update(input);
        for (const [name, value] of update.set) next[name] = value;
        for (const name of update.remove) delete next[name];
        t.items.set(key, next);
        return input.ReturnValues === "ALL_NEW" ? { Attributes: next } : {};
      }
      case "Query": {
        const t = this.#table(input.TableName);
        const keys = input.IndexName === undefined ? t.spec.key : t.spec.indexes?.[input.IndexName];
        if (keys === undefined) throw new DynamoError("ValidationException", `The table does not have the specified index: ${input.IndexName}`);
        if (input.IndexName !== undefined && input.ConsistentRead === true) throw new DynamoError("ValidationException", "Consistent reads are not supported on global secondary indexes");
        const m = /^\s*(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)\s*$/.exec(String(input.KeyConditionExpression ?? ""));
        if (m === null) throw new DynamoError("ValidationException", `the DynamoDB stand-in queries one equality key condition (\`#k = :v\`), not "${input.KeyConditionExpression}"`);
        const name = this.#name(m[1]!, input);
        const value = JSON.stringify(this.#value(m[2]!, input));
        // An index holds only the items that have all its key attributes.
        const all = [...t.items.entries()].filter(([, i]) => keys.every((k) => i[k] !== undefined) && JSON.stringify(i[name]) === value);
        const start = input.ExclusiveStartKey === undefined ? 0 : all.findIndex(([k]) => k === this.#keyOf(t.spec.key, input.ExclusiveStartKey, input.TableName)) + 1;
        const limit = typeof input.Limit === "number" ? input.Limit : Infinity;
        const read = all.slice(start, start + limit);
        const filter = input.FilterExpression === undefined ? undefined : String(input.FilterExpression);
        const items = read.map(([, i]) => i).filter((i) => filter === undefined || this.#evaluate(filter, input, i));
        const more = start + read.length < all.length;
        const last = read.at(-1)?.[1];
        const lastKey = more && last !== undefined ? Object.fromEntries([...new Set([...t.spec.key, ...keys])].map((k) => [k, last[k]!])) : undefined;
        return { Items: items, Count: items.length, ScannedCount: read.length, ...(lastKey === undefined ? {} : { LastEvaluatedKey: lastKey }) };
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

  #value(token: string, input: Record<string, any>): AttributeValue {
    const value = input.ExpressionAttributeValues?.[token] as AttributeValue | undefined;
    if (value === undefined) throw new DynamoError("ValidationException", `An expression attribute value used in expression is not defined; attribute value: ${token}`);
    return value;
  }

  /** `SET a = :x, #b = :y REMOVE c, #d` as the names set to values and the names removed. */
  #update(input: Record<string, any>): { set: [string, AttributeValue][]; remove: string[] } {
    const expr = String(input.UpdateExpression ?? "").trim();
    const clauses = [...expr.matchAll(/\b(SET|REMOVE)\s+((?:(?!\b(?:SET|REMOVE)\b).)+)/gis)];
    if (clauses.length === 0 || clauses.map((c) => c[0]).join(" ").replace(/\s+/g, " ").trim() !== expr.replace(/\s+/g, " ")) {
      throw new DynamoError("ValidationException", `the DynamoDB stand-in updates with SET and REMOVE clauses only, not "${expr}"`);
    }
    const set: [string, AttributeValue][] = [];
    const remove: string[] = [];
    for (const [, verb, body] of clauses) {
      for (const part of body!.split(",")) {
        if (verb!.toUpperCase() === "SET") {
          const a = /^\s*(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)\s*$/.exec(part);
          if (a === null) throw new DynamoError("ValidationException", `the DynamoDB stand-in sets attributes to values (\`#a = :v\`), not "${part.trim()}"`);
          set.push([this.#name(a[1]!, input), this.#value(a[2]!, input)]);
        } else {
          const a = /^\s*(#?[A-Za-z0-9_]+)\s*$/.exec(part);
          if (a === null) throw new DynamoError("ValidationException", `the DynamoDB stand-in removes attributes by name, not "${part.trim()}"`);
          remove.push(this.#name(a[1]!, input));
        }
      }
    }
    return { set, remove };
  }

  #condition(input: Record<string, any>, existing: Item | undefined): void {
    const expr = input.ConditionExpression;
    if (expr === undefined) return;
    if (!this.#evaluate(String(expr), input, existing ?? {})) throw new DynamoError("ConditionalCheckFailedException", "The conditional request failed");
  }

  /** Evaluates a condition expression on an item (see the module for the language). */
  #evaluate(expr: string, input: Record<string, any>, item: Item): boolean {
    const tokens = expr.match(/\(|\)|,|<>|<=|>=|=|<|>|[#:]?[A-Za-z0-9_]+|\S/g) ?? [];
    let at = 0;
    const peek = () => tokens[at];
    const take = (want?: string): string => {
      const t = tokens[at++];
      if (t === undefined || (want !== undefined && t.toUpperCase() !== want)) throw new DynamoError("ValidationException", `Invalid ConditionExpression: "${expr}" (expected ${want ?? "more"} at token ${at})`);
      return t;
    };
    const operand = (): AttributeValue | undefined => {
      const t = take();
      if (t.startsWith(":")) return this.#value(t, input);
      if (!/^#?[A-Za-z0-9_]+$/.test(t)) throw new DynamoError("ValidationException", `Invalid ConditionExpression: "${expr}" (unexpected "${t}")`);
      return item[this.#name(t, input)];
    };
    const compare = (a: AttributeValue | undefined, op: string, b: AttributeValue | undefined): boolean => {
      if (a === undefined || b === undefined) return false;
      const [ta] = Object.keys(a);
      const [tb] = Object.keys(b);
      if (ta !== tb) return op === "<>";
      const x = ta === "N" ? Number(a.N) : JSON.stringify(Object.values(a)[0]);
      const y = tb === "N" ? Number(b.N) : JSON.stringify(Object.values(b)[0]);
      switch (op) {
        case "=": return x === y;
        case "<>": return x !== y;
        case "<": return x < y;
        case "<=": return x <= y;
        case ">": return x > y;
        default: return x >= y;
      }
    };
    const unary = (): boolean => {
      const t = peek();
      if (t?.toUpperCase() === "NOT") {
        take();
        return !unary();
      }
      if (t === "(") {
        take();
        const v = or();
        take(")");
        return v;
      }
      if (t === "attribute_exists" || t === "attribute_not_exists") {
        take();
        take("(");
        const name = take();
        take(")");
        const has = item[this.#name(name, input)] !== undefined;
        return t === "attribute_exists" ? has : !has;
      }
      const a = operand();
      const op = take();
      if (!["=", "<>", "<", "<=", ">", ">="].includes(op)) throw new DynamoError("ValidationException", `the DynamoDB stand-in compares with = <> < <= > >=, not "${op}" in "${expr}"`);
      return compare(a, op, operand());
    };
    const and = (): boolean => {
      let v = unary();
      while (peek()?.toUpperCase() === "AND") {
        take();
        const w = unary();
        v = v && w;
      }
      return v;
    };
    const or = (): boolean => {
      let v = and();
      while (peek()?.toUpperCase() === "OR") {
        take();
        const w = and();
        v = v || w;
      }
      return v;
    };
    const v = or();
    if (at !== tokens.length) throw new DynamoError("ValidationException", `Invalid ConditionExpression: "${expr}" (unexpected "${tokens[at]}")`);
    return v;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => {
      this.#server?.closeAllConnections();
      this.#server?.close(() => r()) ?? r();
    });
  }
}
