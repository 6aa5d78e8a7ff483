import * as z from "zod";
import type { Breadcrumbs } from "../../core/model/breadcrumbs.js";
import type { AuditedRequest, TouchedAggregate } from "../../core/ports/audit.js";

/** The event an effect was caused by, as the pipeline records it in the effect's `meta.cause`. */
export interface EffectCause {
  readonly service: string;
  readonly aggregateId: string;
  readonly sequence: number;
  readonly type: string;
}

/** One step of a request's effect chain: the original request (breadcrumbs [0]) or one effect. */
export interface CausalNode {
  readonly breadcrumbs: Breadcrumbs;
  /** Every delivery of this step the request log holds, oldest first (retries add rows). */
  readonly attempts: readonly AuditedRequest[];
  readonly commands: readonly { readonly service?: string; readonly command: string; readonly aggregateId: string }[];
  readonly cause?: EffectCause;
  /** The events this step wrote, by aggregate, in the order they were written. */
  readonly writes: readonly TouchedAggregate[];
  readonly children: readonly CausalNode[];
}

// Logged bodies are stored JSON that passed the envelope check once; read them leniently all the same.
const loggedBody = z.object({
  commands: z.array(z.object({ service: z.string().optional(), command: z.string(), aggregateId: z.string() })).catch([]),
  meta: z
    .object({
      cause: z.object({ service: z.string(), aggregateId: z.string(), sequence: z.number(), type: z.string() }).optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

interface Draft {
  breadcrumbs: Breadcrumbs;
  attempts: AuditedRequest[];
  writes: TouchedAggregate[];
  children: Map<number, Draft>;
}

/**
 * Assembles one request's causal tree from the request log and the events it wrote: breadcrumbs
 * [0, 2, 1] is the second effect of the third effect of the original request. A step known only
 * from its events (its log row pruned) still appears, and so do the steps above it.
 */
export function buildCausalTree(requests: readonly AuditedRequest[], touched: readonly TouchedAggregate[]): CausalNode | undefined {
  if (requests.length === 0 && touched.length === 0) return undefined;
  const root: Draft = draft([0]);
  const at = (breadcrumbs: Breadcrumbs): Draft => {
    let node = root;
    for (const [depth, index] of breadcrumbs.slice(1).entries()) {
      const child = node.children.get(index) ?? draft(breadcrumbs.slice(0, depth + 2));
      node.children.set(index, child);
      node = child;
    }
    return node;
  };
  // The log is read newest first; a tree reads oldest first.
  for (const request of [...requests].sort((a, b) => compareIds(a.id, b.id))) at(request.breadcrumbs).attempts.push(request);
  for (const write of touched) at(write.breadcrumbs).writes.push(write);
  return finish(root);
}

/** How many steps a tree has, for the page's summary. */
export function countNodes(node: CausalNode): number {
  return 1 + node.children.reduce((sum, child) => sum + countNodes(child), 0);
}

function draft(breadcrumbs: Breadcrumbs): Draft {
  return { breadcrumbs, attempts: [], writes: [], children: new Map() };
}

function finish(node: Draft): CausalNode {
  const latest = node.attempts.at(-1);
  const body = latest === undefined ? undefined : loggedBody.safeParse(latest.body);
  const cause = body?.success === true ? body.data.meta?.cause : undefined;
  return {
    breadcrumbs: node.breadcrumbs,
    attempts: node.attempts,
    commands: body?.success === true ? body.data.commands : [],
    ...(cause === undefined ? {} : { cause }),
    writes: node.writes,
    children: [...node.children.entries()].sort(([a], [b]) => a - b).map(([, child]) => finish(child)),
  };
}

/** Request-log ids are decimal strings (bigint in SQL): compare by length, then text. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
