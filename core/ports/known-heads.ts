import type { AggregateRef } from "./store.js";

/**
 * The hash of the latest event this process saw for each aggregate. An event never changes once
 * committed, so "the hash at version N" stays true forever: a commit expecting version N can link
 * its first event without reading the head again. A miss only means taking the slower path.
 */
export class KnownHeads {
  readonly #heads = new Map<string, { readonly version: number; readonly hash: string }>();

  constructor(private readonly capacity = 10_000) {}

  remember(ref: AggregateRef, version: number, hash: string | null | undefined): void {
    if (version <= 0 || hash === null || hash === undefined) return;
    const key = refKey(ref);
    this.#heads.delete(key); // re-insert: Map order doubles as recency
    this.#heads.set(key, { version, hash });
    if (this.#heads.size > this.capacity) {
      const oldest = this.#heads.keys().next().value;
      if (oldest !== undefined) this.#heads.delete(oldest);
    }
  }

  /** The hash of the event at `version` (null for version 0), or undefined when not known here. */
  hashAt(ref: AggregateRef, version: number): string | null | undefined {
    if (version === 0) return null;
    const head = this.#heads.get(refKey(ref));
    return head?.version === version ? head.hash : undefined;
  }
}

function refKey(ref: AggregateRef): string {
  return `${ref.realm}\u0000${ref.service}\u0000${ref.aggregateId}`;
}
