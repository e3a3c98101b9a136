/**
 * The parts of `airlock diff` that compare things by what they mean rather than by their text:
 * egress ranges as address sets (a /24 narrowed to its /25 is a narrowing, a /24 split in two is
 * no change), findings by rule and subject (a reworded finding is not a new one), and risk classes
 * (dropping `class: money` lifts the floor that keeps a line from ever being `auto`).
 */
import type { AgentModel, Finding } from "../compile/model.ts";
import { coveredBy, rangesOverlap } from "../network/address-set.ts";
import type { DiffChange } from "./diff.ts";

type Add = (c: DiffChange) => void;

/** Egress ranges before and after, compared as the addresses they hold. */
export function diffCidrs(agent: string, before: readonly string[], after: readonly string[], add: Add): void {
  const x = new Set(before);
  const y = new Set(after);
  for (const v of y) {
    if (x.has(v) || coveredBy(v, before)) continue; // nothing new is reachable
    const within = before.filter((u) => rangesOverlap(u, v));
    add({ category: "egress", effect: "widened", agent, subject: `cidr ${v}`, summary: `egress on 443 to ${v} opened${within.length > 0 ? ` (was ${within.join(", ")} of it)` : ""}` });
  }
  for (const u of x) {
    if (y.has(u) || coveredBy(u, after)) continue; // still all reachable (merged or split)
    const kept = after.filter((v) => rangesOverlap(u, v) && !x.has(v));
    add({ category: "egress", effect: "narrowed", agent, subject: `cidr ${u}`, summary: `egress on 443 to ${u} ${kept.length > 0 ? `narrowed to ${kept.join(", ")}` : "closed"}` });
  }
}

const SEVERITY_RANK: Record<Finding["severity"], number> = { info: 0, warning: 1, error: 2 };

/** Findings compared by rule and subject: new and fixed ones, raised and lowered severities, rewordings. */
export function diffFindingSets(before: readonly Finding[], after: readonly Finding[], add: Add): void {
  const group = (fs: readonly Finding[]) => {
    const m = new Map<string, Finding[]>();
    for (const f of fs) {
      const k = `${f.rule}\n${f.subject}`;
      m.set(k, [...(m.get(k) ?? []), f]);
    }
    return m;
  };
  const a = group(before);
  const b = group(after);
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const was = [...(a.get(key) ?? [])];
    const now = [...(b.get(key) ?? [])];
    // The same message on both sides is the same finding; the rest pair up in order.
    for (const f of [...now]) {
      const i = was.findIndex((g) => g.message === f.message && g.severity === f.severity);
      if (i >= 0) {
        was.splice(i, 1);
        now.splice(now.indexOf(f), 1);
      }
    }
    const pairs = Math.min(was.length, now.length);
    for (let i = 0; i < pairs; i++) {
      const old = was[i]!;
      const f = now[i]!;
      const d = SEVERITY_RANK[f.severity] - SEVERITY_RANK[old.severity];
      const subject = `${f.rule} ${f.subject}`;
      if (d !== 0) {
        add({
          category: "finding",
          effect: d > 0 && f.severity !== "info" ? "widened" : d < 0 ? "narrowed" : "changed",
          agent: "",
          subject,
          summary: `${f.rule} on ${f.subject} ${d > 0 ? "raised" : "lowered"} from ${old.severity} to ${f.severity}: ${f.message}`,
        });
      } else {
        add({ category: "finding", effect: "changed", agent: "", subject, summary: `${f.severity} ${f.rule} on ${f.subject} reworded: ${f.message}` });
      }
    }
    for (const f of now.slice(pairs)) {
      add({ category: "finding", effect: f.severity === "info" ? "changed" : "widened", agent: "", subject: `${f.rule} ${f.subject}`, summary: `new ${f.severity} ${f.rule} on ${f.subject}: ${f.message}` });
    }
    for (const f of was.slice(pairs)) {
      add({ category: "finding", effect: "narrowed", agent: "", subject: `${f.rule} ${f.subject}`, summary: `fixed ${f.rule} on ${f.subject}: ${f.message}` });
    }
  }
}

/** A risk line's class dropped (the floor that keeps money and mass communication from `auto`) widens; one added narrows. */
export function diffRiskClasses(agent: string, a: AgentModel | undefined, b: AgentModel | undefined, add: Add): void {
  const before = new Map((a?.riskLines ?? []).map((l) => [l.actionType, l]));
  for (const line of b?.riskLines ?? []) {
    const old = before.get(line.actionType);
    if (old === undefined || old.riskClass === line.riskClass) continue;
    const subject = `risk line ${line.actionType} class`;
    if (old.riskClass !== undefined) {
      const then = line.riskClass !== undefined ? ` (now \`${line.riskClass}\`)` : "";
      add({
        category: "approval",
        effect: "widened",
        agent,
        subject,
        summary: `risk line \`${line.actionType}\` no longer has class \`${old.riskClass}\`${then}: its calls may now be made \`auto\` and proposed for autonomy`,
      });
    } else {
      add({ category: "approval", effect: "narrowed", agent, subject, summary: `risk line \`${line.actionType}\` now has class \`${line.riskClass}\`` });
    }
  }
}
