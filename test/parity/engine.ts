import { MemoryStore } from "../../adapters/memory/index.js";
import { createEngine, type Engine } from "../../core/index.js";
import { bankServices } from "../../examples/bank/services.js";

/** Ids 00000000-0000-4000-8000-000000000001, …: the same on every runtime, so event logs compare exactly. */
export function sequentialIds(): { uuid(): string } {
  let next = 0;
  return { uuid: () => `00000000-0000-4000-8000-${String(++next).padStart(12, "0")}` };
}

export const fixedTime = new Date("2026-01-01T00:00:00.000Z");

/** A bank engine on a fresh in-memory store with a fixed clock and ids. */
export function createBankTestEngine(): { engine: Engine; store: MemoryStore } {
  const store = new MemoryStore();
  const engine = createEngine({ services: bankServices, store, clock: { now: () => fixedTime }, ids: sequentialIds() });
  return { engine, store };
}
