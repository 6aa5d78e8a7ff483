import type { StoredEvent } from "../../core/model/events.js";
import type { Service } from "../../core/model/service.js";
import { evolveAll } from "../../core/pipeline/dispatch/aggregate.js";
import type { ChainVerifier } from "./options.js";
import { diffStates, type StateField } from "./state-diff.js";

/** Whether an event's hash follows from its predecessors. */
export type ChainMark = "holds" | "broken" | "after-break" | "not-recorded" | "not-checked";

export interface ChainSummary {
  readonly status: "holds" | "broken" | "not-recorded" | "not-checked";
  readonly brokenAt?: number;
  readonly reason?: string;
}

export interface TimelineEntry {
  readonly event: StoredEvent;
  readonly chain: ChainMark;
  /** The state after this event with every field marked by how it changed; absent when it could not be folded. */
  readonly state?: readonly StateField[];
  readonly foldError?: string;
}

export interface Timeline {
  readonly entries: readonly TimelineEntry[];
  readonly chain: ChainSummary;
}

/** Replays an aggregate event by event with the service's own evolve functions, as the engine does. */
export function buildTimeline(service: Service, events: readonly StoredEvent[], verify: ChainVerifier | undefined): Timeline {
  const chain = checkChain(events, verify);
  let state: unknown = service.initialState();
  let foldError: string | undefined;
  const entries = events.map((event): TimelineEntry => {
    const mark = chainMark(chain, event.sequence);
    if (foldError !== undefined) return { event, chain: mark, foldError: "Not folded: an earlier event failed to fold." };
    try {
      const next = evolveAll(service, state, [event]);
      const fields = diffStates(state, next);
      state = next;
      return { event, chain: mark, state: fields };
    } catch (error) {
      foldError = error instanceof Error ? error.message : String(error);
      return { event, chain: mark, foldError };
    }
  });
  return { entries, chain };
}

function checkChain(events: readonly StoredEvent[], verify: ChainVerifier | undefined): ChainSummary {
  if (events.length > 0 && events.some((event) => event.hash === undefined)) return { status: "not-recorded" };
  if (verify === undefined) return { status: "not-checked" };
  const broken = verify(events);
  return broken === undefined ? { status: "holds" } : { status: "broken", brokenAt: broken.sequence, reason: broken.reason };
}

function chainMark(chain: ChainSummary, sequence: number): ChainMark {
  if (chain.status !== "broken") return chain.status;
  const at = chain.brokenAt ?? 0;
  return sequence < at ? "holds" : sequence === at ? "broken" : "after-break";
}
