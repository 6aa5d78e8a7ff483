import { EventReadError, readEvent } from "../../model/event-read.js";
import type { Service } from "../../model/service.js";
import type { Store } from "../../ports/store.js";

/** A stored event the current code cannot read, with where it is and why. */
export interface HistoryProblem {
  readonly service: string;
  readonly aggregateId: string;
  readonly sequence: number;
  readonly position: string | undefined;
  /** The type and schema version as stored. */
  readonly type: string;
  readonly schemaVersion: number;
  /** Dotted path of the failing value (`data.amount`), "" for the event as a whole. */
  readonly path: string;
  readonly reason: string;
}

export interface CheckHistoryOptions {
  readonly store: Pick<Store, "readFeed">;
  readonly services: readonly Service[];
  readonly realm: string;
  /** Feed page size (default 1000). */
  readonly pageSize?: number;
  /** Problems kept in the report (default 1000); every one is counted. */
  readonly maxProblems?: number;
  readonly onProgress?: (events: number) => void;
}

export interface HistoryReport {
  readonly realm: string;
  readonly events: number;
  /** Every unreadable event, counted even past `maxProblems`. */
  readonly failed: number;
  /** The first `maxProblems` of them, in feed order. */
  readonly problems: readonly HistoryProblem[];
}

/**
 * Reads a realm's whole feed through the current event types, their upcasters and schemas, as
 * every read path will, and reports each event that would fail: what to run before a deploy that
 * changes an event type. Read-only; one pass over the feed, constant memory beyond the problems.
 */
export async function checkHistory(options: CheckHistoryOptions): Promise<HistoryReport> {
  const services = new Map(options.services.map((service) => [service.name, service]));
  const maxProblems = options.maxProblems ?? 1000;
  const problems: HistoryProblem[] = [];
  let events = 0;
  let failed = 0;
  let checkpoint: string | undefined;
  for (;;) {
    const page = await options.store.readFeed(options.realm, checkpoint, options.pageSize ?? 1000);
    if (page.events.length === 0) break;
    for (const event of page.events) {
      events += 1;
      const service = services.get(event.service);
      let problem: HistoryProblem | undefined;
      if (service === undefined) {
        const reason = `no service ${event.service} is configured`;
        problem = problemOf(new EventReadError(event, "service", reason));
      } else {
        try {
          readEvent(service, event);
        } catch (error) {
          if (!(error instanceof EventReadError)) throw error;
          problem = problemOf(error);
        }
      }
      if (problem === undefined) continue;
      failed += 1;
      if (problems.length < maxProblems) problems.push(problem);
    }
    checkpoint = page.checkpoint;
    options.onProgress?.(events);
  }
  return { realm: options.realm, events, failed, problems };
}

function problemOf(error: EventReadError): HistoryProblem {
  return {
    service: error.service,
    aggregateId: error.aggregateId,
    sequence: error.sequence,
    position: error.position,
    type: error.type,
    schemaVersion: error.schemaVersion,
    path: error.path,
    reason: error.reason,
  };
}
