import type { StoredEvent } from "../model/events.js";
import type { ChainBreak } from "../model/hash-chain.js";

export type { ChainBreak, HashChain, HashedEventFields, Sha256Hex } from "../model/hash-chain.js";

/** The hash of an event given the one before it (null for sequence 1): a HashChain's `eventHash`. */
export type EventHasher = (previousHash: string | null, event: StoredEvent) => string;

/** Checks one aggregate's events (sequences 1..n, in order) against their hashes: a HashChain's `verifyChain`. */
export type ChainChecker = (events: readonly StoredEvent[]) => ChainBreak | undefined;
