import type { StoredEvent } from "../../model/events.js";
import type { Store } from "../../ports/store.js";
import type { Anchor, AnchorLeaf } from "./anchor.js";
import type { ChainChecker } from "../../ports/hash-chain.js";

/** History the anchor signed that the store no longer holds as it was. */
export interface AnchorProblem {
  readonly kind: "rewritten" | "deleted";
  readonly service: string;
  readonly aggregateId: string;
  /** The first sequence found changed or missing; for a recomputed chain, the anchored count. */
  readonly sequence: number;
  readonly reason: string;
}

export interface CompareOptions {
  readonly store: Pick<Store, "readAggregateEvents">;
  readonly anchor: Anchor;
  readonly checkChain: ChainChecker;
  readonly service?: string;
  readonly aggregateId?: string;
  /** Aggregates read together (default 100). */
  readonly batchSize?: number;
}

/**
 * Checks the store against a verified anchor, aggregate by aggregate: each one it signed must
 * still hold its first `events` events, unbroken, ending in the signed hash. Appending since is
 * fine; an aggregate, event or tail gone is a deletion; anything else is a rewrite, including a
 * chain recomputed over edited events, which only the anchor can reveal. Read-only.
 */
export async function compareWithAnchor(options: CompareOptions): Promise<AnchorProblem[]> {
  const leaves = options.anchor.leaves.filter(
    (leaf) =>
      (options.service === undefined || leaf.service === options.service) &&
      (options.aggregateId === undefined || leaf.aggregateId === options.aggregateId),
  );
  const realm = options.anchor.header.realm;
  const batchSize = options.batchSize ?? 100;
  const problems: AnchorProblem[] = [];
  for (let i = 0; i < leaves.length; i += batchSize) {
    const batch = leaves.slice(i, i + batchSize);
    const stored = await Promise.all(
      batch.map((leaf) => options.store.readAggregateEvents({ realm, service: leaf.service, aggregateId: leaf.aggregateId }, 0)),
    );
    batch.forEach((leaf, j) => {
      const problem = compareLeaf(leaf, stored[j] ?? [], options.checkChain);
      if (problem !== undefined) problems.push(problem);
    });
  }
  return problems;
}

function compareLeaf(leaf: AnchorLeaf, events: readonly StoredEvent[], checkChain: ChainChecker): AnchorProblem | undefined {
  const where = { service: leaf.service, aggregateId: leaf.aggregateId };
  const signed = `the anchor signed ${leaf.events} event${leaf.events === 1 ? "" : "s"}`;
  if (events.length === 0) return { kind: "deleted", ...where, sequence: 1, reason: `the whole aggregate is gone (${signed})` };
  const prefix = events.slice(0, leaf.events);
  const gap = prefix.findIndex((event, i) => event.sequence !== i + 1);
  if (gap !== -1) return { kind: "deleted", ...where, sequence: gap + 1, reason: `event ${gap + 1} is gone (${signed})` };
  if (prefix.length < leaf.events) {
    const range = prefix.length + 1 === leaf.events ? `event ${leaf.events}` : `events ${prefix.length + 1}–${leaf.events}`;
    return { kind: "deleted", ...where, sequence: prefix.length + 1, reason: `${range} gone (${signed})` };
  }
  const broken = checkChain(prefix);
  if (broken !== undefined)
    return { kind: "rewritten", ...where, sequence: broken.sequence, reason: `event ${broken.sequence} changed: ${broken.reason}` };
  const last = prefix.at(-1) as StoredEvent;
  if (last.hash !== leaf.lastHash) {
    return {
      kind: "rewritten",
      ...where,
      sequence: leaf.events,
      reason: `events 1–${leaf.events} hash to ${last.hash ?? "(none)"}, the anchor signed ${leaf.lastHash}: history was rewritten and its chain recomputed`,
    };
  }
  return undefined;
}
