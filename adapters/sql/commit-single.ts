import type { UnitOfWork } from "../../core/ports/store.js";

/**
 * Whether `unit` fits the one-statement commit (commit-group.ts), given the previous hash it would
 * link to (undefined: unknown): at most one aggregate, no identity claims, the previous hash known.
 * Any other unit takes the transaction commit (commit.ts).
 */
export function fitsSingleStatement(unit: UnitOfWork, previousHash: string | null | undefined): boolean {
  return unit.changes.length <= 1 && unit.identities.length === 0 && (unit.changes.length === 0 || previousHash !== undefined);
}
